//! Seeds to modules: a seed picks a feature profile and the bytes wasm-smith builds from, so
//! one number is enough to make the same module again.

use arbitrary::Unstructured;
use wasm_smith::{Config, Module};

/// Which proposals a generated module may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// WebAssembly 1.0 with sign extension and saturating conversions: what every engine runs,
    /// wasm3 included, so all of them are compared on it.
    Mvp,
    /// Reference types, multi-value and bulk memory, plus a draw of the larger proposals
    /// (SIMD, GC, exceptions, tail calls, memory64): each seed enables some of them, so that
    /// engines lacking one still run the modules without it. Engines that lack a feature a
    /// module uses refuse it with `Unsupported` and sit that module out.
    Wide {
        simd: bool,
        gc: bool,
        exceptions: bool,
        tail_call: bool,
        memory64: bool,
    },
}

impl Profile {
    /// Even seeds are MVP, odd ones wide: wasm3 takes part in half the modules at least.
    pub fn of(seed: u64) -> Profile {
        if seed.is_multiple_of(2) {
            return Profile::Mvp;
        }
        // One proposal in three, drawn independently from the seed.
        let mut state = !seed;
        let mut draw = || splitmix64(&mut state).is_multiple_of(3);
        Profile::Wide {
            simd: draw(),
            gc: draw(),
            exceptions: draw(),
            tail_call: draw(),
            memory64: draw(),
        }
    }
}

/// Small memories, so that memory traffic and `memory.grow` stay cheap.
pub const MAX_MEMORY_BYTES: u64 = 2 * 65536;

fn config(profile: Profile) -> Config {
    let wide = profile != Profile::Mvp;
    let (simd, gc, exceptions, tail_call, memory64) = match profile {
        Profile::Mvp => (false, false, false, false, false),
        Profile::Wide {
            simd,
            gc,
            exceptions,
            tail_call,
            memory64,
        } => (simd, gc, exceptions, tail_call, memory64),
    };
    Config {
        // Modules stay small and quick to compile: a seed costs milliseconds on every engine.
        max_types: 10,
        max_funcs: 10,
        max_globals: 10,
        max_exports: 20,
        max_data_segments: 4,
        max_element_segments: 4,
        max_elements: 20,
        max_instructions: 100,
        max_table_elements: 100,
        max_tables: if wide { 2 } else { 1 },
        max_memories: if wide { 2 } else { 1 },
        max_memory32_bytes: MAX_MEMORY_BYTES,
        max_memory64_bytes: MAX_MEMORY_BYTES as u128,
        max_tags: 4,
        max_type_size: 100,
        // Nothing to import: the host provides no functions here.
        max_imports: 0,
        // NaN payloads are nondeterministic by the spec; canonical NaNs are not.
        canonicalize_nans: true,
        sign_extension_ops_enabled: true,
        saturating_float_to_int_enabled: true,
        bulk_memory_enabled: wide,
        reference_types_enabled: wide,
        multi_value_enabled: wide,
        simd_enabled: simd,
        tail_call_enabled: tail_call,
        exceptions_enabled: exceptions,
        gc_enabled: gc,
        memory64_enabled: memory64,
        extended_const_enabled: wide,
        // Nondeterministic by design, or not finished: outside what wasmux accepts.
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        custom_descriptors_enabled: false,
        ..Config::default()
    }
}

/// How many bytes wasm-smith draws from; more bytes make larger modules.
const INPUT_BYTES: usize = 2048;

/// The module for `seed`: always the same bytes for the same seed and profile.
pub fn module(seed: u64) -> Vec<u8> {
    let mut state = seed;
    let input: Vec<u8> = (0..INPUT_BYTES / 8)
        .flat_map(|_| splitmix64(&mut state).to_le_bytes())
        .collect();
    let mut u = Unstructured::new(&input);
    Module::new(config(Profile::of(seed)), &mut u)
        .expect("wasm-smith builds a module from any input")
        .to_bytes()
}

/// A small, well-mixed generator: neighbouring seeds give unrelated inputs.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
