//! What a guest's imported functions call: host functions, and exports of other instances.
//!
//! wasm3 links an import to a C callback plus one opaque pointer; the callback here is
//! `trampoline` and the pointer a boxed `Link`, owned by the importing instance.

use crate::call::{invoke, read_slot, write_slot};
use crate::mirror::{Cells, Mirrors};
use crate::trap::host_trap;
use std::cell::Cell;
use std::ffi::c_void;
use wasm3::wasm3_sys as ffi;
use wasmux_core::{Caller, HostError, HostFunc, Val, ValType};

/// State the trampolines share with their store.
#[derive(Default)]
pub(crate) struct Shared {
    /// The error of the host function that stopped the guest, until `Store::call` reports it.
    pub pending: Cell<Option<HostError>>,
    /// The values of the mutable globals the host created.
    pub cells: Cells,
}

/// An instance's runtime, as trampolines of other instances reach it.
pub(crate) struct Core {
    pub runtime: ffi::IM3Runtime,
    /// Set while a call runs in this runtime. wasm3 starts every call at the bottom of the
    /// runtime's value stack, so a second call while one is active would overwrite its frames.
    /// Imports resolve at instantiation, in creation order, so no chain of imports can lead
    /// back into a running instance today; this keeps it so if that ever changes.
    pub active: Cell<bool>,
    /// This instance's globals that mirror the store's host-created ones.
    pub mirrors: Mirrors,
}

pub(crate) enum Target {
    Host(HostFunc),
    /// An exported function of another instance of the same store.
    Instance {
        core: *const Core,
        func: ffi::IM3Function,
    },
}

/// One linked import.
pub(crate) struct Link {
    pub target: Target,
    pub params: Vec<ValType>,
    pub result: Option<ValType>,
    pub shared: *const Shared,
    /// The importing instance, whose mirrored globals are handed over to another instance's
    /// around a call into it.
    pub caller: *const Core,
    /// Whether the importing instance has a memory, for `Caller::memory`.
    pub has_memory: bool,
}

/// wasm3 0.4's signature string for a function type: result then parameters, `v` for none.
pub(crate) fn signature(params: &[ValType], result: Option<ValType>) -> String {
    let code = |t: ValType| match t {
        ValType::I32 => 'i',
        ValType::I64 => 'I',
        ValType::F32 => 'f',
        ValType::F64 => 'F',
        // Module types were checked to be numeric before anything is linked.
        _ => unreachable!("non-numeric type in a wasm3 signature"),
    };
    let mut sig = String::new();
    sig.push(result.map_or('v', code));
    sig.push('(');
    sig.extend(params.iter().map(|&t| code(t)));
    sig.push(')');
    sig
}

/// The callback wasm3 calls for every linked import.
///
/// # Safety
/// Called by wasm3 only, with `cookie` a `Link` that outlives the runtime, `sp` the callee
/// frame (one 64-bit slot per parameter; the result goes into the first slot).
pub(crate) unsafe extern "C" fn trampoline(
    runtime: ffi::IM3Runtime,
    sp: *mut u64,
    _mem: *mut c_void,
    cookie: *mut c_void,
) -> *const c_void {
    let link = &*(cookie as *const Link);
    let args: Vec<Val> = link
        .params
        .iter()
        .enumerate()
        .map(|(i, &t)| read_slot(sp.add(i), t))
        .collect();
    let outcome = match &link.target {
        Target::Host(func) => call_host(func, runtime, link, &args).map_err(Stop::Host),
        Target::Instance { core, func } => {
            let (shared, caller) = (&*link.shared, &*link.caller);
            caller.mirrors.leave(&shared.cells);
            let outcome = call_instance(&**core, *func, &args, link.result, &shared.cells);
            caller.mirrors.enter(&shared.cells);
            outcome
        }
    };
    match outcome {
        Ok(Some(v)) => {
            write_slot(sp, v);
            std::ptr::null()
        }
        Ok(None) => std::ptr::null(),
        Err(Stop::Host(e)) => {
            (*link.shared).pending.set(Some(e));
            host_trap().cast()
        }
        // A trap in the other instance unwinds this one too, unchanged.
        Err(Stop::Forward(result)) => result.cast(),
    }
}

/// Why an import did not return normally.
enum Stop {
    Host(HostError),
    /// A wasm3 result from another runtime, to pass up unchanged.
    Forward(ffi::M3Result),
}

unsafe fn call_host(
    func: &HostFunc,
    runtime: ffi::IM3Runtime,
    link: &Link,
    args: &[Val],
) -> Result<Option<Val>, HostError> {
    let mut results: Vec<Val> = link.result.into_iter().map(Val::default_for).collect();
    let mut caller = M3Caller {
        runtime,
        has_memory: link.has_memory,
    };
    // This runs inside wasm3's C frames, which no unwind may cross. `HostFunc::call` never
    // panics (it turns the host function's panics into errors), so nothing here unwinds.
    func.call(&mut caller, args, &mut results)?;
    Ok(results.first().copied())
}

unsafe fn call_instance(
    core: &Core,
    func: ffi::IM3Function,
    args: &[Val],
    result: Option<ValType>,
    cells: &Cells,
) -> Result<Option<Val>, Stop> {
    if core.active.replace(true) {
        return Err(Stop::Host(HostError::Message(
            "wasm3 cannot re-enter an instance that is already running (an import leads back \
             into an instance on the current call stack)"
                .to_string(),
        )));
    }
    core.mirrors.enter(cells);
    let outcome = invoke(func, args, result);
    core.mirrors.leave(cells);
    core.active.set(false);
    outcome.map_err(Stop::Forward)
}

/// The calling instance, as a host function sees it.
struct M3Caller {
    runtime: ffi::IM3Runtime,
    has_memory: bool,
}

impl Caller for M3Caller {
    fn memory(&mut self) -> Option<&mut [u8]> {
        if !self.has_memory {
            return None;
        }
        // SAFETY: the runtime is live for the whole host call and its memory cannot move
        // while the guest is stopped in this call; the borrow ends with the call.
        unsafe { crate::call::memory_slice(self.runtime) }
    }
}
