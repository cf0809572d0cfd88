//! The engine registry and what every variant says of itself.

use crate::support::*;

/// Every variant in the build has its tests here: a new one cannot be left out.
#[test]
fn the_suite_covers_every_engine_variant() {
    assert_eq!(wasmux::engine_names(), VARIANTS);
}

conformance! {
    fn info_is_consistent(engine) {
        let info = engine.info();
        assert!(
            info.name == info.engine || info.name.starts_with(&format!("{}:", info.engine)),
            "{} of {}",
            info.name,
            info.engine
        );
        assert!(!info.version.is_empty() && !info.kind.is_empty(), "{info:?}");
        assert_eq!(wasmux::engine(&info.name).unwrap().info().name, info.name);
    }
}

conformance! {
    fn modules_stay_with_their_engine(engine) {
        let mut store = store(engine);
        for other in wasmux::all_engines() {
            if other.info().name == engine.info().name {
                continue;
            }
            let module = compile(other.as_ref(), "(module)");
            let result = store.instantiate(module.as_ref(), &[]);
            assert!(result.is_err(), "a module of {} instantiated", other.info().name);
        }
        let own = compile(engine, "(module)");
        store.instantiate(own.as_ref(), &[]).unwrap();
    }
}
