//! Runs rewritten modules on wasmi, with the runtime imports implemented as host functions.

#![allow(dead_code)]

use std::fmt;

use wasmi::errors::HostError;
use wasmi::{Caller, Engine, Func, Global, Linker, Module, Mutability, Store, Val};
use wasmux_instrument::{
    CHECK_IMPORT, FUEL_GET_EXPORT, FUEL_IMPORT, FUEL_SET_EXPORT, OUT_OF_FUEL_IMPORT, RUNTIME_MODULE,
};

pub fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test module parses")
}

/// Every rewritten module must still validate.
pub fn assert_valid(wasm: &[u8]) {
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(wasm)
        .expect("rewritten module validates");
}

/// Traps raised by the host side of the runtime imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostTrap {
    OutOfFuel,
    Stopped,
    /// Raised by the test import `env.fail`.
    Failed,
}

impl fmt::Display for HostTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl HostError for HostTrap {}

#[derive(Default)]
pub struct HostState {
    pub checks: u32,
    /// `check` traps on this call.
    pub stop_at_check: Option<u32>,
    pub out_of_fuel_calls: u32,
}

pub struct Running {
    pub store: Store<HostState>,
    pub instance: wasmi::Instance,
}

pub fn instantiate(wasm: &[u8]) -> Result<Running, wasmi::Error> {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm)?;
    let mut store = Store::new(&engine, HostState::default());
    let mut linker = Linker::<HostState>::new(&engine);
    linker.func_wrap(
        RUNTIME_MODULE,
        CHECK_IMPORT,
        |mut caller: Caller<'_, HostState>| -> Result<(), wasmi::Error> {
            let state = caller.data_mut();
            state.checks += 1;
            if state.stop_at_check == Some(state.checks) {
                return Err(wasmi::Error::host(HostTrap::Stopped));
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        RUNTIME_MODULE,
        OUT_OF_FUEL_IMPORT,
        |mut caller: Caller<'_, HostState>| -> Result<(), wasmi::Error> {
            caller.data_mut().out_of_fuel_calls += 1;
            Err(wasmi::Error::host(HostTrap::OutOfFuel))
        },
    )?;
    linker.func_wrap("env", "add1", |x: i32| x.wrapping_add(1))?;
    linker.func_wrap("env", "fail", || -> Result<(), wasmi::Error> {
        Err(wasmi::Error::host(HostTrap::Failed))
    })?;
    // Full until a test sets it, as a host's tank would be.
    let tank = Global::new(&mut store, Val::I64(-1), Mutability::Var);
    linker.define(RUNTIME_MODULE, FUEL_IMPORT, tank)?;
    let instance = linker.instantiate_and_start(&mut store, &module)?;
    Ok(Running { store, instance })
}

impl Running {
    pub fn func(&self, name: &str) -> Func {
        self.instance
            .get_func(&self.store, name)
            .unwrap_or_else(|| panic!("export `{name}`"))
    }

    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, wasmi::Error> {
        let func = self.func(name);
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty
            .results()
            .iter()
            .map(|t| Val::default_for_ty(*t))
            .collect();
        func.call(&mut self.store, args, &mut results)?;
        Ok(results)
    }

    pub fn call_i32(&mut self, name: &str, args: &[Val]) -> Result<i32, wasmi::Error> {
        Ok(self.call(name, args)?[0].i32().expect("i32 result"))
    }

    pub fn set_fuel(&mut self, fuel: u64) {
        self.call(FUEL_SET_EXPORT, &[Val::I64(fuel as i64)])
            .expect("fuel set");
    }

    pub fn fuel(&mut self) -> u64 {
        self.call(FUEL_GET_EXPORT, &[]).expect("fuel get")[0]
            .i64()
            .expect("i64") as u64
    }

    pub fn memory(&self) -> Vec<u8> {
        let memory = self
            .instance
            .get_memory(&self.store, "memory")
            .expect("exported memory");
        memory.data(&self.store).to_vec()
    }
}

pub fn host_trap(err: &wasmi::Error) -> Option<HostTrap> {
    err.downcast_ref::<HostTrap>().copied()
}
