//! Writes "x" to every path in its arguments and prints `PATH: ok` or `PATH: errno N`; used to
//! check the mounts the command line grants.
use wasmux_guests::report;

fn main() {
    for path in std::env::args().skip(1) {
        report(&path, std::fs::write(&path, b"x"));
    }
}
