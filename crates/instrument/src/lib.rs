//! wasm -> wasm rewriting that gives every engine the same limits (DESIGN.md, "Limits").
//!
//! [`instrument`] validates a core module and rewrites it according to [`Options`]:
//!
//! - **Fuel** (`fuel`). A mutable `i64` global imported as [`RUNTIME_MODULE`].[`FUEL_IMPORT`]
//!   holds the remaining fuel: the host makes one per store, so that every instance of the store
//!   draws from the same tank and a call that runs through several linked modules is charged
//!   once, in full. It is the first import of the section, global index 0; the module's own
//!   globals move up by one. The host may call the exported [`FUEL_SET_EXPORT`] and
//!   [`FUEL_GET_EXPORT`] to fill and read the tank; exported functions rather than an exported global so that engines without a
//!   global-access API (wasm3) work too. The value is an unsigned 64-bit count carried in an
//!   `i64`. Each function body is split into straight-line segments: a segment ends after every
//!   control instruction (block, loop, if, else, end, br, br_if, br_table, return, calls,
//!   unreachable, throw, ...). At the start of a segment the sum of the [`cost::cost`] of its
//!   instructions is charged; if less remains, the rewritten code calls the imported
//!   [`OUT_OF_FUEL_IMPORT`] (which traps). Charging depends only on which instructions run, so
//!   the same execution consumes the same fuel on every engine. **Cost is charged per segment
//!   before the segment executes**: a trap in the middle of a segment has already paid for the
//!   whole segment, and a segment that cannot be paid for does not start at all.
//!   If the module has a start function it is removed from the start section and exported as
//!   [`START_EXPORT`] instead: the start function runs during instantiation, before the host
//!   could set any fuel, so the host instantiates, sets the fuel, then calls [`START_EXPORT`].
//! - **Interrupts** (`interrupt`). A mutable `i64` countdown global is decremented at every
//!   function entry and every loop header; when it reaches 0 it is reset to
//!   [`CHECK_INTERVAL`] and the imported [`CHECK_IMPORT`] is called, which traps to stop the
//!   guest (timeout, cancellation) or returns. Every unbounded execution passes loop headers or
//!   function entries, so the host gets control back regularly.
//!
//!   Each function body also keeps both counters in locals of its own: it loads them at entry
//!   and after every call (the callee changed the globals) and reads them from the locals. Every
//!   change of the fuel also goes to its global (write through), so the remaining fuel is exact
//!   whenever the host looks, also after a trap; the countdown needs no exactness and goes to its
//!   global only before calls. A loop's next iteration thus never waits for a load of what the
//!   previous one stored, which was most of metering's cost on JIT engines. Bodies that catch
//!   exceptions keep both counters in the globals only, since a caught exception skips the
//!   reload after the call that threw.
//! - **Memory cap** (`max_memory_pages`). Every memory the module defines gets
//!   `maximum = min(maximum, cap)`, so `memory.grow` past the cap returns -1 on every engine, as
//!   the spec says. A module whose initial size is already larger is refused
//!   ([`InstrumentError::MemoryTooLarge`]). Imported memories are left alone: the host creates
//!   them and applies the limit itself.
//! - **Post-MVP lowering** (`lower_post_mvp`), for engines whose core predates these
//!   proposals (wasm3):
//!   - sign extension (`i32.extend8_s`, `i32.extend16_s`, `i64.extend8_s/16_s/32_s`) becomes a
//!     pair of shifts, inline;
//!   - non-trapping float-to-int (`i{32,64}.trunc_sat_f{32,64}_{s,u}`) becomes a call to an
//!     injected helper that range-checks and then uses the trapping MVP conversion;
//!   - `memory.copy` (overlap-correct) and `memory.fill` become calls to injected helpers. Like
//!     the real instructions they check the whole range before writing anything, trap with an
//!     out-of-bounds *memory access* (by loading from an address no 32-bit memory contains), and
//!     accept `len == 0` at the very end of memory;
//!   - `select` with a numeric type annotation becomes plain `select`;
//!   - multi-value blocks and functions are kept as they are.
//!
//!   Not lowered, reported as [`InstrumentError::Unsupported`] with the byte offset:
//!   `memory.init`/`data.drop` and passive data segments (lowering needs a copy of the data
//!   somewhere the guest can read, and any hidden region would change the guest-visible
//!   `memory.size`); reference types and table instructions (`ref.*`, `table.*`,
//!   `elem.drop`, typed `select` of references) and a second table, because MVP has no
//!   value for a reference; SIMD, atomics, exceptions, tail calls, GC, and every other
//!   post-MVP proposal; memory64, multiple memories, shared memories and custom page sizes.
//!   There is no MVP equivalent for these short of emulating them wholesale.
//!
//! Injected code and helper functions cost no fuel; a lowered instruction costs what the
//! original instruction costs, so lowering never changes the fuel consumed. Helper loops
//! (`memory.copy`/`memory.fill`) contain interrupt checks when `interrupt` is on.
//!
//! New imports come right after the module's own function imports (before its table, memory,
//! global and tag imports, whose index spaces they do not share), so every defined function
//! moves up by the number of added function imports; calls, `ref.func`, element segments, exports, the
//! start function and the `name` section are renumbered. Injected functions (the fuel
//! accessors and lowering helpers) are appended at the end of the function index space.
//! DWARF sections (`.debug_*`) are dropped because code offsets change.
//!
//! # Shadow stack
//!
//! wasmtime and wasmer give a backtrace with a trap; wasmi and wasm3 (0.3) give none.
//! [`shadow_stack`] is a second pass, run on the output of [`instrument_reported`] with what it
//! reported, that makes the guest record its own call stack in MVP globals (no memory, no
//! imports, no index moved; nothing charged): a ring of the innermost [`SHADOW_SLOTS`] frames,
//! each a function index and the call site its caller was at, plus the byte offset of the last
//! instruction that could trap. After a trap the host calls the hidden exports
//! ([`SHADOW_DEPTH_EXPORT`], [`SHADOW_SITE_EXPORT`], [`SHADOW_FRAME_EXPORT`]), decodes them with
//! [`decode_shadow_stack`] into frames innermost first, then calls [`SHADOW_RESET_EXPORT`].
//! Frames are in the coordinates of the pass's input: [`FuncMap`] and [`origin`] take them back
//! to the user's module. On wasmi a call costs about three times as much (a recursive `fib`,
//! the worst case, see `benches/shadow.rs`); code that calls less pays less. The [`shadow`]
//! module's docs give the design and its limits (tail calls, exceptions, re-entry).

mod analyze;
mod bulk;
pub mod cost;
mod error;
mod extend;
mod helpers;
mod layout;
mod lower;
mod meter;
pub mod probe;
mod proposal;
mod read_body;
mod report;
mod rewrite;
pub mod sample;
pub mod sections;
pub mod shadow;
mod trunc_sat;

pub use error::InstrumentError;
pub use report::{Added, AddedImport, AddedKind, FuncMap, Instrumented};
use rewrite::Recorded;
pub use shadow::{
    decode_shadow_stack, shadow_stack, ShadowFrame, ShadowStack, SHADOW_DEPTH_EXPORT,
    SHADOW_FRAME_EXPORT, SHADOW_RESET_EXPORT, SHADOW_SITE_EXPORT, SHADOW_SLOTS,
};

/// What to inject. Everything is off by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Inject fuel metering (see the crate docs).
    pub fuel: bool,
    /// Inject periodic calls to the host check function.
    pub interrupt: bool,
    /// Cap every *defined* memory's maximum, in 64 KiB pages.
    pub max_memory_pages: Option<u64>,
    /// Rewrite post-MVP instructions into MVP code.
    pub lower_post_mvp: bool,
}

impl Options {
    fn changes_anything(&self) -> bool {
        self.fuel || self.interrupt || self.max_memory_pages.is_some() || self.lower_post_mvp
    }
}

/// Module name of every function the rewritten module imports.
pub const RUNTIME_MODULE: &str = "wasmux_rt";
/// Imported `[] -> []`: returns normally, or traps to stop the guest (timeout, cancellation).
pub const CHECK_IMPORT: &str = "check";
/// Imported global `(mut i64)`: the fuel tank, one per store, shared by its instances.
pub const FUEL_IMPORT: &str = "fuel";
/// Imported `[] -> []`: called when fuel runs out; the host always traps with `OutOfFuel`.
pub const OUT_OF_FUEL_IMPORT: &str = "out_of_fuel";
/// Exported `[] -> [i64]`: remaining fuel (an unsigned count carried in an `i64`).
pub const FUEL_GET_EXPORT: &str = "__wasmux_fuel_get";
/// Exported `[i64] -> []`: sets the remaining fuel.
pub const FUEL_SET_EXPORT: &str = "__wasmux_fuel_set";
/// Exported `[] -> []`, present only with fuel on and a start function in the input: the
/// module's start function, which the host calls once after setting the fuel.
pub const START_EXPORT: &str = "__wasmux_start";

/// Function entries plus loop iterations between two calls of [`CHECK_IMPORT`].
///
/// A tight loop iteration with the injected code takes about 1 ns on a fast JIT and 10 to 20 ns
/// in wasm3's interpreter, so a check comes every ~10 µs (JIT) to ~200 µs (wasm3): well inside a
/// millisecond, even for loop bodies a hundred times heavier on the JIT. A host call costs
/// roughly 20 to 100 ns, so checking adds well under 1% to the tightest loop.
pub const CHECK_INTERVAL: u32 = 10_000;

/// Validates `wasm` (all features) and rewrites it according to `opts`.
///
/// With every option off the input is returned unchanged (after validation).
pub fn instrument(wasm: &[u8], opts: &Options) -> Result<Vec<u8>, InstrumentError> {
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    validator
        .validate_all(wasm)
        .map_err(InstrumentError::from_parser)?;
    instrument_validated(wasm, opts)
}

/// [`instrument`] for a module its caller has already validated, as the wasmux facade does
/// when it loads one: validating is the costliest pass, and once is enough. The bytes must be
/// valid; that is not checked again here.
pub fn instrument_validated(wasm: &[u8], opts: &Options) -> Result<Vec<u8>, InstrumentError> {
    instrument_reported(wasm, opts).map(|out| out.wasm)
}

/// [`instrument_validated`], with what the rewrite added: its imports, its exports, and where
/// each function went.
pub fn instrument_reported(wasm: &[u8], opts: &Options) -> Result<Instrumented, InstrumentError> {
    if !opts.changes_anything() {
        return Ok(Instrumented {
            wasm: wasm.to_vec(),
            added: Added::default(),
        });
    }
    let info = analyze::analyze(wasm, opts)?;
    let layout = layout::Layout::new(&info, opts)?;
    Ok(Instrumented {
        wasm: rewrite_whole(wasm, opts, &info, &layout, None)?,
        added: layout.added(&info),
    })
}

/// The rewritten module, exactly as [`instrument_reported`] gives it; with `record`, also
/// where each instruction of the bodies it lists went.
fn rewrite_whole(
    wasm: &[u8],
    opts: &Options,
    info: &analyze::Info,
    layout: &layout::Layout,
    record: Option<&[Recorded]>,
) -> Result<Vec<u8>, InstrumentError> {
    let out = rewrite::rewrite(wasm, opts, info, layout, record)?;
    let mut drop = Vec::new();
    if layout.moved_start.is_some() {
        drop.push(sections::START);
    }
    if opts.lower_post_mvp {
        // Only memory.init and data.drop need it, and those are refused when lowering.
        drop.push(sections::DATA_COUNT);
    }
    Ok(sections::without(&out, &drop))
}

/// Where an instruction of a rewritten module came from in the module given to [`instrument`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The instruction at this byte offset of the input, in its function `func` (imports
    /// counted), or what it was lowered to.
    Input { func: u32, offset: usize },
    /// Code the rewrite added to the input's function `func`: a charge, a check, a spill.
    AddedTo { func: u32 },
    /// A function the rewrite added (a lowering helper).
    AddedFunction,
}

/// Traces byte offset `offset` of `rewritten` (what [`instrument`] made of `wasm` with `opts`)
/// back to `wasm`, by rewriting the function that holds it again and noting where each of its
/// instructions goes; cheap enough for an error path, not for every instruction of every
/// module. `None` when `offset` is not inside a function body of `rewritten`.
pub fn origin(wasm: &[u8], opts: &Options, rewritten: &[u8], offset: usize) -> Option<Origin> {
    origins(wasm, opts, rewritten, &[offset]).pop().flatten()
}

/// [`origin`] of several offsets, rewriting `wasm` once for all.
fn origins(
    wasm: &[u8],
    opts: &Options,
    rewritten: &[u8],
    offsets: &[usize],
) -> Vec<Option<Origin>> {
    let bodies = body_ranges(rewritten);
    let holding: Vec<Option<(usize, usize)>> =
        offsets.iter().map(|&o| holding_body(&bodies, o)).collect();
    if holding.iter().all(Option::is_none) {
        return vec![None; offsets.len()];
    }
    let Ok(info) = analyze::analyze(wasm, opts) else {
        return vec![None; offsets.len()];
    };
    let mut record: Vec<Recorded> = Vec::new();
    for &(body, _) in holding.iter().flatten() {
        recording(&mut record, &info, body);
    }
    let rewrote = !opts.changes_anything()
        || layout::Layout::new(&info, opts)
            .ok()
            .and_then(|layout| rewrite::rewrite(wasm, opts, &info, &layout, Some(&record)).ok())
            .is_some();
    offsets
        .iter()
        .zip(&holding)
        .map(|(&offset, &holding)| locate(opts, &info, &record, rewrote, holding?, offset))
        .collect()
}

/// Where the frames of a trap came from in `wasm`: each frame is the function index and byte
/// offset the engine gave in the module [`instrument_reported`] made of `wasm` with `opts`.
/// One rewrite, done again (so the rewritten bytes need not be kept), records the bodies the
/// frames run; with the map of functions the rewrite moved, for frames without an offset.
pub fn trace_back(
    wasm: &[u8],
    opts: &Options,
    frames: &[(Option<u32>, Option<usize>)],
) -> Result<(Vec<Option<Origin>>, FuncMap), InstrumentError> {
    let info = analyze::analyze(wasm, opts)?;
    let layout = layout::Layout::new(&info, opts)?;
    let funcs = if opts.changes_anything() {
        layout.added(&info).funcs
    } else {
        FuncMap::identity()
    };
    let mut record: Vec<Recorded> = Vec::new();
    for &(func, _) in frames {
        let input = func.and_then(|f| funcs.get(f));
        if let Some(body) = input.and_then(|f| f.checked_sub(info.imported_funcs)) {
            recording(&mut record, &info, body as usize);
        }
    }
    let rewritten = rewrite_whole(wasm, opts, &info, &layout, Some(&record))?;
    let bodies = body_ranges(&rewritten);
    let origins = frames
        .iter()
        .map(|&(_, offset)| {
            let offset = offset?;
            locate(
                opts,
                &info,
                &record,
                true,
                holding_body(&bodies, offset)?,
                offset,
            )
        })
        .collect();
    Ok((origins, funcs))
}

/// The body of `bodies` holding `offset`, and where it starts.
fn holding_body(bodies: &[std::ops::Range<usize>], offset: usize) -> Option<(usize, usize)> {
    let body = bodies.partition_point(|r| r.end <= offset);
    let range = bodies.get(body)?;
    (range.start <= offset).then_some((body, range.start))
}

/// Adds `body` to what a rewrite records, once, if it is one of the module's own.
fn recording(record: &mut Vec<Recorded>, info: &analyze::Info, body: usize) {
    if body < info.defined_funcs as usize && !record.iter().any(|(b, _)| *b == body) {
        record.push((body, Default::default()));
    }
}

/// Where `offset`, in body `body` (starting at `start`) of the rewritten module, came from.
/// `rewrote`: whether `record` was filled.
fn locate(
    opts: &Options,
    info: &analyze::Info,
    record: &[Recorded],
    rewrote: bool,
    (body, start): (usize, usize),
    offset: usize,
) -> Option<Origin> {
    if body >= info.defined_funcs as usize {
        return Some(Origin::AddedFunction);
    }
    let func = info.imported_funcs + body as u32;
    if !opts.changes_anything() {
        return Some(Origin::Input { func, offset });
    }
    if !rewrote {
        return None;
    }
    let spans = &record.iter().find(|(b, _)| *b == body)?.1;
    let at = offset - start;
    let found = spans
        .borrow()
        .iter()
        .find(|s| s.start <= at && at < s.end)
        .map(|s| s.original);
    Some(match found {
        Some(original) => Origin::Input {
            func,
            offset: original,
        },
        None => Origin::AddedTo { func },
    })
}

/// The byte ranges of the function bodies of `wasm`, in order (0 = the first defined
/// function), each from where its locals start.
fn body_ranges(wasm: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut bodies = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(wasmparser::Payload::CodeSectionEntry(f)) => bodies.push(f.range()),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    bodies
}
