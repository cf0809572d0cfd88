//! wasmi errors as wasmux errors.

use crate::host::HostTrap;
use wasmi::errors::{ErrorKind, InstantiationError};
use wasmi::TrapCode;
use wasmux_core::prelude::*;
use wasmux_core::{Error, Trap};

pub const ENGINE: &str = "wasmi";

/// The wasmux trap kind of a wasmi trap code, or `None` for the codes that are resource limits
/// rather than guest faults.
pub fn trap_kind(code: TrapCode) -> Option<Trap> {
    Some(match code {
        TrapCode::UnreachableCodeReached => Trap::Unreachable,
        TrapCode::MemoryOutOfBounds => Trap::MemoryOutOfBounds,
        TrapCode::TableOutOfBounds => Trap::TableOutOfBounds,
        // The spec's `uninitialized element`, which wasmux files under table faults.
        TrapCode::IndirectCallToNull => Trap::TableOutOfBounds,
        TrapCode::IntegerDivisionByZero => Trap::DivideByZero,
        TrapCode::IntegerOverflow => Trap::IntegerOverflow,
        TrapCode::BadConversionToInteger => Trap::BadConversionToInteger,
        TrapCode::StackOverflow => Trap::StackOverflow,
        TrapCode::BadSignature => Trap::IndirectCallTypeMismatch,
        TrapCode::OutOfFuel => Trap::OutOfFuel,
        TrapCode::GrowthOperationLimited | TrapCode::OutOfSystemMemory => return None,
    })
}

/// An error raised while running guest code: a call or a start function.
pub fn from_call(err: wasmi::Error) -> Error {
    if let Some(host) = err.downcast_ref::<HostTrap>() {
        return host.0.clone().into();
    }
    if let Some(status) = err.i32_exit_status() {
        return Error::Exit(status);
    }
    if let Some(code) = err.as_trap_code() {
        return match trap_kind(code) {
            Some(trap) => Error::trap(trap),
            None => Error::Limit(code.trap_message().to_string()),
        };
    }
    match err.kind() {
        ErrorKind::UserLimits(_) | ErrorKind::ImplementationLimits(_) => {
            Error::Limit(err.to_string())
        }
        _ => Error::engine(ENGINE, err),
    }
}

/// An error from `Instance::new`: a bad import, a segment that does not fit, or a trap in the
/// start function (which is reported as that trap, as the spec's `assert_trap` expects).
pub fn from_instantiation(err: wasmi::Error) -> Error {
    match err.kind() {
        ErrorKind::Instantiation(inst) => match inst {
            InstantiationError::ImportTypeMismatch { name, .. }
            | InstantiationError::GlobalTypeMismatch { name, .. }
            | InstantiationError::FuncTypeMismatch { name, .. }
            | InstantiationError::TableTypeMismatch { name, .. }
            | InstantiationError::MemoryTypeMismatch { name, .. } => Error::IncompatibleImport {
                module: name.module().to_string(),
                name: name.name().to_string(),
                message: inst.to_string(),
            },
            _ => Error::Instantiation(inst.to_string()),
        },
        // Data and element segments are written with memory and table operations; their
        // failures during instantiation are out-of-bounds segments.
        ErrorKind::Memory(_) | ErrorKind::Table(_) | ErrorKind::Global(_) => {
            Error::Instantiation(err.to_string())
        }
        _ => from_call(err),
    }
}

/// An error from `Module::new`. The module was validated before it got here, so wasmi
/// rejecting it means it uses something wasmi does not implement.
pub fn from_compile(err: wasmi::Error) -> Error {
    match err.kind() {
        ErrorKind::UserLimits(_) | ErrorKind::ImplementationLimits(_) => {
            Error::Limit(err.to_string())
        }
        _ => Error::Unsupported {
            engine: ENGINE.into(),
            what: format!("this module ({err})"),
        },
    }
}
