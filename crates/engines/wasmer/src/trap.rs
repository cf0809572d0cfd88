//! wasmer's runtime errors as wasmux errors.

use wasmer::sys::vm::TrapCode;
use wasmer::RuntimeError;
use wasmux_core::backtrace::MAX_FRAMES;
use wasmux_core::{Backtrace, Error, Frame, HostError, Trap};

/// Maps an error out of a wasm call. Host errors travel through wasmer boxed inside the
/// `RuntimeError` (see `host.rs`) and come back out as what the host function returned.
pub fn runtime_error(engine: &str, e: RuntimeError) -> Error {
    let backtrace = frames(&e);
    if let Some(host) = e.downcast_ref::<HostError>() {
        // A host function's trap (wasmux's own checks stop a guest that way on timeouts and
        // cancellation) has the frames of the guest that called it.
        let mut err: Error = host.clone().into();
        if let Error::Trap { backtrace: b, .. } = &mut err {
            **b = backtrace;
        }
        return err;
    }
    let message = e.message();
    match e.to_trap().and_then(trap_kind) {
        Some(trap) => Error::Trap {
            trap,
            detail: None,
            backtrace: Box::new(backtrace),
        },
        // An uncaught exception, or a failure wasmer raised itself (such as a call with
        // arguments of the wrong type): not one of the spec's traps.
        None => Error::engine(engine, message),
    }
}

/// wasmer's frames in the coordinates of the module it compiled. `module` carries wasmer's
/// module name until the store has turned it into an instance (`WasmerStore::name_instances`).
fn frames(e: &RuntimeError) -> Backtrace {
    let trace = e.trace();
    let kept = trace.len().min(MAX_FRAMES);
    Backtrace {
        frames: trace[..kept]
            .iter()
            .map(|f| Frame {
                module: Some(f.module_name().to_string()),
                func: Some(f.func_index()),
                name: f.function_name().map(str::to_string),
                // LLVM's code carries no address map: wasmer then gives an unknown location,
                // all ones.
                offset: Some(f.module_offset()).filter(|&o| o != u32::MAX as usize),
                ..Frame::default()
            })
            .collect(),
        omitted: (trace.len() - kept) as u64,
    }
}

fn trap_kind(code: TrapCode) -> Option<Trap> {
    Some(match code {
        TrapCode::StackOverflow => Trap::StackOverflow,
        TrapCode::HeapAccessOutOfBounds => Trap::MemoryOutOfBounds,
        // Raised for misaligned atomic accesses, which the spec calls unaligned atomics.
        TrapCode::HeapMisaligned | TrapCode::UnalignedAtomic => Trap::UnalignedAtomic,
        // The spec's "undefined element" and "uninitialized element" are one kind in wasmux.
        TrapCode::TableAccessOutOfBounds | TrapCode::IndirectCallToNull => Trap::TableOutOfBounds,
        TrapCode::BadSignature => Trap::IndirectCallTypeMismatch,
        TrapCode::IntegerOverflow => Trap::IntegerOverflow,
        TrapCode::IntegerDivisionByZero => Trap::DivideByZero,
        TrapCode::BadConversionToInteger => Trap::BadConversionToInteger,
        TrapCode::UnreachableCodeReached => Trap::Unreachable,
        TrapCode::UninitializedExnRef => Trap::NullReference,
        TrapCode::HostInterrupt => Trap::Interrupted,
        _ => return None,
    })
}
