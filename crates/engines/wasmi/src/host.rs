//! wasmux host functions as wasmi functions.

use crate::convert::{from_wasmi_all, func_type, to_wasmi};
use core::fmt;
use wasmi::{AsContextMut, Extern, Func, Memory};
use wasmux_core::prelude::*;
use wasmux_core::{Caller, Error, HostError, HostFunc, Val};

/// What host functions need from the store they run in: nothing yet, since a caller's memory
/// is found by its export name.
#[derive(Default)]
pub struct HostState;

/// A wasmux host error carried through wasmi so it comes out of `Store::call` unchanged.
#[derive(Debug)]
pub struct HostTrap(pub HostError);

impl fmt::Display for HostTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl wasmi::errors::HostError for HostTrap {}

fn host_error(e: HostError) -> wasmi::Error {
    wasmi::Error::host(HostTrap(e))
}

/// The wasmux view of a wasmi caller.
struct GuestCaller<'a, 'b> {
    caller: &'a mut wasmi::Caller<'b, HostState>,
}

impl GuestCaller<'_, '_> {
    /// The memory the caller exports as `memory` (`Caller::memory`'s rule on every engine).
    fn find_memory(&self) -> Option<Memory> {
        self.caller
            .get_export(wasmux_core::CALLER_MEMORY)
            .and_then(Extern::into_memory)
    }
}

impl Caller for GuestCaller<'_, '_> {
    fn memory(&mut self) -> Option<&mut [u8]> {
        let memory = self.find_memory()?;
        Some(memory.data_mut(&mut *self.caller))
    }
}

/// Makes a wasmi function that runs `host` in `store`.
pub fn new_func(
    mut store: impl AsContextMut<Data = HostState>,
    host: &HostFunc,
) -> Result<Func, Error> {
    let ty = func_type(&host.ty)?;
    let host = host.clone();
    Ok(Func::new(
        store.as_context_mut(),
        ty,
        move |mut caller, params, out| {
            let params = from_wasmi_all(&caller, params);
            let mut results: Vec<Val> = host
                .ty
                .results
                .iter()
                .map(|t| Val::default_for(*t))
                .collect();
            host.call(
                &mut GuestCaller {
                    caller: &mut caller,
                },
                &params,
                &mut results,
            )
            .map_err(host_error)?;
            for (slot, val) in out.iter_mut().zip(&results) {
                *slot = to_wasmi(&mut caller, val)
                    .map_err(|e| host_error(HostError::Message(e.to_string())))?;
            }
            Ok(())
        },
    ))
}
