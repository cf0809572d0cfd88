//! Assembles the guest here, on the build machine: the text format needs `std`.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let wasm = wat::parse_file("guest.wat").expect("guest.wat assembles");
    std::fs::write(out.join("guest.wasm"), wasm).expect("OUT_DIR is writable");
    // cortex-m-rt's link.x includes memory.x from the linker's search path.
    std::fs::copy("memory.x", out.join("memory.x")).expect("memory.x is readable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=guest.wat");
    println!("cargo:rerun-if-changed=memory.x");
}
