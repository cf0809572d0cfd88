//! wasm3's own (typed) Rust API with nothing of wasmux in between, so benchmarks can show what
//! wasmux adds.

/// One exported `(i64) -> i64` function in its own wasm3 runtime.
pub struct Baseline {
    func: wasm3::Function<'static, i64, i64>,
}

impl Baseline {
    /// Panics on a bad module: benchmark set-up, not a user path. The runtime is leaked because
    /// wasm3's typed functions borrow it; a benchmark builds a handful of these.
    pub fn new(wasm: &[u8], func: &str) -> Self {
        let env = wasm3::Environment::new().expect("wasm3 environment");
        let runtime: &'static wasm3::Runtime = Box::leak(Box::new(
            env.create_runtime(1 << 20).expect("wasm3 runtime"),
        ));
        runtime
            .parse_and_load_module(wasm.to_vec())
            .expect("benchmark module loads");
        let func = runtime
            .find_function::<i64, i64>(func)
            .expect("benchmark function is exported as (i64) -> i64");
        Baseline { func }
    }

    pub fn call(&mut self, arg: i64) -> i64 {
        self.func.call(arg).expect("benchmark call")
    }
}
