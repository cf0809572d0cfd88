//! Turning wasmtime's errors into wasmux's.

use wasmtime::WasmBacktrace;
use wasmux_core::{Backtrace, Error, Frame, HostError, Trap};

/// The wasmux kind of a wasmtime trap, and whether the mapping loses information (then the
/// wasmtime message is kept as the trap's detail).
fn trap_kind(trap: wasmtime::Trap) -> (Trap, bool) {
    use wasmtime::Trap as W;
    match trap {
        W::UnreachableCodeReached => (Trap::Unreachable, false),
        W::MemoryOutOfBounds => (Trap::MemoryOutOfBounds, false),
        W::TableOutOfBounds => (Trap::TableOutOfBounds, false),
        // The spec's "uninitialized element": wasmux folds it into table out of bounds.
        W::IndirectCallToNull => (Trap::TableOutOfBounds, false),
        W::BadSignature => (Trap::IndirectCallTypeMismatch, false),
        W::IntegerDivisionByZero => (Trap::DivideByZero, false),
        W::IntegerOverflow => (Trap::IntegerOverflow, false),
        W::BadConversionToInteger => (Trap::BadConversionToInteger, false),
        W::StackOverflow => (Trap::StackOverflow, false),
        W::NullReference => (Trap::NullReference, false),
        W::HeapMisaligned => (Trap::UnalignedAtomic, false),
        W::OutOfFuel => (Trap::OutOfFuel, false),
        W::Interrupt => (Trap::Interrupted, false),
        W::ArrayOutOfBounds => (Trap::ArrayOutOfBounds, false),
        W::CastFailure => (Trap::CastFailure, false),
        // A GC allocation over the heap's limit: the nearest kind is running out of memory.
        W::AllocationTooLarge => (Trap::MemoryOutOfBounds, true),
        W::AtomicWaitNonSharedMemory => (Trap::UnalignedAtomic, true),
        _ => (Trap::Unreachable, true),
    }
}

pub(crate) fn map_trap(trap: wasmtime::Trap) -> Error {
    let (kind, lossy) = trap_kind(trap);
    Error::Trap {
        trap: kind,
        detail: lossy.then(|| trap.to_string()),
        backtrace: Box::default(),
    }
}

/// wasmtime's frames in the coordinates of the module it compiled; the store names their
/// instances, the facade maps them to the user's module.
fn frames(bt: &WasmBacktrace) -> Backtrace {
    Backtrace {
        frames: bt
            .frames()
            .iter()
            .map(|f| Frame {
                func: Some(f.func_index()),
                name: f.func_name().map(str::to_string),
                offset: f.module_offset(),
                ..Frame::default()
            })
            .collect(),
        omitted: 0,
    }
}

/// The module running each frame of `bt`, innermost first, to tell their instances apart.
pub(crate) fn frame_modules(e: &wasmtime::Error) -> Vec<wasmtime::Module> {
    e.downcast_ref::<WasmBacktrace>()
        .map(|bt| bt.frames().iter().map(|f| f.module().clone()).collect())
        .unwrap_or_default()
}

/// The error a call into wasm (or a start function) ended with.
pub(crate) fn run_error(engine: &str, e: &wasmtime::Error) -> Error {
    // A host function's trap (wasmux's own checks stop a guest that way on timeouts and
    // cancellation) has the frames of the guest that called it.
    let mut err = if let Some(h) = e.downcast_ref::<HostError>() {
        h.clone().into()
    } else if let Some(&t) = e.downcast_ref::<wasmtime::Trap>() {
        map_trap(t)
    } else if e.is::<wasmtime::ThrownException>() {
        return Error::engine(engine, "uncaught wasm exception");
    } else {
        return Error::engine(engine, format!("{e:#}"));
    };
    if let (Error::Trap { backtrace, .. }, Some(bt)) = (&mut err, e.downcast_ref::<WasmBacktrace>())
    {
        **backtrace = frames(bt);
    }
    err
}

/// The error instantiation ended with. Traps raised while running wasm (the start function)
/// stay traps; traps raised by wasmtime itself while initialising segments are the spec's
/// instantiation failures.
pub(crate) fn instantiation_error(
    engine: &str,
    module: &wasmtime::Module,
    e: &wasmtime::Error,
) -> Error {
    let ran_wasm = e
        .downcast_ref::<WasmBacktrace>()
        .is_some_and(|bt| !bt.frames().is_empty());
    if e.is::<HostError>() || (ran_wasm && e.is::<wasmtime::Trap>()) {
        return run_error(engine, e);
    }
    if let Some(&t) = e.downcast_ref::<wasmtime::Trap>() {
        return Error::Instantiation(t.to_string());
    }
    if e.is::<wasmtime::ThrownException>() {
        return run_error(engine, e);
    }
    let top = e.to_string();
    for import in module.imports() {
        if top
            == format!(
                "incompatible import type for `{}::{}`",
                import.module(),
                import.name()
            )
        {
            return Error::IncompatibleImport {
                module: import.module().to_string(),
                name: import.name().to_string(),
                message: e.root_cause().to_string(),
            };
        }
    }
    Error::Instantiation(format!("{e:#}"))
}

/// The error compiling a module ended with. wasmtime validates again with the variant's own
/// feature set, so a module the facade accepted can still be refused here: that is the
/// variant lacking a feature, not a bad module.
pub(crate) fn compile_error(engine: &str, e: &wasmtime::Error) -> Error {
    let text = format!("{e:#}");
    const INVALID: &str = "Invalid input WebAssembly code at offset ";
    if let Some(pos) = text.find(INVALID) {
        let rest = &text[pos + INVALID.len()..];
        if let Some((offset, message)) = rest.split_once(": ") {
            let unsupported = message.contains("not enabled") || message.contains("support is");
            if let (Ok(offset), false) = (offset.parse::<usize>(), unsupported) {
                return Error::InvalidModule {
                    file: "<module>".to_string(),
                    offset,
                    message: message.to_string(),
                };
            }
        }
    }
    Error::Unsupported {
        engine: engine.to_string(),
        what: text,
    }
}
