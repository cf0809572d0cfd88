//! `build` up to cargo: what it refuses before compiling anything.

use wasmux_devtools::build::{build, BuildError, BuildOptions};

/// A binary crate of its own workspace, in a temporary directory.
fn binary_crate(name: &str, main_rs: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("src/main.rs"), main_rs).unwrap();
    dir
}

#[test]
fn a_target_that_is_not_installed_is_named_with_its_fix() {
    let dir = binary_crate("t", "fn main() {}");
    // A wasm target nobody here installs: rustup says so, or cargo's error does without it.
    let opts = BuildOptions {
        triple: "wasm32-unknown-emscripten".into(),
        ..BuildOptions::new(dir.path())
    };
    let err = build(&opts).unwrap_err();
    assert!(
        matches!(&err, BuildError::TargetMissing(t) if t == "wasm32-unknown-emscripten"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("rustup target add wasm32-unknown-emscripten"),
        "{err}"
    );
}

/// With Binaryen linked in: a Rust program is built, and the wasm-opt step runs the linked
/// Binaryen (Debian's on PATH is older), shrinks the module, and leaves it valid.
#[cfg(feature = "wasm-opt")]
#[test]
fn the_linked_binaryen_shrinks_a_rust_program() {
    let dir = binary_crate(
        "greet",
        "fn main() { println!(\"hello, {}\", std::env::args().count()); }",
    );
    let report = build(&BuildOptions::new(dir.path())).unwrap();
    let step = report.steps.iter().find(|s| s.name == "wasm-opt").unwrap();
    assert!(step.applied, "{step:?}");
    assert!(step.note.contains("wasm-opt version"), "{step:?}");
    if !step.note.contains("(on PATH)") {
        assert_eq!(step.note, "wasm-opt version 116 (Binaryen linked in), -Os");
    }
    assert!(step.after < step.before.unwrap(), "{step:?}");
    let wasm = std::fs::read(&report.output).unwrap();
    assert_eq!(wasm.len() as u64, step.after);
    wasmux_devtools::build::passes::validate(&wasm).unwrap();
}
