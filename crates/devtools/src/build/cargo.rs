//! Building the chosen target with cargo for a wasm target, with the size-minded profile
//! passed as `--config` overrides so that the user's Cargo.toml is never edited.

use super::error::BuildError;
use super::project::{Kind, Target};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cargo to run: the one that runs us when there is one (`$CARGO`), else `cargo`.
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `cmd`, mapping "no such program" to the missing-cargo error.
pub(crate) fn output(mut cmd: Command) -> Result<std::process::Output, BuildError> {
    cmd.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => BuildError::CargoMissing,
        _ => BuildError::Run {
            program: "cargo".into(),
            source: e,
        },
    })
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
