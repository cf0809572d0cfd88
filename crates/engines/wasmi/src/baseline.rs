//! wasmi's own API with nothing of wasmux in between, so benchmarks can show what wasmux adds.

/// One exported `(i64) -> i64` function, instantiated with wasmi's defaults.
pub struct Baseline {
    store: wasmi::Store<()>,
    func: wasmi::TypedFunc<i64, i64>,
}

impl Baseline {
    /// Panics on a bad module: benchmark set-up, not a user path.
    pub fn new(wasm: &[u8], func: &str) -> Self {
        let engine = wasmi::Engine::default();
        let module = wasmi::Module::new(&engine, wasm).expect("benchmark module compiles");
        let mut store = wasmi::Store::new(&engine, ());
        let instance = wasmi::Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .expect("benchmark module instantiates");
        let func = instance
            .get_typed_func::<i64, i64>(&store, func)
            .expect("benchmark function is exported as (i64) -> i64");
        Baseline { store, func }
    }

    pub fn call(&mut self, arg: i64) -> i64 {
        self.func
            .call(&mut self.store, arg)
            .expect("benchmark call")
    }
}
