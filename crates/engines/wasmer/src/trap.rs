//! wasmer's runtime errors as wasmux errors.

use wasmer::sys::vm::TrapCode;
use wasmer::RuntimeError;
use wasmux_core::{Error, HostError, Trap};

/// Maps an error out of a wasm call. Host errors travel through wasmer boxed inside the
/// `RuntimeError` (see `host.rs`) and come back out as what the host function returned.
pub fn runtime_error(engine: &str, e: RuntimeError) -> Error {
    if let Some(host) = e.downcast_ref::<HostError>() {
        return host.clone().into();
    }
    let message = e.message();
    match e.to_trap().and_then(trap_kind) {
        Some(trap) => Error::trap(trap),
        // An uncaught exception, or a failure wasmer raised itself (such as a call with
        // arguments of the wrong type): not one of the spec's traps.
        None => Error::engine(engine, message),
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
