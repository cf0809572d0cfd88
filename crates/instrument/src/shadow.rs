//! A shadow stack: the guest records its own call stack in globals, so that a host whose
//! engine gives no backtrace (wasmi, wasm3) can still say where a trap happened.
//!
//! [`shadow_stack`] rewrites a module (normally what [`instrument_reported`](crate::instrument_reported)
//! made, run after it) using MVP instructions only (mutable globals, `br_table`, calls: no
//! memory, no reference types, no bulk memory), so the output of a lowered module stays MVP.
//!
//! **What is added.** Globals `depth` (`i32`), `site` (`i32`) and a ring of
//! [`SHADOW_SLOTS`] `i64` slots, appended after the module's globals; a few functions appended
//! after its functions (no index of the module moves, nothing is imported), four of them
//! exported under `__wasmux_shadow_*` names.
//!
//! **What each function does.** Every function the user wrote (the earlier rewrite's
//! [`FuncMap`] says which; its own helpers are left alone, they have no frame
//! worth showing) saves `depth` in a local at entry and calls the push helper with its index:
//! slot `depth % SLOTS` gets `(func << 32) | site` and `depth` goes up by one. `site` then still
//! holds what the caller stored before the call: the call's byte offset. Before every
//! instruction that may trap or call (loads, stores, atomics, integer division and remainder,
//! trapping float-to-int conversions, `unreachable`, calls, table, reference, GC and exception
//! instructions) the function stores that instruction's byte offset *in the input* in `site`.
//! Every exit (`return`, the final `end`, a branch to the function's label: the body runs
//! inside a block so that such a branch lands on the exit code) puts `depth` back from the
//! local, so whatever an exit was skipped by is forgotten at the next one. A function that
//! can neither trap nor call is left alone: it is never running when a trap happens.
//!
//! After a trap, `depth` counts the frames that were running, slot `d % SLOTS` holds the frame
//! pushed at depth `d` with its caller's call site, and `site` is the trapping instruction:
//! [`decode_shadow_stack`] turns these into frames, innermost first. Only the innermost
//! [`SHADOW_SLOTS`] frames are kept; deeper stacks report how many were omitted. A frame
//! pushed `SLOTS` levels down overwrites a slot whose frame still runs, so it keeps what the
//! slot held in a second local and puts it back at exit (only then: the check is one compare
//! at each exit). A trap leaves `depth` where it was: the host reads the stack, then calls
//! [`SHADOW_RESET_EXPORT`].
//!
//! A trap in a function left alone (a host import, a helper of the earlier rewrite such as
//! a lowered `memory.fill`) shows as the calling user function at that call.
//!
//! **Cost.** No fuel (the earlier rewrite metered the input; nothing here is charged). Per
//! call: the push (a helper call and a `br_table`) and about fifteen instructions at entry
//! and exit; per potentially trapping instruction: two. Measured on wasmi with
//! `benches/shadow.rs`, a recursive `fib(25)` (about 240,000 calls, nothing else) takes
//! 7.9 ms as it is and 25.6 ms with the shadow stack (some 70 ns more per call: about 30 for
//! the helper call, 20 for the `br_table`, 15 for the rest); with fuel and interrupt checks
//! 21 ms, and 32 ms with both. An inline push would save the helper call but copy the
//! `br_table` and its `SLOTS` arms (some 600 bytes) into every function.
//!
//! **Limits.**
//! - A tail call (`return_call*`) replaces the caller's frame, as on engines with native
//!   backtraces: the callee is recorded at the caller's level with the caller's caller's call
//!   site. A `return_call_indirect` or `return_call_ref` that traps itself (null entry, wrong
//!   signature) is therefore reported in the function that called the one making the tail call.
//! - Exceptions unwind frames without running their exits. A function that can catch one
//!   puts `depth` back to its own level before every recorded site, so its frames stay right;
//!   but unwinding more than [`SHADOW_SLOTS`] frames past the ring's reach does not put back
//!   the slots they overwrote, and the frames further out may then show wrong functions.
//! - A host call that re-enters the guest and traps, when the host swallows the trap and
//!   returns to the guest, leaves the inner frames counted until the outer function exits.
//! - Stack switching (continuations) is recorded as calls, with no further promise.
//! - Functions are identified by index and code by byte offset in the input of this pass:
//!   map them back through the earlier rewrite's `FuncMap` and [`origin`](crate::origin).

mod body;
mod decode;
mod pass;
mod ring;
mod traps;

use wasm_encoder::{BlockType, ValType};

pub use decode::{decode_shadow_stack, ShadowFrame, ShadowStack};

use crate::analyze::Info;
use crate::layout::Signature;
use crate::{Added, FuncMap, InstrumentError, Instrumented, Options};
use body::Refs;
use pass::Shadower;
use ring::{Globals, Helper};

/// Ring slots: the innermost frames kept. A power of two, for the index mask.
pub const SHADOW_SLOTS: u32 = 64;
const SLOTS: u32 = SHADOW_SLOTS;
const _: () = assert!(SLOTS.is_power_of_two());

/// Exported `[] -> [i32]`: the number of frames running (after a trap: that were running).
pub const SHADOW_DEPTH_EXPORT: &str = "__wasmux_shadow_depth";
/// Exported `[] -> [i32]`: byte offset of the last instruction that recorded itself.
pub const SHADOW_SITE_EXPORT: &str = "__wasmux_shadow_site";
/// Exported `[i32] -> [i64]`: ring slot `k % SHADOW_SLOTS`.
pub const SHADOW_FRAME_EXPORT: &str = "__wasmux_shadow_frame";
/// Exported `[] -> []`: forgets the frames a trap left, for the next call.
pub const SHADOW_RESET_EXPORT: &str = "__wasmux_shadow_reset";

/// Adds a shadow stack to `wasm` (see the module docs). `earlier` is what the rewrite that
/// made `wasm` reported ([`Added::default`] for a module no rewrite touched): the functions its
/// map gives no input index are left as they are. `wasm` must be valid, as a rewrite's output
/// is; that is not checked again.
pub fn shadow_stack(wasm: &[u8], earlier: &Added) -> Result<Instrumented, InstrumentError> {
    let info = crate::analyze::analyze(wasm, &Options::default())?;
    let layout = ShadowLayout::new(&info, &earlier.funcs)?;
    let mut pass = Shadower {
        info: &info,
        layout: &layout,
        next_body: 0,
    };
    let wasm = crate::extend::run(&mut pass, wasm)?;
    let mut funcs = FuncMap::default();
    funcs.push(layout.first_helper, Some(0));
    funcs.push(Helper::ALL.len() as u32, None);
    Ok(Instrumented {
        wasm,
        added: Added {
            imports: Vec::new(),
            exports: Helper::ALL
                .iter()
                .filter_map(|h| h.export())
                .map(str::to_string)
                .collect(),
            funcs,
        },
    })
}

/// Where the added items go.
struct ShadowLayout {
    first_type: u32,
    /// Added types: the helpers' signatures, then the wrapper blocks of functions with more
    /// than one result.
    types: Vec<Signature>,
    globals: Globals,
    first_helper: u32,
    /// Type index of each helper, in [`Helper::ALL`] order.
    helper_types: Vec<u32>,
    /// For each defined function: `None` to leave it alone, or the type of its wrapper block.
    bodies: Vec<Option<BlockType>>,
}

impl ShadowLayout {
    fn new(info: &Info, earlier: &FuncMap) -> Result<ShadowLayout, InstrumentError> {
        let mut l = ShadowLayout {
            first_type: info.types,
            types: Vec::new(),
            globals: Globals {
                depth: info.globals,
                site: info.globals + 1,
                first_slot: info.globals + 2,
            },
            first_helper: info.imported_funcs + info.defined_funcs,
            helper_types: Vec::new(),
            bodies: Vec::new(),
        };
        for helper in Helper::ALL {
            let (params, results) = helper.signature();
            let ty = l.intern(params, results);
            l.helper_types.push(ty);
            if let Some(name) = helper.export() {
                if info.exports.contains(name) {
                    return Err(InstrumentError::NameClash {
                        name: name.to_string(),
                    });
                }
            }
        }
        for body in 0..info.defined_funcs {
            if earlier.get(info.imported_funcs + body).is_none() {
                l.bodies.push(None);
                continue;
            }
            let results = info.defined_func_results(body as usize);
            let wrapper = crate::extend::wrapper_block(results, |r| l.intern(Vec::new(), r))?;
            l.bodies.push(Some(wrapper));
        }
        Ok(l)
    }

    fn intern(&mut self, params: Vec<ValType>, results: Vec<ValType>) -> u32 {
        crate::extend::intern(&mut self.types, self.first_type, params, results)
    }

    fn helper_index(&self, helper: Helper) -> u32 {
        let position = Helper::ALL.iter().position(|&h| h == helper);
        self.first_helper + position.unwrap_or(0) as u32
    }

    fn refs(&self) -> Refs {
        Refs {
            globals: self.globals,
            push: self.helper_index(Helper::Push),
            restore: self.helper_index(Helper::Restore),
            frame: self.helper_index(Helper::Frame),
        }
    }
}
