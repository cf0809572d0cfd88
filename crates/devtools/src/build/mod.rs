//! `wasmux build`: a Rust crate compiled for wasm32-wasip1 with a size-minded profile, then made
//! smaller step by step (custom sections stripped when asked, unreachable functions dropped,
//! Binaryen's `wasm-opt -Os` when installed), the module validated after every step.

#[cfg(feature = "wasm-opt")]
mod binaryen_lib;
mod cargo;
mod error;
pub mod passes;
mod project;
mod report;
mod wasm_opt;

pub use error::{BuildError, PassError};
pub use passes::StripOptions;
pub use report::{BuildReport, Step};

use std::path::{Path, PathBuf};

/// The target `wasmux build` compiles for.
pub const DEFAULT_TRIPLE: &str = "wasm32-wasip1";

/// What to build and how.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The project's directory (with its Cargo.toml).
    pub path: PathBuf,
    /// Where to write the module; `None` for `target/wasmux/NAME.wasm` in the project.
    pub output: Option<PathBuf>,
    /// The binary to build, where the project has several.
    pub bin: Option<String>,
    /// A cargo profile of the project's own, built as written; `None` for release with the
    /// size-minded overrides (LTO, one codegen unit, panic=abort, opt-level "s").
    pub profile: Option<String>,
    /// Keep DWARF (`debug = true`, no strip), for trap reports with source lines. The steps
    /// that move code are then skipped unless `strip.debug` removes it.
    pub debug: bool,
    pub strip: StripOptions,
    /// Run Binaryen's wasm-opt when there is one.
    pub wasm_opt: bool,
    pub triple: String,
}

impl BuildOptions {
    pub fn new(path: impl Into<PathBuf>) -> BuildOptions {
        BuildOptions {
            path: path.into(),
            output: None,
            bin: None,
            profile: None,
            debug: false,
            strip: StripOptions::default(),
            wasm_opt: true,
            triple: DEFAULT_TRIPLE.to_string(),
        }
    }
}

/// What a build is doing, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// cargo starts building this target.
    Cargo { target: &'a str },
    /// A line cargo printed ("Compiling foo v0.1.0").
    CargoLine(&'a str),
    /// A step after cargo starts.
    Step(&'a str),
}

/// Builds as `opts` says; see [`build_with`] for progress.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_with(opts, &mut |_| {})
}

/// Builds as `opts` says, telling `progress` what it is doing.
pub fn build_with(
    opts: &BuildOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<BuildReport, BuildError> {
    let manifest = manifest(&opts.path)?;
    let target = project::find_target(&manifest, opts.bin.as_deref())?;
    cargo::check_target_installed(&opts.path, &opts.triple)?;
    let invocation = cargo::Invocation {
        manifest: &manifest,
        triple: &opts.triple,
        target: &target,
        profile: opts.profile.as_deref(),
        debug: opts.debug,
    };
    progress(Progress::Cargo {
        target: &target.name,
    });
    let artifact = invocation.run(&mut |line| progress(Progress::CargoLine(line)))?;
    let mut wasm = std::fs::read(&artifact).map_err(|source| BuildError::Io {
        path: artifact.clone(),
        source,
    })?;
    checked("cargo build", &wasm)?;
    let output = opts.output.clone().unwrap_or_else(|| {
        opts.path
            .join("target/wasmux")
            .join(format!("{}.wasm", target.name))
    });
    let scratch = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    std::fs::create_dir_all(&scratch).map_err(|source| BuildError::Write {
        path: scratch.clone(),
        source,
    })?;

    let mut steps = vec![Step {
        name: "cargo build".into(),
        before: None,
        after: wasm.len() as u64,
        applied: true,
        note: cargo_note(&invocation),
    }];
    progress(Progress::Step("strip"));
    steps.push(strip_step(&mut wasm, &opts.strip)?);
    progress(Progress::Step("drop-unreachable"));
    steps.push(dce_step(&mut wasm)?);
    progress(Progress::Step("wasm-opt"));
    steps.push(wasm_opt_step(&mut wasm, opts.wasm_opt, &scratch)?);

    std::fs::write(&output, &wasm).map_err(|source| BuildError::Write {
        path: output.clone(),
        source,
    })?;
    Ok(BuildReport {
        package: target.package.clone(),
        target: target.name.clone(),
        triple: opts.triple.clone(),
        profile: invocation.profile_name().to_string(),
        cargo_output: artifact,
        output,
        steps,
    })
}

/// `PATH/Cargo.toml`, or why PATH is not a Rust project.
fn manifest(path: &Path) -> Result<PathBuf, BuildError> {
    if !path.exists() {
        return Err(BuildError::NotFound(path.to_path_buf()));
    }
    let manifest = path.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(BuildError::NotRustProject(path.to_path_buf()));
    }
    Ok(manifest)
}

/// Validates the module a step produced, naming the step when it is not valid.
fn checked(step: &str, wasm: &[u8]) -> Result<(), BuildError> {
    passes::validate(wasm).map_err(|source| BuildError::Invalid {
        pass: step.to_string(),
        source,
    })
}

fn cargo_note(invocation: &cargo::Invocation<'_>) -> String {
    let mut note = match invocation.profile {
        Some(profile) => format!("profile `{profile}` as written"),
        None => "release, lto, codegen-units=1, panic=abort, opt-level=s".to_string(),
    };
    if invocation.debug {
        note.push_str(", DWARF kept");
    }
    note
}

fn strip_step(wasm: &mut Vec<u8>, opts: &StripOptions) -> Result<Step, BuildError> {
    let before = wasm.len() as u64;
    if !opts.any() {
        return Ok(Step::skipped(
            "strip",
            before,
            "not asked (--strip-debug, --strip-custom, --strip-names)",
        ));
    }
    let out = passes::strip(wasm, opts).map_err(|source| BuildError::Pass {
        pass: "strip".into(),
        source,
    })?;
    checked("strip", &out.wasm)?;
    *wasm = out.wasm;
    let note = if out.removed.is_empty() {
        "no such section".to_string()
    } else {
        format!("removed {}", out.removed.join(", "))
    };
    Ok(Step::applied("strip", before, wasm.len() as u64, note))
}

/// Why the steps that move code do not run on this module, if they must not.
fn keeps_dwarf(wasm: &[u8]) -> Option<String> {
    passes::first_dwarf_section(wasm).map(|s| {
        format!("the module keeps DWARF ({s}), whose offsets this would break; --strip-debug")
    })
}

fn dce_step(wasm: &mut Vec<u8>) -> Result<Step, BuildError> {
    let before = wasm.len() as u64;
    if let Some(why) = keeps_dwarf(wasm) {
        return Ok(Step::skipped("drop-unreachable", before, why));
    }
    let out = passes::drop_unreachable(wasm).map_err(|source| BuildError::Pass {
        pass: "drop-unreachable".into(),
        source,
    })?;
    checked("drop-unreachable", &out.wasm)?;
    *wasm = out.wasm;
    let mut note = format!(
        "removed {} of {} functions",
        out.removed,
        out.removed + out.kept
    );
    if !out.dropped_sections.is_empty() {
        note.push_str(&format!(
            "; dropped {} (code annotations it cannot renumber)",
            out.dropped_sections.join(", ")
        ));
    }
    Ok(Step::applied(
        "drop-unreachable",
        before,
        wasm.len() as u64,
        note,
    ))
}

fn wasm_opt_step(wasm: &mut Vec<u8>, enabled: bool, scratch: &Path) -> Result<Step, BuildError> {
    let before = wasm.len() as u64;
    if !enabled {
        return Ok(Step::skipped("wasm-opt", before, "--no-wasm-opt"));
    }
    if let Some(why) = keeps_dwarf(wasm) {
        return Ok(Step::skipped("wasm-opt", before, why));
    }
    let keep_names = passes::custom_section_names(wasm)
        .iter()
        .any(|n| n == "name");
    match wasm_opt::optimize(wasm, keep_names, scratch) {
        wasm_opt::Outcome::Skipped(why) => Ok(Step::skipped("wasm-opt", before, why)),
        wasm_opt::Outcome::Optimized { wasm: out, note } => {
            checked("wasm-opt", &out)?;
            if out.len() as u64 >= before {
                return Ok(Step::skipped(
                    "wasm-opt",
                    before,
                    format!("{note}: no smaller, its output is not used"),
                ));
            }
            *wasm = out;
            Ok(Step::applied("wasm-opt", before, wasm.len() as u64, note))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_dwarf() -> Vec<u8> {
        let mut wasm = wat::parse_str(r#"(module (func $dead) (func (export "f")))"#).unwrap();
        let mut extra = wasm_encoder::Module::new();
        extra.section(&wasm_encoder::CustomSection {
            name: ".debug_info".into(),
            data: b"dwarf"[..].into(),
        });
        wasm.extend_from_slice(&extra.finish()[8..]);
        wasm
    }

    /// A `--debug` build: the steps that move code leave the module as it is, and say why.
    #[test]
    fn dwarf_keeps_the_code_where_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let mut wasm = with_dwarf();
        let original = wasm.clone();
        for step in [
            dce_step(&mut wasm).unwrap(),
            wasm_opt_step(&mut wasm, true, dir.path()).unwrap(),
        ] {
            assert!(!step.applied, "{step:?}");
            assert!(step.note.contains("DWARF (.debug_info)"), "{step:?}");
        }
        assert_eq!(wasm, original);
        // With DWARF stripped, the dead function goes.
        let strip = StripOptions {
            debug: true,
            ..Default::default()
        };
        let step = strip_step(&mut wasm, &strip).unwrap();
        assert_eq!(step.note, "removed .debug_info");
        let step = dce_step(&mut wasm).unwrap();
        assert!(
            step.applied && step.note.starts_with("removed 1 of 2"),
            "{step:?}"
        );
    }

    #[test]
    fn a_step_that_breaks_the_module_is_named() {
        let err = checked("wasm-opt", b"\0asm\x01\0\0\0\x01\x01").unwrap_err();
        assert!(matches!(&err, BuildError::Invalid { pass, .. } if pass == "wasm-opt"));
        assert_eq!(err.to_string(), "the module after `wasm-opt` is not valid");
    }
}
