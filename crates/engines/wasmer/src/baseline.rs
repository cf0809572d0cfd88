//! wasmer's own API with nothing of wasmux in between, so benchmarks can show what wasmux adds.

use wasmer::{imports, Instance, Module, Store, TypedFunction};

/// One exported `(i64) -> i64` function, compiled by Singlepass (or LLVM).
pub struct Baseline {
    store: Store,
    func: TypedFunction<i64, i64>,
}

impl Baseline {
    /// Panics on a bad module: benchmark set-up, not a user path.
    pub fn new(wasm: &[u8], func: &str) -> Self {
        let engine = wasmer::sys::EngineBuilder::new(wasmer::sys::Singlepass::new()).engine();
        Self::with_engine(engine.into(), wasm, func)
    }

    /// The same, compiled by LLVM (the `wasmer:llvm` variant).
    #[cfg(feature = "llvm")]
    pub fn llvm(wasm: &[u8], func: &str) -> Self {
        let engine = wasmer::sys::EngineBuilder::new(wasmer::sys::LLVM::new()).engine();
        Self::with_engine(engine.into(), wasm, func)
    }

    fn with_engine(engine: wasmer::Engine, wasm: &[u8], func: &str) -> Self {
        let mut store = Store::new(engine);
        let module = Module::new(&store, wasm).expect("benchmark module compiles");
        let instance = Instance::new(&mut store, &module, &imports! {})
            .expect("benchmark module instantiates");
        let func = instance
            .exports
            .get_typed_function::<i64, i64>(&store, func)
            .expect("benchmark function is exported as (i64) -> i64");
        Baseline { store, func }
    }

    pub fn call(&mut self, arg: i64) -> i64 {
        self.func
            .call(&mut self.store, arg)
            .expect("benchmark call")
    }
}
