//! Sampling probes: the bookkeeping of a profiler kept in the guest's own globals, so that
//! profiling costs a few instructions per call instead of a call into the host per entry and
//! exit (which costs 10 to 50 times a call of a small function on a JIT).
//!
//! [`sample`] is a pass of its own, like [`crate::probe`], run on the output of
//! [`crate::instrument_reported`] (or on any module): what it adds is never charged fuel.
//!
//! **What the guest keeps.** Appended globals: `depth` (frames running), `watch` (a level the
//! host waits to hear about, below), `countdown`, and one `i64` call counter per function the
//! user wrote. Every such function, at entry, raises `depth` (keeping its own level in a
//! local) and its counter, and counts `countdown` down; every loop header counts it down too.
//! When it reaches zero the guest calls the host's [`TICK`] with the running function and its
//! level: the host takes a sample (the time since the last one goes to the running stack) and
//! answers with the next countdown, so samples come at a steady pace whatever the code does.
//!
//! **How the host learns the stack.** A tick names only the innermost function; the frames
//! below it are named when they return. After a tick at level `d`, `watch` is `d - 1`: the
//! frame at that level calls the host's [`RESOLVE`] as it returns (one compare at every exit
//! finds out), and `watch` moves one level down; so every frame that was running at a sample
//! is named exactly once, when it ends, however many samples it was part of. A frame that
//! never returns (a trap, an exit of the guest) stays unnamed.
//!
//! **Host calls.** Around every direct call to an imported function the guest calls
//! [`HOST_ENTER`] (import, caller, level) and [`HOST_EXIT`] (import): the host takes a sample
//! on entry and charges the host function's time on exit, so time in the host is attributed
//! exactly. Calls to imported functions through a table are not seen.
//!
//! **Counts.** Call counters stay in the guest until the host calls the exported
//! [`FLUSH_EXPORT`], which hands each non-zero counter to [`COUNT`] (function, calls), clears
//! them and resets `depth` and `watch` (a trap leaves them raised).
//!
//! Functions are named as the user's module numbers them, through the earlier rewrite's
//! [`FuncMap`]; imports likewise. Functions the earlier rewrite added get nothing.
//!
//! **Limits.** A caught exception skips the exits of the frames it unwound: bodies that can
//! catch put `depth` back to their own level before every call and tick, so counts and the
//! running function stay right; the unwound frames are never named. A host function that
//! calls back into the guest has those frames counted below the caller, not below the import.

mod body;
mod pass;

use wasm_encoder::{BlockType, ValType};
use wasmparser::{Parser, Payload};

use crate::analyze::Info;
use crate::layout::Signature;
use crate::report::{AddedImport, AddedKind};
use crate::{Added, InstrumentError, Instrumented, Options};
use pass::Sampler;

/// The module name of every import the pass adds.
pub const SAMPLE_MODULE: &str = "wasmux_sample";
/// `[i32 func, i32 level] -> [i32 countdown]`: take a sample; the answer is how many entries
/// and loop headers to the next one (at least 1).
pub const TICK: &str = "tick";
/// `[i32 func, i32 level] -> []`: the frame at `level` was `func` (it is returning).
pub const RESOLVE: &str = "resolve";
/// `[i32 import, i32 caller, i32 level] -> []`: `caller`, at `level`, calls host function
/// `import`.
pub const HOST_ENTER: &str = "host_enter";
/// `[i32 import] -> []`: host function `import` returned.
pub const HOST_EXIT: &str = "host_exit";
/// `[i32 func, i64 calls] -> []`: a call counter, from [`FLUSH_EXPORT`].
pub const COUNT: &str = "count";
/// Exported `[] -> []`: hands every non-zero call counter to [`COUNT`], then clears them
/// and the stack's bookkeeping.
pub const FLUSH_EXPORT: &str = "__wasmux_sample_flush";

/// The imports in the order the pass adds them, with their signatures.
const IMPORTS: [(&str, &[ValType], &[ValType]); 5] = [
    (TICK, &[ValType::I32, ValType::I32], &[ValType::I32]),
    (RESOLVE, &[ValType::I32, ValType::I32], &[]),
    (HOST_ENTER, &[ValType::I32, ValType::I32, ValType::I32], &[]),
    (HOST_EXIT, &[ValType::I32], &[]),
    (COUNT, &[ValType::I32, ValType::I64], &[]),
];

/// Adds the sampling probes to `wasm` (valid, as a rewrite's output is), whose functions
/// `earlier` maps to the user's ([`Added::default`] for none).
pub fn sample(wasm: &[u8], earlier: &Added) -> Result<Instrumented, InstrumentError> {
    refuse_sample_imports(wasm)?;
    let info = crate::analyze::analyze(wasm, &Options::default())?;
    if info.defined_funcs == 0 {
        return Ok(Instrumented {
            wasm: wasm.to_vec(),
            added: Added::default(),
        });
    }
    let layout = SampleLayout::new(&info, earlier)?;
    let mut pass = Sampler {
        info: &info,
        layout: &layout,
        earlier,
        next_body: 0,
    };
    let output = crate::extend::run(&mut pass, wasm)?;
    let mut funcs = crate::extend::func_map(
        info.imported_funcs,
        IMPORTS.len() as u32,
        info.defined_funcs,
    );
    funcs.push(HELPERS, None);
    Ok(Instrumented {
        wasm: output,
        added: Added {
            imports: IMPORTS
                .iter()
                .map(|(name, params, results)| AddedImport {
                    module: SAMPLE_MODULE.to_string(),
                    name: name.to_string(),
                    kind: AddedKind::Func {
                        params: params.to_vec(),
                        results: results.to_vec(),
                    },
                })
                .collect(),
            exports: vec![FLUSH_EXPORT.to_string()],
            funcs,
        },
    })
}

/// Refuses a module that imports from [`SAMPLE_MODULE`] itself.
fn refuse_sample_imports(wasm: &[u8]) -> Result<(), InstrumentError> {
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::ImportSection(section) = payload.map_err(InstrumentError::from_parser)? {
            for import in section.into_imports() {
                let import = import.map_err(InstrumentError::from_parser)?;
                InstrumentError::refuse_import_from(SAMPLE_MODULE, &import)?;
            }
        }
    }
    Ok(())
}

/// Added functions: the tick, exit, host-enter and flush helpers, in that order.
const HELPERS: u32 = 4;

/// The added globals.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Globals {
    pub depth: u32,
    pub watch: u32,
    pub countdown: u32,
    /// The counter of the n-th sampled body is `first_counter + n`.
    pub first_counter: u32,
}

/// Function indices of the added imports and helpers, as the rewritten bodies call them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Refs {
    pub globals: Globals,
    pub tick: u32,
    pub resolve: u32,
    pub host_enter: u32,
    pub host_exit: u32,
    pub count: u32,
    pub tick_helper: u32,
    pub exit_helper: u32,
    pub host_enter_helper: u32,
    pub flush_helper: u32,
}

/// Where the added items go.
pub(crate) struct SampleLayout {
    first_type: u32,
    /// Added types: the imports' and helpers' signatures, then wrapper blocks with more than
    /// one result.
    types: Vec<Signature>,
    /// Type index of each added import, in [`IMPORTS`] order.
    import_types: Vec<u32>,
    /// Type index of each helper.
    helper_types: Vec<u32>,
    refs: Refs,
    /// For each defined function: `None` to leave it alone, or its user index, counter
    /// global and the type of its wrapper block.
    bodies: Vec<Option<Sampled>>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Sampled {
    pub user: u32,
    pub counter: u32,
    pub wrapper: BlockType,
}

impl SampleLayout {
    fn new(info: &Info, earlier: &Added) -> Result<SampleLayout, InstrumentError> {
        if info.exports.contains(FLUSH_EXPORT) {
            return Err(InstrumentError::NameClash {
                name: FLUSH_EXPORT.to_string(),
            });
        }
        let imported = info.imported_funcs;
        let shift = IMPORTS.len() as u32;
        let first_helper = imported + shift + info.defined_funcs;
        let globals = Globals {
            depth: info.globals,
            watch: info.globals + 1,
            countdown: info.globals + 2,
            first_counter: info.globals + 3,
        };
        let mut l = SampleLayout {
            first_type: info.types,
            types: Vec::new(),
            import_types: Vec::new(),
            helper_types: Vec::new(),
            refs: Refs {
                globals,
                tick: imported,
                resolve: imported + 1,
                host_enter: imported + 2,
                host_exit: imported + 3,
                count: imported + 4,
                tick_helper: first_helper,
                exit_helper: first_helper + 1,
                host_enter_helper: first_helper + 2,
                flush_helper: first_helper + 3,
            },
            bodies: Vec::new(),
        };
        for (_, params, results) in IMPORTS {
            let ty = l.intern(params.to_vec(), results.to_vec());
            l.import_types.push(ty);
        }
        let one_i32 = l.intern(vec![ValType::I32], vec![]);
        let two_i32 = l.intern(vec![ValType::I32, ValType::I32], vec![]);
        let nothing = l.intern(vec![], vec![]);
        l.helper_types = vec![one_i32, one_i32, two_i32, nothing];
        let mut next_counter = globals.first_counter;
        for body in 0..info.defined_funcs {
            let Some(user) = earlier.funcs.get(imported + body) else {
                l.bodies.push(None);
                continue;
            };
            let results = info.defined_func_results(body as usize);
            let wrapper = crate::extend::wrapper_block(results, |r| l.intern(Vec::new(), r))?;
            let counter = next_counter;
            next_counter += 1;
            l.bodies.push(Some(Sampled {
                user,
                counter,
                wrapper,
            }));
        }
        Ok(l)
    }

    /// The bodies that get the probes, in order (their counters are consecutive globals).
    fn sampled(&self) -> impl Iterator<Item = &Sampled> {
        self.bodies.iter().flatten()
    }

    fn intern(&mut self, params: Vec<ValType>, results: Vec<ValType>) -> u32 {
        crate::extend::intern(&mut self.types, self.first_type, params, results)
    }
}
