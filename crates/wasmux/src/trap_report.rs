//! The frames of a trap, named as the user's module has them.
//!
//! Engines report frames in the coordinates of the code they compiled, which wasmux may have
//! rewritten for the limits (fuel, timeouts, memory caps, lowering). Here each frame gets the
//! function index and byte offset of the module the user gave, the function's name from its
//! `name` section, and the source line from its DWARF where it has some. All of this runs
//! only after a trap, from the bytes the prepared module shares with the `Module`; nothing of
//! it is kept or computed while the guest runs.

use crate::prepared::Prepared;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use wasmparser::{KnownCustom, Name, Parser, Payload};
use wasmux_core::{Backtrace, Frame, InstanceId, SourceLocation, Store};
use wasmux_instrument::{FuncMap, Options, Origin};

/// The frames of the trap `instance` just reported with `engine_frames` (innermost first),
/// in the coordinates of the code the engine ran.
///
/// wasmtime and wasmer put their frames in the trap itself. wasmi and wasm3 have no such
/// API: for them, a rewrite can have the guest record its frames in globals of its own (a
/// shadow stack, read through hidden exports after the trap); this is where they are read,
/// so that the rest of the report is the same on every engine. Until modules are rewritten
/// that way, those engines report no frames.
pub(crate) fn guest_frames(
    store: &mut dyn Store,
    called: InstanceId,
    others: &[InstanceId],
    engine_frames: Backtrace,
) -> (Backtrace, Coordinates) {
    // The called instance's frames are the outermost; an instance it called into (a linked
    // dependency) that still has frames recorded was on the way to the trap. How the two
    // interleave is not recorded: the dependency's frames are put innermost. Read (and
    // emptied for the next call) whenever the guest keeps them, and preferred: the engine
    // has none on wasm3 and wasmi, or none for a trap a host function raised on wasmer's
    // Singlepass; and these name frames in the coordinates every rewrite maps back from.
    let mut recorded = Backtrace::default();
    for &id in others.iter().filter(|&&id| id != called).chain([&called]) {
        if let Some(stack) = shadow_frames(store, id) {
            recorded.frames.extend(stack.frames);
            recorded.omitted += stack.omitted;
        }
    }
    if recorded.is_empty() && !engine_frames.is_empty() {
        return (engine_frames, Coordinates::Compiled);
    }
    (recorded, Coordinates::Limits)
}

/// Which code a backtrace's offsets and function indices are in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coordinates {
    /// The code the engine compiled: after every rewrite.
    Compiled,
    /// The output of the rewrite for the limits, before any other: where the shadow stack
    /// records them.
    Limits,
}

/// What `instance`'s shadow stack holds, and the stack emptied for the next call; `None`
/// if it has none (it was not rewritten for one) or it holds no frame.
fn shadow_frames(store: &mut dyn Store, instance: InstanceId) -> Option<Backtrace> {
    use wasmux_core::Val;
    use wasmux_instrument::{
        decode_shadow_stack, SHADOW_DEPTH_EXPORT, SHADOW_FRAME_EXPORT, SHADOW_RESET_EXPORT,
        SHADOW_SITE_EXPORT,
    };
    let get_i32 = |store: &mut dyn Store, name: &str| match store
        .call(instance, name, &[])
        .ok()?
        .as_slice()
    {
        [Val::I32(v)] => Some(*v),
        _ => None,
    };
    let depth = get_i32(store, SHADOW_DEPTH_EXPORT)?;
    let site = get_i32(store, SHADOW_SITE_EXPORT)?;
    let stack = decode_shadow_stack(depth, site, |k| {
        match store
            .call(instance, SHADOW_FRAME_EXPORT, &[Val::I32(k as i32)])
            .map_err(|_| ())?
            .as_slice()
        {
            [Val::I64(v)] => Ok(*v),
            _ => Err(()),
        }
    })
    .ok();
    // The next call starts from an empty stack, whatever this one left.
    let _ = store.call(instance, SHADOW_RESET_EXPORT, &[]);
    let stack = stack?;
    if stack.frames.is_empty() {
        return None;
    }
    Some(Backtrace {
        frames: stack
            .frames
            .iter()
            .map(|f| Frame {
                instance: Some(instance),
                func: Some(f.func),
                offset: Some(f.offset as usize),
                ..Frame::default()
            })
            .collect(),
        omitted: stack.omitted,
    })
}

/// Names `frames` (indices into `backtrace.frames`), which run code of `prepared`.
pub(crate) fn resolve(
    backtrace: &mut Backtrace,
    frames: &[usize],
    prepared: &Prepared,
    coordinates: Coordinates,
) {
    let rewriting = &prepared.runtime.shared().rewrite;
    let opts = &rewriting.opts;
    let module = display_name(&prepared.code.name);
    let Some(source) = &prepared.code.source else {
        // Code from an AOT file: the user's bytes are not at hand. Where nothing was
        // rewritten the engine's coordinates are the user's; otherwise only its names hold.
        for &i in frames {
            let frame = &mut backtrace.frames[i];
            frame.module = Some(module.clone());
            if !rewriting.changes_nothing() {
                frame.func = None;
                frame.offset = None;
            }
        }
        return;
    };
    let view = ModuleView::new(source);
    if coordinates == Coordinates::Compiled
        && (rewriting.shadow_stack || !rewriting.passes.is_empty())
    {
        // Code rewritten again after the limits (probes of a profiler): its functions are
        // traced back through what every rewrite reported (done again: the trap path only),
        // its offsets are not; where even that fails, the engine's names stand.
        let engine = prepared.runtime.shared().engine.clone();
        let funcs = crate::prepare::rewrite_reported(
            engine.as_ref(),
            &prepared.code.name,
            source,
            rewriting,
        )
        .ok()
        .map(|(_, added)| added.funcs);
        for &i in frames {
            let frame = &mut backtrace.frames[i];
            frame.module = Some(module.clone());
            frame.func = frame
                .func
                .zip(funcs.as_ref())
                .and_then(|(f, map)| map.get(f));
            frame.offset = None;
            if let Some(name) = frame.func.and_then(|f| view.names.get(&f)) {
                frame.name = Some(name.clone());
            }
            frame.name = frame.name.take().map(demangle);
        }
        return;
    }
    let mapped = Mapped::new(source, opts, backtrace, frames);
    for (k, &i) in frames.iter().enumerate() {
        let frame = &mut backtrace.frames[i];
        let (func, offset) = mapped.get(k, frame);
        frame.module = Some(module.clone());
        frame.func = func;
        frame.offset = offset;
        if let Some(name) = func.and_then(|f| view.names.get(&f)) {
            frame.name = Some(name.clone());
        } else if func.is_none() {
            // A function wasmux added: the engine's name for it is the rewrite's.
            frame.name = None;
        }
        frame.name = frame.name.take().map(demangle);
        frame.source = offset.and_then(|o| view.line(o));
    }
}

/// A Rust symbol as people read it (`trap::inner`, without its hash); other names as they are.
fn demangle(name: String) -> String {
    match rustc_demangle::try_demangle(&name) {
        Ok(symbol) => format!("{symbol:#}"),
        Err(_) => name,
    }
}

/// The module's name in a frame: its file name, as wasmtime prints `module!function`.
fn display_name(name: &str) -> String {
    Path::new(name)
        .file_name()
        .map_or_else(|| name.to_string(), |n| n.to_string_lossy().into_owned())
}

/// Frames of the code the engine ran, mapped to the user's module.
struct Mapped {
    /// By position in the frames resolved: the user's function and offset, where found.
    origins: Vec<Option<Origin>>,
    funcs: FuncMap,
    rewritten: bool,
}

impl Mapped {
    fn new(source: &[u8], opts: &Options, backtrace: &Backtrace, frames: &[usize]) -> Mapped {
        if *opts == Options::default() {
            return Mapped {
                origins: Vec::new(),
                funcs: FuncMap::identity(),
                rewritten: false,
            };
        }
        // The rewrite is deterministic: done again, it gives the bytes the engine compiled,
        // which are not kept (a copy per prepared module, for an error path).
        let frames: Vec<_> = frames
            .iter()
            .map(|&i| (backtrace.frames[i].func, backtrace.frames[i].offset))
            .collect();
        let (origins, funcs) = wasmux_instrument::trace_back(source, opts, &frames)
            .unwrap_or_else(|_| (vec![None; frames.len()], FuncMap::identity()));
        Mapped {
            origins,
            funcs,
            rewritten: true,
        }
    }

    /// The user's function index and byte offset for the `k`th frame resolved.
    fn get(&self, k: usize, frame: &Frame) -> (Option<u32>, Option<usize>) {
        if !self.rewritten {
            return (frame.func, frame.offset);
        }
        let func = frame.func.and_then(|f| self.funcs.get(f));
        match self.origins.get(k).copied().flatten() {
            Some(Origin::Input { func, offset }) => (Some(func), Some(offset)),
            // A charge or a check wasmux added (where fuel runs out, or a timeout fires).
            Some(Origin::AddedTo { func }) => (Some(func), None),
            Some(Origin::AddedFunction) => (None, None),
            None => (func, None),
        }
    }
}

/// What the user's module says about its code: function names and DWARF.
struct ModuleView<'a> {
    names: HashMap<u32, String>,
    /// Where the code section's contents start: DWARF addresses in wasm count from there.
    code_start: Option<usize>,
    dwarf: HashMap<&'static str, &'a [u8]>,
    /// Parsed on the first lookup, once per report.
    context: std::cell::OnceCell<Option<Context<'a>>>,
}

type Context<'a> = addr2line::Context<gimli::EndianSlice<'a, gimli::LittleEndian>>;

/// The DWARF sections a line lookup reads.
const DWARF_SECTIONS: [&str; 12] = [
    ".debug_abbrev",
    ".debug_addr",
    ".debug_aranges",
    ".debug_info",
    ".debug_line",
    ".debug_line_str",
    ".debug_loclists",
    ".debug_rnglists",
    ".debug_ranges",
    ".debug_str",
    ".debug_str_offsets",
    ".debug_loc",
];

impl<'a> ModuleView<'a> {
    /// Reads the sections it needs; a malformed custom section (they are not validated) is
    /// skipped, never an error: it only ever makes the report poorer.
    fn new(wasm: &'a [u8]) -> ModuleView<'a> {
        let mut view = ModuleView {
            names: HashMap::new(),
            code_start: None,
            dwarf: HashMap::new(),
            context: std::cell::OnceCell::new(),
        };
        // A function the name section does not name goes by its export name, as wasmtime
        // names it.
        let mut exported = HashMap::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload {
                Ok(Payload::CodeSectionStart { range, .. }) => view.code_start = Some(range.start),
                Ok(Payload::ExportSection(exports)) => {
                    for export in exports.into_iter().flatten() {
                        if export.kind == wasmparser::ExternalKind::Func {
                            exported.entry(export.index).or_insert(export.name);
                        }
                    }
                }
                Ok(Payload::CustomSection(section)) => {
                    if let Some(&name) = DWARF_SECTIONS.iter().find(|n| **n == section.name()) {
                        view.dwarf.insert(name, section.data());
                    } else if let KnownCustom::Name(reader) = section.as_known() {
                        view.read_names(reader);
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        for (func, name) in exported {
            view.names.entry(func).or_insert_with(|| name.to_string());
        }
        view
    }

    fn read_names(&mut self, reader: wasmparser::NameSectionReader<'_>) {
        for name in reader.into_iter().flatten() {
            if let Name::Function(map) = name {
                for naming in map.into_iter().flatten() {
                    self.names.insert(naming.index, naming.name.to_string());
                }
            }
        }
    }

    /// The source line of the instruction at byte `offset` of the module, from its DWARF.
    fn line(&self, offset: usize) -> Option<SourceLocation> {
        let address = offset.checked_sub(self.code_start?)? as u64;
        if !self.dwarf.contains_key(".debug_line") {
            return None;
        }
        let context = self.context.get_or_init(|| self.context()).as_ref()?;
        let location = context.find_location(address).ok()??;
        Some(SourceLocation {
            file: location.file?.to_string(),
            line: location.line?,
            column: location.column.filter(|&c| c > 0),
        })
    }

    fn context(&self) -> Option<Context<'a>> {
        let dwarf = gimli::Dwarf::load(|id| {
            let data = self.dwarf.get(id.name()).copied().unwrap_or(&[]);
            Ok::<_, ()>(gimli::EndianSlice::new(data, gimli::LittleEndian))
        })
        .ok()?;
        addr2line::Context::from_dwarf(dwarf).ok()
    }
}

/// Groups the frames of `backtrace` by the prepared module whose code they run and names
/// them. A frame the engine could not place in an instance belongs to the module every
/// instance of the group runs, when they all run one; otherwise it keeps the engine's names.
pub(crate) fn resolve_all(
    backtrace: &mut Backtrace,
    modules: &[(InstanceId, Arc<Prepared>)],
    coordinates: Coordinates,
) {
    let only = modules
        .first()
        .filter(|(_, first)| modules.iter().all(|(_, p)| Arc::ptr_eq(p, first)));
    let mut groups: Vec<(&Arc<Prepared>, Vec<usize>)> = Vec::new();
    for (i, frame) in backtrace.frames.iter().enumerate() {
        let prepared = match frame.instance {
            Some(id) => modules.iter().find(|(m, _)| *m == id).map(|(_, p)| p),
            None => only.map(|(_, p)| p),
        };
        let Some(prepared) = prepared else { continue };
        match groups.iter_mut().find(|(p, _)| Arc::ptr_eq(p, prepared)) {
            Some((_, frames)) => frames.push(i),
            None => groups.push((prepared, vec![i])),
        }
    }
    for (prepared, frames) in groups {
        resolve(backtrace, &frames, prepared, coordinates);
    }
}
