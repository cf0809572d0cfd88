//! Host functions: a wasmux `HostFunc` wrapped as a wasmtime function.

use crate::convert::{func_type_to_wt, val_from_wt, val_to_wt};
use wasmtime::{Extern, Func, Memory};
use wasmux_core::{Caller, HostError, HostFunc, Val};

/// Creates the wasmtime function for `f`.
pub(crate) fn host_func(store: &mut wasmtime::Store<()>, f: &HostFunc) -> Func {
    if f.ty.params == [wasmux_core::ValType::I32] && f.ty.results.is_empty() {
        // wasmtime's typed path skips the untyped argument conversion: for the signature of
        // profiling probes (and `proc_exit`), called at every function entry and exit.
        let f = f.clone();
        return Func::wrap(
            &mut *store,
            move |mut caller: wasmtime::Caller<'_, ()>, a: i32| -> wasmtime::Result<()> {
                let mut view = CallerView {
                    caller: &mut caller,
                };
                f.call(&mut view, &[Val::I32(a)], &mut [])
                    .map_err(wasmtime::Error::new)
            },
        );
    }
    let ty = func_type_to_wt(store.engine(), &f.ty);
    let f = f.clone();
    Func::new(&mut *store, ty, move |mut caller, params, results| {
        call_host(&f, &mut caller, params, results)
    })
}

fn call_host(
    f: &HostFunc,
    caller: &mut wasmtime::Caller<'_, ()>,
    params: &[wasmtime::Val],
    results: &mut [wasmtime::Val],
) -> wasmtime::Result<()> {
    let args = params
        .iter()
        .map(|p| val_from_wt(&mut *caller, p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(host_error)?;
    let mut outs: Vec<Val> = f.ty.results.iter().map(|&t| Val::default_for(t)).collect();
    // Looked up when the function asks for it: most host calls (clocks, probes) never do,
    // and a lookup by name costs more than the call itself.
    let mut view = CallerView { caller };
    f.call(&mut view, &args, &mut outs)
        .map_err(wasmtime::Error::new)?;
    for (slot, v) in results.iter_mut().zip(&outs) {
        *slot = val_to_wt(&mut *caller, v).map_err(host_error)?;
    }
    Ok(())
}

fn host_error(message: String) -> wasmtime::Error {
    wasmtime::Error::new(HostError::Message(message))
}

/// The calling instance's memory: the one it exports as `memory` (`Caller::memory`'s rule on
/// every engine). Shared memories cannot be lent out as `&mut [u8]`, so they count as none.
fn caller_memory(caller: &mut wasmtime::Caller<'_, ()>) -> Option<Memory> {
    match caller.get_export(wasmux_core::CALLER_MEMORY) {
        Some(Extern::Memory(m)) => Some(m),
        _ => None,
    }
}

struct CallerView<'a, 'b> {
    caller: &'a mut wasmtime::Caller<'b, ()>,
}

impl Caller for CallerView<'_, '_> {
    fn memory(&mut self) -> Option<&mut [u8]> {
        let memory = caller_memory(self.caller)?;
        Some(memory.data_mut(&mut *self.caller))
    }
}
