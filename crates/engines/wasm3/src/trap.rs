//! wasm3's results (pointers to its static error strings) as wasmux errors.

use std::ffi::{c_char, CStr};
use wasm3::wasm3_sys as ffi;
use wasmux_core::{Error, Trap};

/// What a host function returns to wasm3 when it failed. Its error waits in the store's
/// `Shared::pending`; the address alone identifies it, since wasm3 only passes it up unchanged.
pub(crate) static HOST_TRAP: &CStr = c"[trap] host function failed";

/// The pointer a host trampoline returns to stop the guest.
pub(crate) fn host_trap() -> ffi::M3Result {
    HOST_TRAP.as_ptr()
}

/// The wasmux trap kind for a wasm3 trap result, if it is one.
pub(crate) fn trap_kind(result: ffi::M3Result) -> Option<Trap> {
    // SAFETY: wasm3 initialises these error-string pointers statically and never writes them.
    let table: [(ffi::M3Result, Trap); 9] = unsafe {
        [
            (
                ffi::m3Err_trapOutOfBoundsMemoryAccess,
                Trap::MemoryOutOfBounds,
            ),
            (ffi::m3Err_trapDivisionByZero, Trap::DivideByZero),
            (ffi::m3Err_trapIntegerOverflow, Trap::IntegerOverflow),
            (
                ffi::m3Err_trapIntegerConversion,
                Trap::BadConversionToInteger,
            ),
            (
                ffi::m3Err_trapIndirectCallTypeMismatch,
                Trap::IndirectCallTypeMismatch,
            ),
            (ffi::m3Err_trapTableIndexOutOfRange, Trap::TableOutOfBounds),
            (ffi::m3Err_trapTableElementIsNull, Trap::TableOutOfBounds),
            (ffi::m3Err_trapStackOverflow, Trap::StackOverflow),
            (ffi::m3Err_trapUnreachable, Trap::Unreachable),
        ]
    };
    table
        .iter()
        .find(|(ptr, _)| *ptr == result)
        .map(|&(_, trap)| trap)
}

/// The text of a wasm3 result.
pub(crate) fn message(result: ffi::M3Result) -> String {
    c_text(result).unwrap_or_else(|| "unknown error".to_string())
}

/// A C string owned by wasm3, as text.
pub(crate) fn c_text(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: wasm3 hands out NUL-terminated strings that live as long as the module/runtime.
    Some(
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned(),
    )
}

/// A failed call: a trap, or wasm3 refusing to run (which a validated module should not cause).
pub(crate) fn call_error(result: ffi::M3Result) -> Error {
    match trap_kind(result) {
        Some(trap) => Error::trap(trap),
        None => Error::engine("wasm3", message(result)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traps_are_recognised_by_address() {
        // SAFETY: reads a static pointer.
        let oob = unsafe { ffi::m3Err_trapOutOfBoundsMemoryAccess };
        assert_eq!(trap_kind(oob), Some(Trap::MemoryOutOfBounds));
        assert_eq!(trap_kind(host_trap()), None);
        assert_eq!(trap_kind(std::ptr::null()), None);
        assert!(message(oob).contains("out of bounds"));
    }
}
