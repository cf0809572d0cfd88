//! A WASI guest on wasmtime's own WASI (`wasmtime-wasi`'s preview1 adapter), so the WASI
//! benchmark can compare wasmux's WASI with what a plain wasmtime embedder would use.

use std::path::Path;
use wasmtime::{Engine, InstancePre, Linker, Module, Store, TypedFunc};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

/// A guest compiled and linked once; each run gets a fresh store and context.
pub struct WasiBaseline {
    engine: Engine,
    pre: InstancePre<WasiP1Ctx>,
}

/// An instantiated guest, ready for `_start`.
pub struct WasiRun {
    store: Store<WasiP1Ctx>,
    start: TypedFunc<(), ()>,
}

impl WasiBaseline {
    /// Compiles `wasm` with wasmtime's defaults (Cranelift). Panics on a bad module: benchmark
    /// set-up, not a user path.
    pub fn new(wasm: &[u8]) -> Self {
        Self::compile(Engine::default(), wasm)
    }

    /// `wasm` compiled and linked again on this baseline's engine: what a run costs before
    /// `_start` once the engine exists (wasmux keeps its engines for the process too).
    pub fn recompile(&self, wasm: &[u8]) -> Self {
        Self::compile(self.engine.clone(), wasm)
    }

    fn compile(engine: Engine, wasm: &[u8]) -> Self {
        let module = Module::new(&engine, wasm).expect("benchmark guest compiles");
        let mut linker = Linker::new(&engine);
        p1::add_to_linker_sync(&mut linker, |ctx: &mut WasiP1Ctx| ctx)
            .expect("wasmtime-wasi links");
        let pre = linker
            .instantiate_pre(&module)
            .expect("benchmark guest imports only WASI preview1");
        WasiBaseline { engine, pre }
    }

    /// Instantiates the guest with argv `args` (program name first) and `host` preopened
    /// read-write as `guest`; the standard streams are closed, as wasmux's are by default.
    pub fn instantiate(&self, args: &[&str], host: &Path, guest: &str) -> WasiRun {
        let mut wasi = WasiCtxBuilder::new();
        // File operations then run on the calling thread instead of tokio's blocking pool:
        // wasmtime-wasi's faster mode for a synchronous embedder. A preopen copies the flag when
        // it is added, so it is set first.
        wasi.args(args).allow_blocking_current_thread(true);
        wasi.preopened_dir(host, guest, FsPerms::ReadWrite)
            .expect("benchmark directory opens");
        let mut store = Store::new(&self.engine, wasi.build_p1());
        let instance = self
            .pre
            .instantiate(&mut store)
            .expect("benchmark guest instantiates");
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .expect("benchmark guest is a command");
        WasiRun { store, start }
    }
}

impl WasiRun {
    /// Runs `_start` and returns the guest's exit status (0 when it returns); panics on a trap.
    /// Borrows, so that a benchmark can drop the store outside its measurement.
    pub fn run(&mut self) -> i32 {
        match self.start.call(&mut self.store, ()) {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => exit.0,
                None => panic!("benchmark guest trapped: {e:?}"),
            },
        }
    }
}
