//! wasmtime's own API with nothing of wasmux in between, so benchmarks can show what wasmux adds.

#[cfg(feature = "wasi-baseline")]
pub mod wasi;

/// One exported `(i64) -> i64` function, compiled by Cranelift with wasmtime's defaults.
pub struct Baseline {
    store: wasmtime::Store<()>,
    func: wasmtime::TypedFunc<i64, i64>,
}

impl Baseline {
    /// Panics on a bad module: benchmark set-up, not a user path.
    pub fn new(wasm: &[u8], func: &str) -> Self {
        Self::metered(wasm, func, false, false)
    }

    /// With wasmtime's own fuel metering and/or epoch interruption switched on (effectively
    /// unlimited), to compare their cost with wasmux's engine-neutral limits.
    pub fn metered(wasm: &[u8], func: &str, fuel: bool, epochs: bool) -> Self {
        let mut config = wasmtime::Config::new();
        config.consume_fuel(fuel).epoch_interruption(epochs);
        let engine = wasmtime::Engine::new(&config).expect("benchmark engine configuration");
        let module = wasmtime::Module::new(&engine, wasm).expect("benchmark module compiles");
        let mut store = wasmtime::Store::new(&engine, ());
        if fuel {
            store.set_fuel(u64::MAX / 2).expect("fuel is on");
        }
        if epochs {
            store.set_epoch_deadline(u64::MAX / 2);
        }
        let instance = wasmtime::Instance::new(&mut store, &module, &[])
            .expect("benchmark module instantiates");
        let func = instance
            .get_typed_func::<i64, i64>(&mut store, func)
            .expect("benchmark function is exported as (i64) -> i64");
        Baseline { store, func }
    }

    pub fn call(&mut self, arg: i64) -> i64 {
        self.func
            .call(&mut self.store, arg)
            .expect("benchmark call")
    }
}
