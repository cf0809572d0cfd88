//! This machine as the engines see it: the target triple wasmux was built for, the CPU
//! features that decide what compiled code may use, whether native code may be generated at
//! run time, and from those, which engine variants run here (`wasmux engines`, `--engine auto`).

mod availability;
mod cpu;
mod jit;

pub use availability::{availability, variants, Availability};
pub use cpu::CpuFeature;
pub use jit::{Jit, JIT_ENV};

use serde::Serialize;
use std::sync::OnceLock;

/// The machine this process runs on.
#[derive(Clone, Debug, Serialize)]
pub struct Platform {
    /// The target triple of this build (`x86_64-unknown-linux-gnu`): what native code is
    /// compiled for, and what an AOT file must have been compiled for to run here.
    pub triple: String,
    pub arch: &'static str,
    pub os: &'static str,
    /// The CPU features that change what engines generate or can run, each detected at run
    /// time (SSE4.1 and AVX2 on x86_64, NEON and LSE on aarch64); empty elsewhere.
    pub cpu_features: Vec<CpuFeature>,
    /// Whether native code may be generated and run here: JIT compilers and loading AOT files
    /// need it, interpreters do not.
    pub jit: Jit,
}

/// This machine, detected once.
pub fn host() -> &'static Platform {
    static HOST: OnceLock<Platform> = OnceLock::new();
    HOST.get_or_init(|| Platform {
        triple: target_lexicon::HOST.to_string(),
        arch: std::env::consts::ARCH,
        os: std::env::consts::OS,
        cpu_features: cpu::detect(),
        jit: jit::detect(),
    })
}

/// The engine for a runtime that names none: `wasmtime` (Cranelift) where it runs, else wasmi,
/// the interpreter that runs everything wasmtime does short of exceptions and GC.
pub fn default_engine() -> &'static str {
    if availability("wasmtime").available {
        "wasmtime"
    } else {
        "wasmi"
    }
}
