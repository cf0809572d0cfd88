//! `memory.grow` and the memory size the store reports.

use crate::support::*;
use wasmux::Val;

const GROW: &str = r#"(module
  (memory MEMORY) (export "memory" (memory 0))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "poke") (param i32) (i32.store8 (local.get 0) (i32.const 9))))"#;

fn grow(
    engine: &dyn wasmux::adapter::Engine,
    limits: &str,
) -> (Box<dyn wasmux::adapter::Store>, wasmux::adapter::InstanceId) {
    instance(engine, &GROW.replace("MEMORY", limits), &[])
}

conformance! {
    fn grow_honours_the_declared_maximum(engine) {
        let (mut store, id) = grow(engine, "1 3");
        let s = store.as_mut();
        for (delta, result) in [(1, 1), (2, -1), (1, 2), (1, -1), (0, 3)] {
            assert_eq!(call(s, id, "grow", &[Val::I32(delta)]), [Val::I32(result)], "grow {delta}");
        }
        assert_eq!(call(s, id, "size", &[]), [Val::I32(3)]);
        assert_eq!(s.memory_size(id), Some(3 * 65536));
        call(s, id, "poke", &[Val::I32(3 * 65536 - 1)]);
    }
}

conformance! {
    fn a_maximum_of_zero_pages_is_exact(engine) {
        // wasm3 itself reads a maximum of 0 as "no maximum".
        let (mut store, id) = grow(engine, "0 0");
        assert_eq!(call(store.as_mut(), id, "grow", &[Val::I32(1)]), [Val::I32(-1)]);
        assert_eq!(store.memory_size(id), Some(0));
    }
}

conformance! {
    fn memory_without_maximum_grows(engine) {
        let (mut store, id) = grow(engine, "1");
        assert_eq!(call(store.as_mut(), id, "grow", &[Val::I32(15)]), [Val::I32(1)]);
        assert_eq!(store.memory_size(id), Some(16 * 65536));
    }
}
