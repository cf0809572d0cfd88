//! Keeps guest recursion from exhausting the host's native stack.
//!
//! wasm3 runs every wasm call as a nested native C call, and when the C compiler does not turn
//! its operation chains into tail calls (unoptimised builds) every executed instruction adds a
//! native frame as well. Its own overflow check only bounds the interpreter's *value* stack,
//! where a call can cost a few bytes while its native frames cost hundreds, so that check alone
//! cannot protect the host.
//!
//! Two things close the gap. Guest code runs on a large guard-paged stack whose bounds are known
//! (`on_native_stack`), and wasm3's weak hook `m3_Yield`, which it calls on entry to every wasm
//! function, is overridden here to trap with wasm3's own stack-overflow error once fewer than
//! `HEADROOM` bytes of that stack remain. The headroom covers what runs between two calls: one
//! function body's instructions, a host function, and wasm3 compiling a function lazily.

use corosensei::stack::{DefaultStack, Stack};
use std::cell::{Cell, RefCell};
use wasm3::wasm3_sys as ffi;
use wasmux_core::Error;

/// Native stack reserved per thread that runs guests. Only touched pages use memory.
const NATIVE_STACK: usize = 256 << 20;
/// Stack kept free below the deepest wasm call for the work done between calls.
const HEADROOM: usize = 64 << 20;

thread_local! {
    /// Lowest stack address a wasm call may start at; 0 when not running on a guarded stack.
    static LIMIT: Cell<usize> = const { Cell::new(0) };
    /// The thread's stack, kept between calls so that a call does not pay for an mmap.
    static SPARE: RefCell<Option<DefaultStack>> = const { RefCell::new(None) };
    /// Set by the hook: lets tests prove the override is the definition the linker chose.
    static HOOK_SEEN: Cell<bool> = const { Cell::new(false) };
}

/// wasm3 calls this on entry to every wasm function (its definition in the C library is weak).
///
/// # Safety
/// Called by wasm3 only; reads wasm3's immutable error-string table.
#[no_mangle]
pub unsafe extern "C" fn m3_Yield() -> ffi::M3Result {
    let limit = LIMIT.with(Cell::get);
    if limit == 0 {
        return std::ptr::null();
    }
    HOOK_SEEN.with(|s| s.set(true));
    let marker = 0u8;
    let here = std::hint::black_box(&marker) as *const u8 as usize;
    if here < limit {
        ffi::m3Err_trapStackOverflow
    } else {
        std::ptr::null()
    }
}

/// Whether `m3_Yield` above has run on this thread since the last call to this function.
#[doc(hidden)]
pub fn take_hook_seen() -> bool {
    HOOK_SEEN.with(|s| s.replace(false))
}

/// Runs `f` (which enters wasm3) on a large native stack with the recursion check armed.
pub(crate) fn on_native_stack<R>(f: impl FnOnce() -> R) -> Result<R, Error> {
    // Already inside a guarded call (a host function re-entering wasm3 on this thread): the
    // check is armed for the current stack, so keep using it.
    if LIMIT.with(Cell::get) != 0 {
        return Ok(f());
    }
    let mut stack = match SPARE.with(|s| s.borrow_mut().take()) {
        Some(stack) => stack,
        None => DefaultStack::new(NATIVE_STACK)
            .map_err(|e| Error::engine("wasm3", format!("cannot map a native stack: {e}")))?,
    };
    let limit = stack.limit().get() + HEADROOM;
    let result = {
        let _armed = Armed::new(limit);
        corosensei::on_stack(&mut stack, f)
    };
    SPARE.with(|s| *s.borrow_mut() = Some(stack));
    Ok(result)
}

/// Arms the check for the duration of a guarded call, and disarms it even on unwinding.
struct Armed;

impl Armed {
    fn new(limit: usize) -> Self {
        LIMIT.with(|l| l.set(limit));
        Armed
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        LIMIT.with(|l| l.set(0));
    }
}
