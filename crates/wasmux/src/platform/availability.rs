//! Which engine variants run on this machine, and why the others do not.

use super::host;
use serde::Serialize;

/// Every variant wasmux knows, whether this build has it or not, in `wasmux engines` order.
const KNOWN: [&str; 7] = [
    "wasmtime",
    "wasmtime:winch",
    "wasmtime:pulley",
    "wasmer",
    "wasmer:llvm",
    "wasm3",
    "wasmi",
];

/// Whether one engine variant runs here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Availability {
    pub engine: String,
    pub available: bool,
    /// Why not, for people; `None` when available.
    pub reason: Option<String>,
}

/// Every variant wasmux knows, with its availability here.
pub fn variants() -> Vec<Availability> {
    KNOWN.iter().map(|name| availability(name)).collect()
}

/// Whether the variant `name` runs here. An unknown name is unavailable, as not in this build.
pub fn availability(name: &str) -> Availability {
    let reason = unavailable(name);
    Availability {
        engine: name.to_string(),
        available: reason.is_none(),
        reason,
    }
}

fn unavailable(name: &str) -> Option<String> {
    if !crate::engine_names().iter().any(|n| n == name) {
        return Some(match name {
            "wasmer" | "wasmer:llvm" if cfg!(windows) => {
                "not in this build: wasmer 7.4's Singlepass does not build for Windows".into()
            }
            "wasmer:llvm" => "not in this build (the `llvm` feature, which needs LLVM 22)".into(),
            "wasm3" => "not in this build (the `wasm3` feature, which needs a C compiler)".into(),
            _ => "not in this build".into(),
        });
    }
    let platform = host();
    let arch = platform.arch;
    let generates = |arches: &[&str], compiler: &str| -> Option<String> {
        if !arches.contains(&arch) {
            return Some(format!(
                "{compiler} generates no code for {arch} (only {})",
                arches.join(", ")
            ));
        }
        platform.jit.reason.as_ref().map(|why| {
            format!(
                "it runs native code it generates at run time, which is not allowed here: {why}"
            )
        })
    };
    let has = |feature: &str| {
        platform
            .cpu_features
            .iter()
            .any(|f| f.name == feature && f.present)
    };
    match name {
        "wasmtime" => generates(&["x86_64", "aarch64", "riscv64", "s390x"], "Cranelift"),
        "wasmtime:winch" => generates(&["x86_64", "aarch64"], "Winch"),
        "wasmer" => {
            if arch == "x86_64" && !has("sse4.2") && !has("avx") {
                return Some("Singlepass's x86_64 code needs SSE4.2 or AVX".into());
            }
            generates(&["x86_64", "aarch64", "riscv64"], "Singlepass")
        }
        "wasmer:llvm" => generates(&["x86_64", "aarch64"], "wasmer's LLVM backend"),
        // Interpreters: Pulley's bytecode, wasm3's and wasmi's own, run wherever they build.
        _ => None,
    }
}
