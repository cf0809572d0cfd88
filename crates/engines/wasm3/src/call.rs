//! Calling into wasm3 and moving values across its value stack.

use std::ffi::{c_char, CString};
use wasm3::wasm3_sys as ffi;
use wasmux_core::{Val, ValType};

/// Calls `func` (a function defined by a loaded module) and returns its result.
///
/// # Safety
/// `func` belongs to a live runtime with no call in progress, `args` match its parameters and
/// are numeric, and the caller runs on the stack set up by `stack::on_native_stack`.
pub(crate) unsafe fn invoke(
    func: ffi::IM3Function,
    args: &[Val],
    result: Option<ValType>,
) -> Result<Option<Val>, ffi::M3Result> {
    if (*func).compiled.is_null() {
        let r = ffi::Compile_Function(func);
        if !r.is_null() {
            return Err(r);
        }
    }
    // wasm3 0.4's only entry point that passes arguments takes them as decimal strings of
    // their bit patterns, which it writes to the bottom of the runtime's value stack.
    let text: Vec<CString> = args.iter().map(arg_text).collect();
    let argv: Vec<*const c_char> = text.iter().map(|s| s.as_ptr()).collect();
    let r = ffi::m3_CallWithArgs(func, argv.len() as u32, argv.as_ptr());
    if !r.is_null() {
        return Err(r);
    }
    let runtime = (*(*func).module).runtime;
    Ok(result.map(|t| read_slot((*runtime).stack as *const u64, t)))
}

fn arg_text(v: &Val) -> CString {
    let bits = match *v {
        Val::I32(x) => u64::from(x as u32),
        Val::I64(x) => x as u64,
        Val::F32(b) => u64::from(b),
        Val::F64(b) => b,
        // Callers reject other types before calling.
        _ => unreachable!("non-numeric argument passed to wasm3"),
    };
    CString::new(bits.to_string()).expect("digits contain no NUL")
}

/// Reads a value of type `ty` from a wasm3 stack slot.
///
/// # Safety
/// `slot` points to at least 8 readable bytes.
pub(crate) unsafe fn read_slot(slot: *const u64, ty: ValType) -> Val {
    match ty {
        ValType::I32 => Val::I32(slot.cast::<i32>().read_unaligned()),
        ValType::I64 => Val::I64(slot.cast::<i64>().read_unaligned()),
        ValType::F32 => Val::F32(slot.cast::<u32>().read_unaligned()),
        ValType::F64 => Val::F64(slot.read_unaligned()),
        _ => unreachable!("non-numeric value on the wasm3 stack"),
    }
}

/// Writes `v` into a wasm3 stack slot, at the width wasm3 reads it back.
///
/// # Safety
/// `slot` points to at least 8 writable bytes.
pub(crate) unsafe fn write_slot(slot: *mut u64, v: Val) {
    match v {
        Val::I32(x) => slot.cast::<i32>().write_unaligned(x),
        Val::I64(x) => slot.cast::<i64>().write_unaligned(x),
        Val::F32(b) => slot.cast::<u32>().write_unaligned(b),
        Val::F64(b) => slot.write_unaligned(b),
        _ => unreachable!("non-numeric value for the wasm3 stack"),
    }
}

/// The runtime's linear memory, or `None` before it has one.
///
/// # Safety
/// `runtime` is live, and nothing else uses its memory while the slice is borrowed.
pub(crate) unsafe fn memory_slice<'a>(runtime: ffi::IM3Runtime) -> Option<&'a mut [u8]> {
    let header = (*runtime).memory.mallocated;
    if header.is_null() {
        return None;
    }
    let len = (*header).length;
    if len == 0 {
        return Some(&mut []);
    }
    // wasm3 keeps the memory's bytes right after its header.
    let data = header.add(1).cast::<u8>();
    Some(std::slice::from_raw_parts_mut(data, len as usize))
}

/// Bytes of the runtime's linear memory.
///
/// # Safety
/// `runtime` is live.
pub(crate) unsafe fn memory_len(runtime: ffi::IM3Runtime) -> u64 {
    let header = (*runtime).memory.mallocated;
    if header.is_null() {
        0
    } else {
        // `size_t` is 32 bits on some targets.
        #[allow(clippy::unnecessary_cast)]
        let len = (*header).length as u64;
        len
    }
}
