//! Finding what to build in a Rust project (`cargo metadata`) and building it with cargo for a
//! wasm target, with the size-minded profile passed as `--config` overrides so that the
//! user's Cargo.toml is never edited.

use super::error::BuildError;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// The cargo to run: the one that runs us when there is one (`$CARGO`), else `cargo`.
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `cmd`, mapping "no such program" to the missing-cargo error.
fn output(mut cmd: Command) -> Result<std::process::Output, BuildError> {
    cmd.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => BuildError::CargoMissing,
        _ => BuildError::Run {
            program: "cargo".into(),
            source: e,
        },
    })
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

/// Refuses early, with the fix, when rustup says the target is not installed. Without rustup
/// (a distribution's Rust) nothing is known here, and cargo's own error is read instead.
pub(crate) fn check_target_installed(dir: &Path, triple: &str) -> Result<(), BuildError> {
    let Ok(out) = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(dir)
        .output()
    else {
        return Ok(());
    };
    if !out.status.success() {
        return Ok(());
    }
    let listed = String::from_utf8_lossy(&out.stdout);
    if listed.lines().any(|l| l.trim() == triple) {
        Ok(())
    } else {
        Err(BuildError::TargetMissing(triple.to_string()))
    }
}

/// How cargo is to build: which profile, and the `--config` overrides that go with it.
pub(crate) struct Invocation<'a> {
    pub manifest: &'a Path,
    pub triple: &'a str,
    pub target: &'a Target,
    /// A profile of the user's own, built as they wrote it; `None` for release with the
    /// size-minded overrides.
    pub profile: Option<&'a str>,
    /// Keep DWARF: `debug = true` and no stripping, for trap reports with source lines.
    pub debug: bool,
}

impl Invocation<'_> {
    /// The `--config` overrides: settings from `--config` take precedence over the
    /// `[profile.release]` of Cargo.toml, and nothing is written to the project.
    pub fn overrides(&self) -> Vec<String> {
        let profile = self.profile_name();
        let mut out: Vec<String> = Vec::new();
        if self.profile.is_none() {
            out.extend(
                [
                    "lto=true",
                    "codegen-units=1",
                    "panic=\"abort\"",
                    "opt-level=\"s\"",
                ]
                .iter()
                .map(|s| format!("profile.{profile}.{s}")),
            );
        }
        if self.debug {
            out.push(format!("profile.{profile}.debug=true"));
            out.push(format!("profile.{profile}.strip=false"));
        }
        out
    }

    /// The profile's name as cargo reports it.
    pub fn profile_name(&self) -> &str {
        self.profile.unwrap_or("release")
    }

    fn command(&self) -> Command {
        let mut cmd = cargo();
        cmd.arg("build").arg("--manifest-path").arg(self.manifest);
        for config in self.overrides() {
            cmd.arg("--config").arg(config);
        }
        match self.profile {
            Some(profile) => cmd.args(["--profile", profile]),
            None => cmd.arg("--release"),
        };
        cmd.args(["--target", self.triple, "-p", &self.target.package]);
        match self.target.kind {
            Kind::Bin => cmd.args(["--bin", &self.target.name]),
            Kind::Cdylib => cmd.arg("--lib"),
        };
        // Artifacts as JSON on stdout (to find the .wasm wherever the target dir is), and
        // compiler messages rendered as usual on stderr (to show on failure).
        cmd.args([
            "--message-format",
            "json-render-diagnostics",
            "--color",
            "never",
        ]);
        cmd
    }

    /// Builds, passing each line cargo prints on stderr to `line`; the built .wasm's path.
    pub fn run(&self, line: &mut dyn FnMut(&str)) -> Result<PathBuf, BuildError> {
        let mut child = self
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => BuildError::CargoMissing,
                _ => BuildError::Run {
                    program: "cargo".into(),
                    source: e,
                },
            })?;
        // stdout is read on a thread of its own so that neither pipe fills while the other
        // is read.
        let mut stdout = child.stdout.take().ok_or(BuildError::CargoMissing)?;
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let mut stderr_text = String::new();
        if let Some(stderr) = child.stderr.take() {
            for l in BufReader::new(stderr).lines().map_while(Result::ok) {
                line(&l);
                stderr_text.push_str(&l);
                stderr_text.push('\n');
            }
        }
        let status = child.wait().map_err(|e| BuildError::Run {
            program: "cargo".into(),
            source: e,
        })?;
        let messages = reader.join().unwrap_or_default();
        if !status.success() {
            return Err(failure(&stderr_text, self.triple, status));
        }
        artifact(&messages, self.target)
            .ok_or_else(|| BuildError::NoArtifact(self.target.name.clone()))
    }
}

/// A failed build: a missing target when cargo says so, else cargo's output as it is.
fn failure(stderr: &str, triple: &str, status: std::process::ExitStatus) -> BuildError {
    if stderr.contains("target may not be installed")
        || (stderr.contains("can't find crate for `std`") && stderr.contains(triple))
    {
        return BuildError::TargetMissing(triple.to_string());
    }
    BuildError::Compile {
        status: status
            .code()
            .map_or_else(|| "killed by a signal".to_string(), |c| c.to_string()),
        output: stderr.trim_end().to_string(),
    }
}

/// The .wasm file of `target` among cargo's JSON messages.
fn artifact(messages: &str, target: &Target) -> Option<PathBuf> {
    let want = match target.kind {
        Kind::Bin => "bin",
        Kind::Cdylib => "cdylib",
    };
    messages
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter(|m| m["target"]["name"] == target.name.as_str())
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == want))
        })
        .flat_map(|m| {
            m["filenames"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
        })
        .filter_map(|f| f.as_str().map(PathBuf::from))
        .find(|f| f.extension().is_some_and(|e| e == "wasm"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    /// What cargo 1.95 prints when the target's standard library is not installed.
    const NO_TARGET: &str = "error[E0463]: can't find crate for `std`
  |
  = note: the `wasm32-unknown-emscripten` target may not be installed
  = help: consider downloading the target with `rustup target add wasm32-unknown-emscripten`

error: could not compile `hello` (bin \"hello\") due to 1 previous error";

    #[test]
    fn a_missing_target_is_told_apart_from_a_compile_error() {
        let status = std::process::ExitStatus::from_raw(101 << 8);
        let err = failure(NO_TARGET, "wasm32-unknown-emscripten", status);
        assert!(
            err.to_string()
                .contains("rustup target add wasm32-unknown-emscripten"),
            "{err}"
        );
        let err = failure("error[E0308]: mismatched types", "wasm32-wasip1", status);
        assert!(matches!(err, BuildError::Compile { ref status, .. } if status == "101"));
    }

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

    #[test]
    fn the_artifact_is_found_among_cargo_messages() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"dep","kind":["lib"]},"filenames":["/t/libdep.rlib"]}
{"reason":"compiler-artifact","target":{"name":"hello","kind":["bin"]},"filenames":["/t/wasm32-wasip1/release/hello.wasm"]}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            artifact(messages, &target("hello", Kind::Bin)),
            Some(PathBuf::from("/t/wasm32-wasip1/release/hello.wasm"))
        );
        assert_eq!(artifact(messages, &target("hello", Kind::Cdylib)), None);
    }

    #[test]
    fn overrides_go_to_the_release_profile_only_without_a_profile_of_the_users() {
        let t = target("a", Kind::Bin);
        let mut inv = Invocation {
            manifest: Path::new("Cargo.toml"),
            triple: "wasm32-wasip1",
            target: &t,
            profile: None,
            debug: false,
        };
        assert_eq!(
            inv.overrides(),
            [
                "profile.release.lto=true",
                "profile.release.codegen-units=1",
                "profile.release.panic=\"abort\"",
                "profile.release.opt-level=\"s\""
            ]
        );
        inv.debug = true;
        assert!(inv
            .overrides()
            .contains(&"profile.release.debug=true".to_string()));
        inv.profile = Some("small");
        assert_eq!(
            inv.overrides(),
            ["profile.small.debug=true", "profile.small.strip=false"]
        );
        inv.debug = false;
        assert!(inv.overrides().is_empty());
        assert_eq!(inv.profile_name(), "small");
    }
}
