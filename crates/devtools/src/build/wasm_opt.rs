//! Binaryen's `wasm-opt -Os`, when one is installed: the `wasm-opt` found on PATH, or Binaryen
//! linked in with the `wasm-opt` feature (preferred unless the one on PATH is newer). Optional: without it, or when it fails, the build
//! goes on with the module as the passes before left it, and says why.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Binaryen older than this lacks flags used here or reads rustc's output badly.
const OLDEST: u32 = 100;

/// The proposals rustc's wasm32 targets use by default (LLVM's `generic` CPU): enabled so that
/// Binaryen accepts what rustc wrote, and may use no proposal rustc could not have used.
pub(crate) const FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
];

pub(crate) enum Outcome {
    Optimized { wasm: Vec<u8>, note: String },
    Skipped(String),
}

/// Optimizes `wasm` for size, keeping the `name` section when `keep_names`; scratch files go
/// to `scratch` (a directory of the build's own) and are removed after.
///
/// With the `wasm-opt` feature, the linked Binaryen runs unless the one on PATH is newer:
/// newer Binaryen releases shrink rustc's output further.
pub(crate) fn optimize(wasm: &[u8], keep_names: bool, scratch: &Path) -> Outcome {
    let installed = installed();
    #[cfg(feature = "wasm-opt")]
    if !matches!(installed, Installed::Usable { version, .. } if version > super::binaryen_lib::VERSION)
    {
        return super::binaryen_lib::optimize(wasm, keep_names, scratch);
    }
    on_path(installed, wasm, keep_names, scratch)
}

/// The `wasm-opt` on PATH, if any.
enum Installed {
    Usable {
        /// Compared with the linked Binaryen's, when there is one.
        #[cfg_attr(not(feature = "wasm-opt"), allow(dead_code))]
        version: u32,
        text: String,
    },
    Unusable(String),
}

fn installed() -> Installed {
    let text = match Command::new("wasm-opt").arg("--version").output() {
        Err(_) => {
            return Installed::Unusable(
                "no wasm-opt on PATH (Binaryen; Debian: apt-get install binaryen)".into(),
            )
        }
        Ok(out) => String::from_utf8_lossy(&out.stdout).trim().to_string(),
    };
    match parse_version(&text) {
        Some(version) if version >= OLDEST => Installed::Usable { version, text },
        Some(v) => Installed::Unusable(format!(
            "wasm-opt version {v} is older than {OLDEST}, which this build needs"
        )),
        None => Installed::Unusable(format!("unrecognised wasm-opt version `{text}`")),
    }
}

fn on_path(installed: Installed, wasm: &[u8], keep_names: bool, scratch: &Path) -> Outcome {
    let version = match installed {
        Installed::Usable { text, .. } => text,
        Installed::Unusable(why) => return Outcome::Skipped(why),
    };
    let (input, output) = scratch_files(scratch);
    let result = run(wasm, keep_names, &input, &output);
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    match result {
        Ok(wasm) => Outcome::Optimized {
            wasm,
            note: format!("{version} (on PATH), -Os"),
        },
        Err(why) => Outcome::Skipped(format!("{version} failed: {why}")),
    }
}

fn run(wasm: &[u8], keep_names: bool, input: &Path, output: &Path) -> Result<Vec<u8>, String> {
    std::fs::write(input, wasm).map_err(|e| format!("cannot write {}: {e}", input.display()))?;
    let mut cmd = Command::new("wasm-opt");
    cmd.arg("-Os").args(FEATURES);
    // Binaryen drops the name section unless asked to keep "debug info"; DWARF never reaches
    // here (the build skips this step while the module has any).
    if keep_names {
        cmd.arg("-g");
    }
    let out = cmd
        .arg(input)
        .arg("-o")
        .arg(output)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("exit status {}: {first}", out.status));
    }
    std::fs::read(output).map_err(|e| format!("cannot read its output: {e}"))
}

pub(crate) fn scratch_files(scratch: &Path) -> (PathBuf, PathBuf) {
    let unique = std::process::id();
    (
        scratch.join(format!(".wasm-opt-{unique}-in.wasm")),
        scratch.join(format!(".wasm-opt-{unique}-out.wasm")),
    )
}

/// `108` from `wasm-opt version 108` or `wasm-opt version 116 (version_116)`.
fn parse_version(text: &str) -> Option<u32> {
    let rest = text.split("version").nth(1)?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn versions_of_binaryen_releases_are_read() {
        assert_eq!(parse_version("wasm-opt version 108"), Some(108));
        assert_eq!(
            parse_version("wasm-opt version 116 (version_116)"),
            Some(116)
        );
        assert_eq!(parse_version("wasm-opt"), None);
    }
}

#[cfg(test)]
mod run_tests {
    use super::{optimize, Outcome};

    fn scratch() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    /// Whatever Binaryen there is (or none): optimized and valid, or skipped with a reason.
    #[test]
    fn a_plain_module_is_optimized_or_the_step_says_why_not() {
        let wasm = wat::parse_str(
            r#"(module $m
                 (func $dead (result i32) (i32.add (i32.const 1) (i32.const 2)))
                 (func $f (export "f") (result i32) (i32.add (i32.const 1) (i32.const 2))))"#,
        )
        .unwrap();
        let dir = scratch();
        match optimize(&wasm, true, dir.path()) {
            Outcome::Optimized { wasm: out, note } => {
                crate::build::passes::validate(&out).unwrap();
                assert!(out.len() < wasm.len(), "{note}");
                assert!(note.contains("-Os"), "{note}");
            }
            Outcome::Skipped(why) => assert!(why.contains("wasm-opt"), "{why}"),
        }
        // Its scratch files are gone.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// A proposal outside the set enabled for rustc's output: Binaryen refuses the module and
    /// the step is skipped with Binaryen's reason, never a failed build.
    #[test]
    fn a_module_binaryen_refuses_skips_the_step() {
        let wasm = wat::parse_str(
            r#"(module
                 (func $g (result i32) (i32.const 1))
                 (func (export "f") (result i32) (return_call $g)))"#,
        )
        .unwrap();
        let dir = scratch();
        match optimize(&wasm, false, dir.path()) {
            Outcome::Optimized { note, .. } => panic!("tail calls were accepted: {note}"),
            Outcome::Skipped(why) => assert!(why.contains("wasm-opt"), "{why}"),
        }
    }
}

/// With Binaryen linked in, the newer of it and the one on PATH runs, and the step says which.
#[cfg(all(test, feature = "wasm-opt"))]
mod choice_tests {
    use super::{installed, optimize, Installed, Outcome};

    #[test]
    fn the_newer_binaryen_runs_and_is_named() {
        let wasm = wat::parse_str(
            r#"(module (func $dead) (func (export "f") (result i32) (i32.const 7)))"#,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let Outcome::Optimized { note, .. } = optimize(&wasm, false, dir.path()) else {
            panic!("a plain module was not optimized");
        };
        match installed() {
            Installed::Usable { version, text } if version > 116 => {
                assert_eq!(note, format!("{text} (on PATH), -Os"))
            }
            // Debian's 108, or none: the linked 116.
            _ => assert_eq!(note, "wasm-opt version 116 (Binaryen linked in), -Os"),
        }
    }
}
