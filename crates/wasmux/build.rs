//! A fingerprint of the rewriter's source, so compiled code cached by one build of wasmux is
//! never taken for another's: a change to fuel costs or interrupt checks changes the code the
//! engines compile, with the same module and the same options.

use std::hash::Hasher;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let rewriter = Path::new(&manifest).join("../instrument/src");
    let mut files = Vec::new();
    collect(&rewriter, &mut files);
    files.sort();
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        hash.write(
            file.strip_prefix(&rewriter)
                .unwrap_or(file)
                .to_string_lossy()
                .as_bytes(),
        );
        hash.write(&std::fs::read(file).unwrap_or_default());
    }
    println!("cargo:rerun-if-changed={}", rewriter.display());
    println!(
        "cargo:rustc-env=WASMUX_REWRITER_DIGEST={:016x}",
        hash.finish()
    );
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        // Not built from the repository (a packaged crate): its version alone then tells
        // builds apart.
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// FNV-1a: the same digest on every machine and every Rust release, unlike `DefaultHasher`.
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}
