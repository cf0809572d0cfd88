//! Writes to /tmp, then waits for a line on stdin before each next step, so that the host can
//! change the policy at a known point: write, wait, write + create, wait, write.
use std::io::{BufRead, Write};
use wasmux_guests::report;

fn wait(step: u32) {
    println!("waiting {step}");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
}

fn main() {
    let mut f = std::fs::File::create("/tmp/live.txt").unwrap();
    report("write 1", f.write_all(b"one\n"));
    wait(1);
    report("write 2", f.write_all(b"two\n"));
    report("create", std::fs::File::create("/tmp/other.txt"));
    wait(2);
    report("write 3", f.write_all(b"three\n"));
    drop(f);
    println!(
        "content: {:?}",
        std::fs::read_to_string("/tmp/live.txt").unwrap()
    );
}
