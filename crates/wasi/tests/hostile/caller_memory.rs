//! One rule for the memory WASI reads and writes, on every engine: the memory the guest
//! exports as `memory`. A guest that exports none by that name (or none at all) gets a clear
//! error at its first call that needs memory, never output from a memory it did not lend.

use super::common::{engines, instantiate};
use wasmux::wasi::{Pipe, Stdio, WasiCtx};
use wasmux::{Error, Module, Trap};

/// Writes "hi\n" to stdout through `fd_write`; `$export` decides how the memory is exported.
fn writer(export: &str) -> Module {
    let text = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (memory {export} 1)
  (data (i32.const 0) "\08\00\00\00\03\00\00\00hi\0a")
  (func (export "write") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
  (func (export "yield") (result i32) (call $yield)))"#
    );
    Module::from_bytes("writer.wat", text.as_bytes()).unwrap()
}

fn run(engine: &str, module: &Module, export: &str) -> (Result<i32, Error>, String) {
    let out = Pipe::new();
    let ctx = WasiCtx::new().stdout(Stdio::Pipe(out.clone()));
    let mut instance = instantiate(engine, module, ctx);
    let result = instance.call(export, &[]).map(|v| match v[..] {
        [wasmux::Val::I32(e)] => e,
        _ => panic!("{v:?}"),
    });
    (result, out.contents_string())
}

#[test]
fn wasi_uses_the_memory_exported_as_memory_on_every_engine() {
    let module = writer(r#"(export "memory")"#);
    for engine in engines() {
        let (result, out) = run(&engine, &module, "write");
        assert_eq!(result.ok(), Some(0), "{engine}");
        assert_eq!(out, "hi\n", "{engine}");
    }
}

#[test]
fn a_memory_not_exported_as_memory_is_a_clear_error_on_every_engine() {
    for export in ["", r#"(export "mem")"#] {
        let module = writer(export);
        for engine in engines() {
            let (result, out) = run(&engine, &module, "write");
            match &result {
                Err(Error::Trap {
                    trap: Trap::HostError,
                    detail: Some(detail),
                    ..
                }) => assert!(
                    detail.contains("fd_write needs the guest's memory")
                        && detail.contains("no memory named `memory`"),
                    "{engine} {export:?}: {detail}"
                ),
                other => panic!("{engine} {export:?}: {other:?}"),
            }
            assert_eq!(
                out, "",
                "{engine} {export:?}: wrote from a memory it was not lent"
            );
            // A call that needs no memory still works.
            let (result, _) = run(&engine, &module, "yield");
            assert_eq!(result.ok(), Some(0), "{engine} {export:?}");
        }
    }
}
