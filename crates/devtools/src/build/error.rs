//! What can go wrong in `wasmux build`: finding the project, running cargo, and the passes.

use std::path::PathBuf;
use thiserror::Error;

/// A pass that could not read or rewrite a module, or whose output did not validate.
#[derive(Debug, Error)]
pub enum PassError {
    #[error("not a valid WebAssembly module: {0}")]
    Parse(#[from] wasmparser::BinaryReaderError),
    #[error("a component, not a core module: the passes rewrite core modules only")]
    Component,
    #[error(
        "a relocatable object file (it has a `{0}` section): link it first, since removing \
         functions would leave its relocations pointing at the wrong ones"
    )]
    Relocatable(String),
    #[error(
        "the module has DWARF debug info (`{0}`): removing functions would move the code it \
         describes; strip it first (--strip-debug)"
    )]
    Dwarf(String),
    #[error("cannot re-encode the module: {0}")]
    Encode(String),
}

impl From<wasm_encoder::reencode::Error<PassError>> for PassError {
    fn from(e: wasm_encoder::reencode::Error<PassError>) -> Self {
        match e {
            wasm_encoder::reencode::Error::UserError(e) => e,
            wasm_encoder::reencode::Error::ParseError(e) => PassError::Parse(e),
            wasm_encoder::reencode::Error::UnexpectedNonCoreModuleSection => PassError::Component,
            other => PassError::Encode(other.to_string()),
        }
    }
}

/// Why `wasmux build` did not produce a module.
#[derive(Debug, Error)]
pub enum BuildError {
    #[error(
        "{} is not a Rust project: it has no Cargo.toml. wasmux build expects the directory of \
         a Rust crate (or workspace) with a binary (`fn main`) or a cdylib target",
        .0.display()
    )]
    NotRustProject(PathBuf),
    #[error(
        "{} does not exist: wasmux build expects the directory of a Rust crate",
        .0.display()
    )]
    NotFound(PathBuf),
    #[error("cannot run {program}")]
    Run {
        program: String,
        source: std::io::Error,
    },
    #[error("cannot read {}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cargo was not found on PATH: wasmux build needs Rust's cargo (install it with rustup, \
         then `rustup target add wasm32-wasip1`)"
    )]
    CargoMissing,
    #[error("the Rust target `{0}` is not installed; install it with `rustup target add {0}`")]
    TargetMissing(String),
    #[error("`cargo metadata` failed for {}:\n{output}", manifest.display())]
    Metadata { manifest: PathBuf, output: String },
    #[error("{0}")]
    Target(String),
    #[error("cargo build failed (exit status {status}):\n{output}")]
    Compile { status: String, output: String },
    #[error("cargo built `{0}` but reported no .wasm file for it")]
    NoArtifact(String),
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("pass `{pass}` failed")]
    Pass { pass: String, source: PassError },
    #[error("the module after `{pass}` is not valid")]
    Invalid {
        pass: String,
        source: wasmparser::BinaryReaderError,
    },
}
