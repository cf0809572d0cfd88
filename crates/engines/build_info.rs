//! Shared by the engine adapters' build scripts: facts about the build that compiled code
//! depends on, so no version is typed by hand next to the one Cargo resolved.

use std::path::{Path, PathBuf};

/// Tells rustc `{prefix}_VERSION` (the version of `package` in the build's `Cargo.lock`, or
/// `unknown`) and `{prefix}_TARGET` (the triple being compiled for).
pub fn emit(package: &str, prefix: &str) {
    let version = match lock_file() {
        Some(lock) => {
            println!("cargo:rerun-if-changed={}", lock.display());
            match locked_version(&lock, package) {
                Ok(v) => v,
                Err(why) => {
                    println!(
                        "cargo:warning={}: {why}; compiled code will not be cached",
                        lock.display()
                    );
                    "unknown".to_string()
                }
            }
        }
        None => {
            println!("cargo:warning=no Cargo.lock above the package or the build directory; the {package} version is unknown and compiled code will not be cached");
            "unknown".to_string()
        }
    };
    println!("cargo:rustc-env={prefix}_VERSION={version}");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env={prefix}_TARGET={target}");
}

/// The lock file of the build: above this package (a workspace member), else above the
/// build's output directory (the package is a dependency of another workspace).
fn lock_file() -> Option<PathBuf> {
    let starts = ["CARGO_MANIFEST_DIR", "OUT_DIR"].map(|v| std::env::var_os(v).map(PathBuf::from));
    starts
        .iter()
        .flatten()
        .flat_map(|dir| {
            dir.ancestors()
                .map(|d| d.join("Cargo.lock"))
                .collect::<Vec<_>>()
        })
        .find(|p| p.is_file())
}

/// The one version of `package` that `lock` lists.
fn locked_version(lock: &Path, package: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(lock).map_err(|e| e.to_string())?;
    let name_line = format!("name = \"{package}\"");
    let mut versions = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == name_line {
            // Cargo writes `version` on the line after `name` in every `[[package]]`.
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|l| l.strip_suffix('"'))
            {
                versions.push(v.to_string());
            }
        }
    }
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!("{package} is not listed")),
        many => Err(format!(
            "{package} is listed in several versions ({})",
            many.join(", ")
        )),
    }
}
