//! The `spectest` module every spec script may import from, built with the wasmux API.

use std::collections::HashMap;
use wasmux_core::{
    Error, ExternHandle, FuncType, GlobalType, HostFunc, ImportValue, MemoryType, Store, TableType,
    Val, ValType,
};

/// The host objects of `spectest`, created in a store the first time a module imports them so
/// that every instance of a script shares the same table, memory and globals.
#[derive(Default)]
pub(crate) struct Spectest {
    created: HashMap<String, ExternHandle>,
}

impl Spectest {
    /// What `spectest.<name>` provides, or `None` if it provides no such thing.
    pub(crate) fn import(
        &mut self,
        store: &mut dyn Store,
        name: &str,
    ) -> Result<Option<ImportValue>, Error> {
        if let Some(params) = print_params(name) {
            // The reference interpreter prints; a test run has no use for the noise.
            let func = HostFunc::new(FuncType::new(params.iter().copied(), []), |_, _, _| Ok(()));
            return Ok(Some(ImportValue::Func(func)));
        }
        if let Some(handle) = self.created.get(name) {
            return Ok(Some(ImportValue::Extern(*handle)));
        }
        let handle = match name {
            "global_i32" => global(store, Val::I32(666))?,
            "global_i64" => global(store, Val::I64(666))?,
            "global_f32" => global(store, Val::f32(666.6))?,
            "global_f64" => global(store, Val::f64(666.6))?,
            "table" => store.new_table(TableType {
                element: ValType::FuncRef,
                minimum: 10,
                maximum: Some(20),
            })?,
            "memory" => store.new_memory(MemoryType {
                minimum: 1,
                maximum: Some(2),
            })?,
            _ => return Ok(None),
        };
        self.created.insert(name.to_string(), handle);
        Ok(Some(ImportValue::Extern(handle)))
    }
}

fn global(store: &mut dyn Store, init: Val) -> Result<ExternHandle, Error> {
    let ty = GlobalType {
        content: init.ty(),
        mutable: false,
    };
    store.new_global(ty, init)
}

fn print_params(name: &str) -> Option<&'static [ValType]> {
    use ValType::*;
    Some(match name {
        "print" => &[],
        "print_i32" => &[I32],
        "print_i64" => &[I64],
        "print_f32" => &[F32],
        "print_f64" => &[F64],
        "print_i32_f32" => &[I32, F32],
        "print_f64_f64" => &[F64, F64],
        _ => return None,
    })
}
