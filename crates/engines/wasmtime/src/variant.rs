//! The three ways wasmtime can run code, and the `Config` each needs.

use std::num::NonZeroUsize;
use wasmtime::{Config, Strategy, WasmBacktraceDetails, WasmFeatures};
use wasmux_core::backtrace::MAX_FRAMES;
use wasmux_core::{EngineCaps, EngineInfo};

/// wasmtime's version as Cargo resolved it for this build (see `build.rs`).
pub(crate) const VERSION: &str = env!("WASMUX_WASMTIME_VERSION");

/// The triple this build runs on, which Cranelift and Winch compile for by default.
pub(crate) const HOST_TARGET: &str = env!("WASMUX_WASMTIME_TARGET");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    Cranelift,
    Winch,
    Pulley,
}

impl Variant {
    pub(crate) const ALL: [Variant; 3] = [Variant::Cranelift, Variant::Winch, Variant::Pulley];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Variant::Cranelift => "wasmtime",
            Variant::Winch => "wasmtime:winch",
            Variant::Pulley => "wasmtime:pulley",
        }
    }

    /// The target its code is compiled for on this machine.
    pub(crate) fn native_target(self) -> &'static str {
        match self {
            Variant::Pulley => pulley_target(),
            Variant::Cranelift | Variant::Winch => HOST_TARGET,
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Variant::Cranelift => "optimizing JIT (Cranelift)",
            Variant::Winch => "baseline JIT (Winch)",
            Variant::Pulley => "interpreter (Pulley)",
        }
    }

    /// The finished proposals (the WebAssembly 3.0 set) minus those this variant cannot
    /// compile. The exclusions mirror wasmtime 48's own list of features each compiler would
    /// panic on; enabling any of them makes `Engine::new` fail.
    pub(crate) fn features(self) -> WasmFeatures {
        let missing = match self {
            Variant::Cranelift => WasmFeatures::empty(),
            Variant::Winch => {
                // wasmparser counts GC_TYPES (which gates externref as well as the GC
                // proposal's types) as part of the MVP, so it has to go explicitly.
                let mut m = WasmFeatures::GC
                    | WasmFeatures::GC_TYPES
                    | WasmFeatures::FUNCTION_REFERENCES
                    | WasmFeatures::RELAXED_SIMD
                    | WasmFeatures::TAIL_CALL
                    | WasmFeatures::EXCEPTIONS;
                if cfg!(target_arch = "aarch64") {
                    m |= WasmFeatures::THREADS;
                }
                m
            }
            // Shared memories cannot be accessed soundly from the interpreter's Rust code.
            Variant::Pulley => WasmFeatures::THREADS,
        };
        (WasmFeatures::WASM3 | WasmFeatures::GC_TYPES) & !missing
    }

    pub(crate) fn config(self, max_stack_bytes: Option<usize>) -> wasmtime::Result<Config> {
        let mut config = Config::new();
        match self {
            Variant::Cranelift => {
                config.strategy(Strategy::Cranelift);
            }
            Variant::Winch => {
                config.strategy(Strategy::Winch);
            }
            Variant::Pulley => {
                config.strategy(Strategy::Cranelift);
                config.target(pulley_target())?;
            }
        }
        let features = self.features();
        config.wasm_features(features, true);
        config.wasm_features(
            (WasmFeatures::WASM3 | WasmFeatures::GC_TYPES) & !features,
            false,
        );
        // The threads proposal is finished, but wasmtime refuses to create shared memories
        // unless asked to.
        config.shared_memory(features.contains(WasmFeatures::THREADS));
        // A backtrace tells a trapping start function (wasm frames) apart from an out-of-bounds
        // segment (no frames) when instantiation fails, and names the frames of a trap. It is
        // taken only when wasm traps, and bounded, so that a trap out of deep recursion does
        // not walk the whole stack.
        config.wasm_backtrace_max_frames(NonZeroUsize::new(MAX_FRAMES));
        // wasmux reads a module's DWARF itself, from the module the user gave, and only after
        // a trap: wasmtime keeping and parsing it at every compile would cost on the hot path
        // (and its lines would be those of the rewritten module).
        config.wasm_backtrace_details(WasmBacktraceDetails::Disable);
        if let Some(bytes) = max_stack_bytes {
            config.max_wasm_stack(bytes);
        }
        Ok(config)
    }

    pub(crate) fn info(self) -> EngineInfo {
        let f = self.features();
        EngineInfo {
            name: self.name().to_string(),
            engine: "wasmtime".to_string(),
            version: VERSION.to_string(),
            kind: self.kind().to_string(),
            caps: EngineCaps {
                native_fuel: true,
                native_interrupt: true,
                simd: f.contains(WasmFeatures::SIMD),
                // Without GC types there is no externref, only half the proposal.
                reference_types: f.contains(WasmFeatures::REFERENCE_TYPES | WasmFeatures::GC_TYPES),
                bulk_memory: f.contains(WasmFeatures::BULK_MEMORY),
                multi_value: f.contains(WasmFeatures::MULTI_VALUE),
                multi_memory: f.contains(WasmFeatures::MULTI_MEMORY),
                tail_call: f.contains(WasmFeatures::TAIL_CALL),
                memory64: f.contains(WasmFeatures::MEMORY64),
                threads: f.contains(WasmFeatures::THREADS),
                exceptions: f.contains(WasmFeatures::EXCEPTIONS),
                extended_const: f.contains(WasmFeatures::EXTENDED_CONST),
                needs_lowering: false,
                cross_instance_linking: true,
                // `features()` is a subset of wasmux's WebAssembly 3.0 and wasmtime validates
                // every body it compiles with exactly those features.
                validates: true,
                backtraces: true,
                host_trap_backtraces: true,
            },
        }
    }
}

/// The Pulley target matching the host's pointer width and byte order, so that host-side
/// memory access needs no swapping.
pub(crate) fn pulley_target() -> &'static str {
    match (
        cfg!(target_pointer_width = "64"),
        cfg!(target_endian = "big"),
    ) {
        (true, false) => "pulley64",
        (true, true) => "pulley64be",
        (false, false) => "pulley32",
        (false, true) => "pulley32be",
    }
}
