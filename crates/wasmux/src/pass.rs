//! Rewrites an embedder adds to wasmux's own: profiling probes, tracing, a shadow stack. They
//! run after the rewrite for the limits, on its output, so what they add is never charged fuel,
//! and wasmux links what they import like any other import: through the runtime's host
//! functions (`RuntimeBuilder::func`), under a module name of the pass's choosing. wasmux
//! knows nothing of what a pass is for.

use std::sync::Arc;
use wasmux_instrument::Options;
pub use wasmux_instrument::{
    Added, AddedImport, AddedKind, FuncMap, InstrumentError, Instrumented,
};

/// A wasm-to-wasm rewrite run on every module a runtime prepares.
///
/// Exports a pass adds for the host's own use should start with `__wasmux_`: instances hide
/// those from the guest's exports.
pub trait Pass: Send + Sync {
    /// The pass and its settings, in words: part of the compile cache's key and of AOT files,
    /// so that code rewritten otherwise is never reused. Change it when the output changes.
    fn label(&self) -> String;

    /// Rewrites `wasm` (valid, already rewritten by wasmux for the limits). `earlier` is what
    /// the rewrites before this one added: `earlier.funcs` maps `wasm`'s function indices to
    /// the user's module, `None` for functions wasmux added, which a pass should leave alone.
    fn apply(&self, wasm: &[u8], earlier: &Added) -> Result<Instrumented, InstrumentError>;
}

/// Everything done to a module before it is compiled: wasmux's rewrite for the limits and the
/// engine, then the embedder's passes, in order.
#[derive(Clone, Default)]
pub(crate) struct Rewriting {
    pub opts: Options,
    /// The guest records its frames (`wasmux_instrument::shadow_stack`), right after the
    /// limits' rewrite, so that the offsets it records are in that rewrite's coordinates,
    /// which `wasmux_instrument::trace_back` maps to the user's module.
    pub shadow_stack: bool,
    pub passes: Vec<Arc<dyn Pass>>,
}

impl Rewriting {
    /// Only the limits' rewrite, as a runtime without passes or shadow stack does it.
    pub fn limits(opts: Options) -> Rewriting {
        Rewriting {
            opts,
            shadow_stack: false,
            passes: vec![],
        }
    }

    /// Whether the module is compiled as it is.
    pub fn changes_nothing(&self) -> bool {
        self.opts == Options::default() && !self.shadow_stack && self.passes.is_empty()
    }
}

/// What two rewrites in a row added: `later` was applied to the output of `earlier`.
pub(crate) fn combine(earlier: Added, later: Added) -> Added {
    let funcs = earlier.funcs.then(&later.funcs);
    let mut imports = earlier.imports;
    imports.extend(later.imports);
    let mut exports = earlier.exports;
    exports.extend(later.exports);
    Added {
        imports,
        exports,
        funcs,
    }
}
