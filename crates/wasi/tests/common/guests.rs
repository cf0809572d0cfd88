//! Builds the test guests in `guests/` for wasm32-wasip1, once per test process. Plain std, so
//! that every test crate can include this file (`#[path]`) without depending on the others.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn guests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests")
}

/// Builds `guests/` the first time a test asks; cargo's own lock on the guests' target
/// directory serialises test binaries that build at the same time.
fn build_guests() -> &'static Result<PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = guests_dir();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&dir)
            .args(["build", "--release", "--target", "wasm32-wasip1"]);
        // The outer build's settings are for the host workspace, not for the guests.
        for var in [
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "RUSTC_WRAPPER",
            "RUSTC_WORKSPACE_WRAPPER",
        ] {
            cmd.env_remove(var);
        }
        let out = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(dir.join("target/wasm32-wasip1/release"))
    })
}

/// The built `NAME.wasm`; panics with cargo's output when the guests do not build.
pub fn guest_path(name: &str) -> PathBuf {
    let dir = build_guests()
        .as_ref()
        .unwrap_or_else(|e| panic!("building guests failed:\n{e}"));
    dir.join(format!("{name}.wasm"))
}
