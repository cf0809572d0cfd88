//! `build` up to cargo: what it refuses before compiling anything.

use wasmux_devtools::build::{build, BuildError, BuildOptions};

#[test]
fn a_target_that_is_not_installed_is_named_with_its_fix() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("src/main.rs"), "fn main() {}").unwrap();
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
