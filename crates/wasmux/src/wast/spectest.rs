//! The `spectest` module every spec script may import from, built with the wasmux API: its
//! functions are the runtime's host functions, its table, memory and globals are made once in
//! the script's linker, so that every instance of a script shares them.

use crate::linker::Linker;
use crate::runtime::RuntimeBuilder;
use wasmux_core::{FuncType, GlobalType, HostFunc, MemoryType, TableType, Val, ValType};

const MODULE: &str = "spectest";

/// `builder` with the `spectest.print*` functions.
pub(crate) fn funcs(mut builder: RuntimeBuilder) -> RuntimeBuilder {
    use ValType::*;
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in prints {
        // The reference interpreter prints; a test run has no use for the noise.
        let func = HostFunc::new(FuncType::new(params.iter().copied(), []), |_, _, _| Ok(()));
        builder = builder.func(MODULE, name, func);
    }
    builder
}

/// Makes the table, memory and globals of `spectest` in `linker`. What the engine cannot make
/// (wasm3 has no host-made memories or tables) is left out: a module importing it then fails
/// to link, naming it.
pub(crate) fn define(linker: &mut Linker) {
    for (name, init) in [
        ("global_i32", Val::I32(666)),
        ("global_i64", Val::I64(666)),
        ("global_f32", Val::f32(666.6)),
        ("global_f64", Val::f64(666.6)),
    ] {
        let ty = GlobalType {
            content: init.ty(),
            mutable: false,
        };
        let _ = linker.define_global(MODULE, name, ty, init);
    }
    let table = TableType {
        element: ValType::FuncRef,
        minimum: 10,
        maximum: Some(20),
    };
    let _ = linker.define_table(MODULE, "table", table);
    let memory = MemoryType {
        minimum: 1,
        maximum: Some(2),
    };
    let _ = linker.define_memory(MODULE, "memory", memory);
}
