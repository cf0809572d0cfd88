//! What to build in a Rust project: its bin or cdylib target, found with `cargo metadata`.

use super::cargo::{cargo, output};
use super::error::BuildError;
use serde_json::Value;
use std::path::Path;

/// What cargo is asked to build.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub package: String,
    /// The binary's name, or the cdylib's library name.
    pub name: String,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bin,
    Cdylib,
}

/// The bin or cdylib target of the project at `dir` to build: the one there is, or the binary
/// named `bin`. A package's manifest restricts the choice to that package; a virtual
/// manifest offers every member's.
pub(crate) fn find_target(manifest: &Path, bin: Option<&str>) -> Result<Target, BuildError> {
    let mut cmd = cargo();
    cmd.args([
        "metadata",
        "--no-deps",
        "--format-version",
        "1",
        "--manifest-path",
    ])
    .arg(manifest);
    let out = output(cmd)?;
    if !out.status.success() {
        return Err(BuildError::Metadata {
            manifest: manifest.to_path_buf(),
            output: String::from_utf8_lossy(&out.stderr).trim_end().to_string(),
        });
    }
    let metadata: Value =
        serde_json::from_slice(&out.stdout).map_err(|e| BuildError::Metadata {
            manifest: manifest.to_path_buf(),
            output: format!("unreadable output: {e}"),
        })?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let manifest = manifest
        .canonicalize()
        .unwrap_or_else(|_| manifest.to_path_buf());
    let here: Vec<&Value> = packages
        .iter()
        .filter(|p| {
            p["manifest_path"]
                .as_str()
                .and_then(|m| Path::new(m).canonicalize().ok())
                .is_some_and(|m| m == manifest)
        })
        .collect();
    let scope = if here.is_empty() {
        packages.iter().collect()
    } else {
        here
    };
    let mut candidates = Vec::new();
    for package in scope {
        let package_name = package["name"].as_str().unwrap_or_default();
        for target in package["targets"].as_array().into_iter().flatten() {
            let kinds: Vec<&str> = target["kind"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let kind = if kinds.contains(&"bin") {
                Kind::Bin
            } else if kinds.contains(&"cdylib") {
                Kind::Cdylib
            } else {
                continue;
            };
            candidates.push(Target {
                package: package_name.to_string(),
                name: target["name"].as_str().unwrap_or_default().to_string(),
                kind,
            });
        }
    }
    choose(candidates, bin, &manifest)
}

fn choose(
    candidates: Vec<Target>,
    bin: Option<&str>,
    manifest: &Path,
) -> Result<Target, BuildError> {
    let bins = || {
        candidates
            .iter()
            .filter(|t| t.kind == Kind::Bin)
            .map(|t| format!("{} (package {})", t.name, t.package))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(bin) = bin {
        return candidates
            .iter()
            .find(|t| t.kind == Kind::Bin && t.name == bin)
            .cloned()
            .ok_or_else(|| {
                BuildError::Target(format!(
                    "{} has no binary named `{bin}`; its binaries: {}",
                    manifest.display(),
                    if bins().is_empty() {
                        "none".to_string()
                    } else {
                        bins()
                    }
                ))
            });
    }
    match candidates.len() {
        0 => Err(BuildError::Target(format!(
            "{} has no binary or cdylib target: wasmux build builds a program with \
             `fn main` (src/main.rs, or a [[bin]]) or a library with \
             crate-type = [\"cdylib\"]",
            manifest.display()
        ))),
        1 => Ok(candidates
            .into_iter()
            .next()
            .unwrap_or_else(|| unreachable!())),
        _ => Err(BuildError::Target(format!(
            "{} has several targets to build: {}; choose one with --bin NAME",
            manifest.display(),
            candidates
                .iter()
                .map(|t| match t.kind {
                    Kind::Bin => format!("{} (package {})", t.name, t.package),
                    Kind::Cdylib => format!("{} (cdylib of package {})", t.name, t.package),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, kind: Kind) -> Target {
        Target {
            package: "p".into(),
            name: name.into(),
            kind,
        }
    }

    #[test]
    fn several_targets_ask_for_one_by_name() {
        let manifest = Path::new("/x/Cargo.toml");
        let two = vec![target("a", Kind::Bin), target("b", Kind::Bin)];
        let err = choose(two.clone(), None, manifest).unwrap_err().to_string();
        assert!(err.contains("a (package p), b (package p)") && err.contains("--bin NAME"));
        assert_eq!(choose(two.clone(), Some("b"), manifest).unwrap().name, "b");
        let err = choose(two, Some("c"), manifest).unwrap_err().to_string();
        assert!(err.contains("no binary named `c`"), "{err}");
        let err = choose(Vec::new(), None, manifest).unwrap_err().to_string();
        assert!(err.contains("no binary or cdylib"), "{err}");
        let lib = choose(vec![target("l", Kind::Cdylib)], None, manifest).unwrap();
        assert_eq!(lib.kind, Kind::Cdylib);
    }
}
