//! `--engine auto`: the engine for a run, from what is known before it starts. The rule and
//! the measurements behind it are in ENGINES.md ("Choosing an engine").

use crate::cache::CompileCache;
use crate::cached;
use crate::prepare::instrument_options;
use wasmux_core::Limits;

/// How a module will be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Calls {
    /// One call, then the process ends: `wasmux run`.
    One,
    /// The same module called many times: a benchmark, a server, a plugin host.
    Many,
}

/// The engine `--engine auto` picked, and why, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub engine: &'static str,
    pub reason: &'static str,
    /// An engine whose compiled code is worth putting in the cache meanwhile, so that the next
    /// run of the same module finds it there.
    pub warm_cache_for: Option<&'static str>,
}

/// Modules smaller than this compile on Cranelift in a few tens of milliseconds on the
/// machine of the measurements: compiling them is cheaper than interpreting them slowly.
pub const SMALL_MODULE: usize = 64 * 1024;

/// Chooses the engine for `module` (binary) under `limits`.
/// 1. Where wasmtime's Cranelift cannot run (no code generator for this CPU, or native code
///    not allowed here: see [`crate::platform`]), wasmi.
/// 2. Code in the cache for wasmtime (Cranelift): load it, the fastest start and the fastest
///    code.
/// 3. Many calls: wasmtime, whose compile time is paid once.
/// 4. One call of a small module: wasmtime.
/// 5. One call of a large module with nothing cached: wasmi, which compiles each function
///    lazily on its first call, so the run starts at once; Cranelift's code for the module
///    goes into the cache meanwhile, for the next run.
pub fn choose(
    module: &[u8],
    calls: Calls,
    cache: Option<&CompileCache>,
    limits: &Limits,
    interruptible: bool,
) -> Choice {
    let choice = |engine, reason, warm| Choice {
        engine,
        reason,
        warm_cache_for: warm,
    };
    if !crate::platform::availability("wasmtime").available {
        return choice(
            "wasmi",
            if crate::platform::host().jit.allowed {
                "Cranelift does not generate code for this machine"
            } else {
                "native code is not allowed here (see `wasmux engines`)"
            },
            None,
        );
    }
    if cache.is_some_and(|cache| cached_on_wasmtime(cache, module, limits, interruptible)) {
        return choice(
            "wasmtime",
            "its code for this module is in the compile cache",
            None,
        );
    }
    match calls {
        Calls::Many => choice("wasmtime", "many calls: compiling once pays off", None),
        Calls::One if module.len() < SMALL_MODULE => {
            choice("wasmtime", "a small module compiles in milliseconds", None)
        }
        Calls::One => choice(
            "wasmi",
            "a large module, not in the cache: wasmi starts without compiling",
            cache.map(|_| "wasmtime"),
        ),
    }
}

fn cached_on_wasmtime(
    cache: &CompileCache,
    module: &[u8],
    limits: &Limits,
    interruptible: bool,
) -> bool {
    let Ok(engine) = crate::engine("wasmtime") else {
        return false;
    };
    let rewriting =
        crate::pass::Rewriting::limits(instrument_options(engine.as_ref(), limits, interruptible));
    cached::key(engine.as_ref(), module, &rewriting)
        .is_some_and(|key| cache.path_of(&key).is_file())
}
