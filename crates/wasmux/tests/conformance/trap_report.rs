//! Trap reports through the facade: the frames of a trap named as the user's module has them
//! (function indices, names from the `name` section, byte offsets of the user's bytes), with
//! and without the rewriting that fuel and timeouts add, and a core dump of the trap.
//!
//! wasmtime (all three variants) and wasmer report frames natively. wasmi and wasm3 have no
//! backtrace API: they report none unless the runtime records backtraces
//! (`RuntimeBuilder::record_backtraces`), which has the guest keep a shadow stack; then they
//! report the same frames and offsets as the others.

use crate::support::*;
use std::time::Duration;
use wasmparser::{Operator, Parser, Payload};
use wasmux::adapter::Engine;
use wasmux::{Error, FuncType, HostFunc, Module, Runtime, RuntimeBuilder, Trap};

/// `main` calls `a` calls `b`, which writes a marker to memory and hits `unreachable`. An
/// import first, so that function indices and body indices differ.
const NESTED: &str = r#"(module
  (import "env" "unused" (func $unused))
  (memory (export "memory") 1)
  (func $b
    (i32.store (i32.const 100) (i32.const 0x2a2b2c2d))
    unreachable)
  (func $a (call $b))
  (func $main (export "main") (call $a)))"#;

/// Whether the engine reports frames of its own (see ENGINES.md).
fn native_frames(engine: &dyn Engine) -> bool {
    matches!(engine.info().engine.as_str(), "wasmtime" | "wasmer")
}

/// Whether its frames say where in their function they are: wasmer's LLVM code keeps no
/// address map. (The shadow stack records offsets on wasm3 and wasmi.)
fn frame_offsets(engine: &dyn Engine) -> bool {
    name(engine) != "wasmer:llvm"
}

/// Byte offsets in `wasm` of: the `unreachable` in b (function 1), the call in a (2) and
/// the call in main (3).
fn expected_offsets(wasm: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload.unwrap() {
            let mut ops = body.get_operators_reader().unwrap();
            while !ops.eof() {
                let (op, offset) = ops.read_with_offset().unwrap();
                if matches!(op, Operator::Unreachable | Operator::Call { .. }) {
                    found.push(offset);
                }
            }
        }
    }
    // Bodies in order b, a, main: innermost first already.
    found
}

/// A runtime builder for `engine` that has guests record their frames where the engine
/// reports none.
fn recording(engine: &dyn Engine) -> RuntimeBuilder {
    Runtime::builder()
        .engine(name(engine))
        .record_backtraces(true)
}

fn runtime(builder: RuntimeBuilder) -> Runtime {
    builder
        .func(
            "env",
            "unused",
            HostFunc::new(FuncType::default(), |_, _, _| Ok(())),
        )
        .build()
        .unwrap()
}

fn trap_of(runtime: &Runtime, module: &Module) -> (Error, Option<Vec<u8>>) {
    let mut instance = runtime.instantiate(module).unwrap();
    let err = instance.call("main", &[]).unwrap_err();
    let dump = instance.core_dump(&err);
    (err, dump)
}

conformance! {
    fn names_frames_in_the_users_module(engine) {
        let module = Module::from_bytes("nested.wat", NESTED.as_bytes()).unwrap();
        let offsets = expected_offsets(module.bytes());
        assert_eq!(offsets.len(), 3);
        type Limit = fn(RuntimeBuilder) -> RuntimeBuilder;
        let limits: [(&str, Limit); 4] = [
            ("no limits", |b| b),
            ("fuel", |b| b.fuel(1_000_000)),
            ("timeout", |b| b.timeout(Duration::from_secs(60))),
            ("fuel and timeout", |b| b.fuel(1_000_000).timeout(Duration::from_secs(60))),
        ];
        for (what, limit) in limits {
            if !native_frames(engine) {
                // Without a shadow stack: no frames, never wrong ones.
                let runtime = runtime(limit(Runtime::builder().engine(name(engine))));
                let (err, _) = trap_of(&runtime, &module);
                assert_eq!(err.as_trap(), Some(Trap::Unreachable), "{}, {what}", name(engine));
                let backtrace = err.backtrace().unwrap();
                assert!(backtrace.is_empty(), "{}, {what}: {backtrace}", name(engine));
            }
            let runtime = runtime(limit(recording(engine)));
            let (err, _) = trap_of(&runtime, &module);
            assert_eq!(err.as_trap(), Some(Trap::Unreachable), "{}, {what}: {err}", name(engine));
            let backtrace = err.backtrace().unwrap();
            let got: Vec<_> = backtrace
                .frames
                .iter()
                .map(|f| (f.name.as_deref(), f.func, f.offset, f.module.as_deref()))
                .collect();
            let at = |i: usize| frame_offsets(engine).then_some(offsets[i]);
            let want = vec![
                (Some("b"), Some(1), at(0), Some("nested.wat")),
                (Some("a"), Some(2), at(1), Some("nested.wat")),
                (Some("main"), Some(3), at(2), Some("nested.wat")),
            ];
            assert_eq!(got, want, "{}, {what}:\n{backtrace}", name(engine));
            if frame_offsets(engine) {
                assert_eq!(
                    backtrace.to_string().lines().next().unwrap().trim(),
                    format!("0: nested.wat!b @ {:#x}", offsets[0]),
                );
            }
        }
    }
}

conformance! {
    fn core_dump_holds_memory_and_frames(engine) {
        let module = Module::from_bytes("nested.wat", NESTED.as_bytes()).unwrap();
        let builder = Runtime::builder().engine(name(engine)).record_backtraces(true);
        let runtime = runtime(builder.fuel(1_000_000));
        let (err, dump) = trap_of(&runtime, &module);
        let dump = dump.expect("a trap has a core dump");
        let parsed = parse_dump(&dump);
        let marker = 0x2a2b2c2du32.to_le_bytes();
        let at = parsed
            .data
            .iter()
            .find_map(|(offset, bytes)| {
                bytes.windows(4).position(|w| w == marker).map(|p| offset + p)
            });
        assert_eq!(at, Some(100), "{}: the marker where the guest stored it", name(engine));
        assert_eq!(parsed.memory_pages, Some(1));
        assert_eq!(parsed.modules, vec!["nested.wat".to_string()]);
        assert_eq!(parsed.instances, 1);
        let frames = err.backtrace().unwrap().frames.len();
        assert_eq!(parsed.frames.len(), frames, "{}", name(engine));
        let funcs: Vec<u32> = parsed.frames.iter().map(|f| f.0).collect();
        assert_eq!(funcs, vec![1, 2, 3], "{}", name(engine));
        if frame_offsets(engine) {
            // Offsets from each body's start: nonzero, as every frame is past its locals.
            assert!(parsed.frames.iter().all(|f| f.1 > 0), "{:?}", parsed.frames);
        }
    }
}

/// What the tests read back from a core dump.
struct Dump {
    memory_pages: Option<u64>,
    /// Active data segments: offset and bytes.
    data: Vec<(usize, Vec<u8>)>,
    modules: Vec<String>,
    instances: usize,
    /// Function index and code offset of each frame.
    frames: Vec<(u32, u32)>,
}

fn parse_dump(dump: &[u8]) -> Dump {
    use wasmparser::{ConstExpr, DataKind, KnownCustom};
    let mut out = Dump {
        memory_pages: None,
        data: Vec::new(),
        modules: Vec::new(),
        instances: 0,
        frames: Vec::new(),
    };
    let mut has_core = false;
    for payload in Parser::new(0).parse_all(dump) {
        match payload.expect("the core dump parses") {
            Payload::MemorySection(memories) => {
                out.memory_pages = memories.into_iter().next().map(|m| m.unwrap().initial);
            }
            Payload::DataSection(data) => {
                for segment in data {
                    let segment = segment.unwrap();
                    let DataKind::Active { offset_expr, .. } = segment.kind else {
                        panic!("a passive segment in a core dump");
                    };
                    out.data
                        .push((const_offset(offset_expr), segment.data.to_vec()));
                }
            }
            Payload::CustomSection(section) => match section.as_known() {
                KnownCustom::CoreDump(_) => has_core = true,
                KnownCustom::CoreDumpModules(m) => {
                    out.modules = m.modules.iter().map(|s| s.to_string()).collect()
                }
                KnownCustom::CoreDumpInstances(i) => out.instances = i.instances.len(),
                KnownCustom::CoreDumpStack(s) => {
                    out.frames = s.frames.iter().map(|f| (f.funcidx, f.codeoffset)).collect();
                }
                _ => {}
            },
            _ => {}
        }
    }
    assert!(has_core, "a `core` section");
    fn const_offset(expr: ConstExpr<'_>) -> usize {
        match expr.get_operators_reader().read().unwrap() {
            Operator::I32Const { value } => value as u32 as usize,
            other => panic!("offset {other:?}"),
        }
    }
    out
}

conformance! {
    fn names_frames_across_a_link(engine) {
        // Named modules (`(module $name ...)`), so that engines naming frames by module can
        // tell the two apart.
        const DEP: &str = r#"(module $dep
          (func $boom (export "boom") unreachable))"#;
        const APP: &str = r#"(module $app
          (import "ns/dep" "boom" (func $boom))
          (func $run (export "run") (call $boom)))"#;
        let runtime = recording(engine).fuel(1_000_000).build().unwrap();
        let mut linker = runtime.linker().unwrap();
        let prepare = |file: &str, wat: &str| {
            runtime.prepare(&Module::from_bytes(file, wat.as_bytes()).unwrap()).unwrap()
        };
        linker.instantiate("ns/dep", &prepare("dep.wat", DEP)).unwrap();
        let app = linker.instantiate_unnamed(&prepare("app.wat", APP)).unwrap();
        let err = linker.call(app, "run", &[]).unwrap_err();
        assert_eq!(err.as_trap(), Some(Trap::Unreachable), "{}: {err}", name(engine));
        let backtrace = err.backtrace().unwrap();
        let got: Vec<String> = backtrace
            .frames
            .iter()
            .map(|f| format!("{}!{}", f.module.as_deref().unwrap_or("?"), f.name.as_deref().unwrap_or("?")))
            .collect();
        assert_eq!(got, ["dep.wat!boom", "app.wat!run"], "{}:\n{backtrace}", name(engine));
    }
}

conformance! {
    fn limits_trap_in_the_users_function(engine) {
        // `burn` loops until fuel runs out or the timeout fires; `main` calls it. Neither has
        // a name in a name section: frames go by the export name, as wasmtime's do.
        const BURN: &str = r#"(module
          (func (export "burn") (loop $l (br $l)))
          (func (export "main") (call 0)))"#;
        let module = Module::from_bytes("burn.wat", BURN.as_bytes()).unwrap();
        let cases: [(Trap, RuntimeBuilder); 2] = [
            (Trap::OutOfFuel, recording(engine).fuel(10_000)),
            (Trap::Timeout, recording(engine).timeout(Duration::from_millis(20))),
        ];
        for (trap, builder) in cases {
            let (err, _) = trap_of(&builder.build().unwrap(), &module);
            assert_eq!(err.as_trap(), Some(trap), "{}: {err}", name(engine));
            let backtrace = err.backtrace().unwrap();
            // wasmux's checks stop the guest from a host function; wasmer's Singlepass code
            // reports no frames for a trap raised there, and records them like wasm3 and
            // wasmi instead.
            let got: Vec<_> = backtrace.frames.iter().map(|f| (f.name.as_deref(), f.func)).collect();
            assert_eq!(got, [(Some("burn"), Some(0)), (Some("main"), Some(1))], "{}:\n{backtrace}", name(engine));
            // The check that stopped it is wasmux's, not an instruction of the module.
            assert_eq!(backtrace.frames[0].offset, None);
            assert_eq!(backtrace.frames[1].offset.is_some(), frame_offsets(engine));
        }
    }
}
