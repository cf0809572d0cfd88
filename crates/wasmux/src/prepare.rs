//! From validated bytes to a compiled module: the rewriting each engine and each limit needs.

use std::borrow::Cow;
use std::sync::Arc;
use wasmux_core::{CompiledModule, Engine, Error, Limits};
use wasmux_instrument::{Added, InstrumentError, Options, Origin};

use crate::pass::{combine, Rewriting};

const PAGE: u64 = 65536;

/// A module rewritten for one engine and one set of limits, and compiled.
pub(crate) struct Compilation<'a> {
    pub compiled: Arc<dyn CompiledModule>,
    /// The bytes the engine compiled, after rewriting; their imports are what must be linked.
    pub bytes: Cow<'a, [u8]>,
}

/// The rewriting that `limits` and `engine` call for.
pub(crate) fn instrument_options(
    engine: &dyn Engine,
    limits: &Limits,
    interruptible: bool,
) -> Options {
    Options {
        fuel: limits.fuel.is_some(),
        interrupt: interruptible || limits.timeout.is_some(),
        max_memory_pages: limits.max_memory.map(|b| b / PAGE),
        lower_post_mvp: engine.info().caps.needs_lowering,
    }
}

/// Compiles `wasm` as `opts` say. Bodies not yet checked (`bodies_checked` false) are checked
/// first, unless the engine compiles them unchanged and validates them as wasmux would: then
/// they are checked only if the engine refuses the module, so that the error is wasmux's own,
/// as if they had been checked first.
pub(crate) fn prepare_with<'a>(
    engine: &dyn Engine,
    name: &str,
    wasm: &'a [u8],
    rewriting: &Rewriting,
    bodies_checked: bool,
) -> Result<Compilation<'a>, Error> {
    let left_to_engine =
        !bodies_checked && rewriting.changes_nothing() && engine.info().caps.validates;
    if !bodies_checked && !left_to_engine {
        crate::module::validate(name, wasm)?;
    }
    let bytes = rewrite(engine, name, wasm, rewriting)?;
    let compiled = engine.compile(&bytes).map_err(|e| {
        match left_to_engine {
            true => crate::module::validate(name, wasm).err(),
            false => None,
        }
        .unwrap_or_else(|| in_input(e, name, wasm, rewriting, &bytes))
    })?;
    Ok(Compilation { compiled, bytes })
}

/// The bytes the engine is to compile: `wasm` rewritten for the limits, then by each pass.
pub(crate) fn rewrite<'a>(
    engine: &dyn Engine,
    name: &str,
    wasm: &'a [u8],
    rewriting: &Rewriting,
) -> Result<Cow<'a, [u8]>, Error> {
    rewrite_reported(engine, name, wasm, rewriting).map(|(bytes, _)| bytes)
}

/// [`rewrite`], and what every rewrite added, combined: where each function of the output
/// comes from in `wasm`.
pub(crate) fn rewrite_reported<'a>(
    engine: &dyn Engine,
    name: &str,
    wasm: &'a [u8],
    rewriting: &Rewriting,
) -> Result<(Cow<'a, [u8]>, Added), Error> {
    // `wasm` is already validated (by `Module`, `compile` or the spec runner; its bodies by
    // `prepare_with` where rewriting follows), so rewriting does not validate it again.
    crate::host_limits::check(name, wasm)?;
    if rewriting.changes_nothing() {
        return Ok((Cow::Borrowed(wasm), Added::default()));
    }
    let fail = |e| instrument_error(engine, name, e);
    let first = wasmux_instrument::instrument_reported(wasm, &rewriting.opts).map_err(fail)?;
    let (mut bytes, mut added) = (first.wasm, first.added);
    if rewriting.shadow_stack {
        let next = wasmux_instrument::shadow_stack(&bytes, &added).map_err(fail)?;
        bytes = next.wasm;
        added = combine(added, next.added);
    }
    for pass in &rewriting.passes {
        let next = pass.apply(&bytes, &added).map_err(fail)?;
        bytes = next.wasm;
        added = combine(added, next.added);
    }
    Ok((Cow::Owned(bytes), added))
}

/// An instruction the engine refused, named where the user's module has it: rewriting
/// moved it, or added it.
fn in_input(e: Error, name: &str, wasm: &[u8], rewriting: &Rewriting, compiled: &[u8]) -> Error {
    if !rewriting.passes.is_empty() {
        // Offsets in what a pass wrote cannot be traced back: the engine's words stand.
        return e;
    }
    let opts = &rewriting.opts;
    if let Error::InvalidModule {
        offset, message, ..
    } = e
    {
        // The engine validated what it was given. Where that was the user's module, its
        // offsets are the module's; where rewriting changed it (a function at the limit of
        // locals, given one more), the error is about the rewriting, and says so.
        if wasm == compiled {
            return Error::InvalidModule {
                file: name.to_string(),
                offset,
                message,
            };
        }
        let (offset, message) = match wasmux_instrument::origin(wasm, opts, compiled, offset) {
            Some(Origin::Input { offset, .. }) => {
                (offset, format!("{message} (once rewritten for the limits)"))
            }
            _ => (
                offset,
                format!("{message} (in code rewritten for the limits; the offset is in that code)"),
            ),
        };
        return Error::InvalidModule {
            file: name.to_string(),
            offset,
            message,
        };
    }
    let Error::RefusedCode {
        engine,
        func,
        offset: Some(offset),
        op,
        reason,
        ..
    } = e
    else {
        return e;
    };
    let (func, offset) = match wasmux_instrument::origin(wasm, opts, compiled, offset) {
        Some(Origin::Input { func, offset }) => (Some(func), Some(offset)),
        Some(Origin::AddedTo { func }) => (Some(func), None),
        Some(Origin::AddedFunction) => (None, None),
        // Not inside a body: keep what the engine said, about the bytes it was given.
        None => (func, Some(offset)),
    };
    Error::RefusedCode {
        engine,
        file: name.to_string(),
        func,
        offset,
        op,
        reason,
    }
}

fn instrument_error(engine: &dyn Engine, name: &str, e: InstrumentError) -> Error {
    match e {
        InstrumentError::MemoryTooLarge {
            memory,
            initial_pages,
            max_pages,
        } => Error::Limit(format!(
            // 128 bits: a 64-bit memory may declare up to 2^48 pages, 2^64 bytes.
            "{name}: memory {memory} starts at {} bytes ({initial_pages} pages), more than the limit of {} bytes ({max_pages} pages)",
            u128::from(initial_pages) * u128::from(PAGE),
            u128::from(max_pages) * u128::from(PAGE)
        )),
        InstrumentError::Unsupported { offset, what } => Error::Unsupported {
            engine: engine.info().name.clone(),
            what: format!("{what} (in {name} at byte offset {offset:#x})"),
        },
        InstrumentError::Parse { offset, message } => Error::InvalidModule {
            file: name.to_string(),
            offset,
            message,
        },
        other => Error::Engine {
            engine: "wasmux-instrument".into(),
            message: format!("{name}: {other}"),
        },
    }
}

/// Validates `wasm` and compiles it for `engine`, lowering what the engine lacks; no limits,
/// no imports linked: for tools that drive an engine's `Store` themselves.
pub fn compile(
    engine: &dyn Engine,
    name: &str,
    wasm: &[u8],
) -> Result<Arc<dyn CompiledModule>, Error> {
    crate::module::validate(name, wasm)?;
    let rewriting = Rewriting::limits(Options {
        lower_post_mvp: engine.info().caps.needs_lowering,
        ..Options::default()
    });
    Ok(prepare_with(engine, name, wasm, &rewriting, true)?.compiled)
}
