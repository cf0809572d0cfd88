//! Probes: calls to host functions at every function entry and exit of the guest, and around
//! its calls to imported (host) functions, for profilers and tracers. A pass of its own, run on
//! the output of [`crate::instrument_reported`] (or on any module), so that the code it adds is
//! never charged fuel and the limits pass need not know it.
//!
//! Every probe is an import of module [`PROBE_MODULE`] taking the function index first, as the
//! user's module numbers it (through the earlier rewrite's [`FuncMap`](crate::FuncMap)), then,
//! with [`ProbeOptions::values`], the values as `i64`s: an `i32` zero-extended, an `f32` or `f64`
//! as its bits, a `v128` or a reference as 0 (too wide, or opaque). Names say what and how many:
//!
//! - `enter{N}` (func, N parameters) at the entry of a function with N parameters;
//! - `exit{N}` (func, N results) when it returns with N results (`return`, the final `end`),
//!   and `exit0` before a tail call, which returns nothing of its own;
//! - `host_enter{N}` / `host_exit{N}` (import, N values) around a direct call to an imported
//!   function, with [`ProbeOptions::host_calls`].
//!
//! Without [`ProbeOptions::values`] only `enter0` and `exit0` (and `host_enter0`,
//! `host_exit0`) exist. Functions the earlier rewrite added (its helpers) get no probes.
//!
//! Not seen: a frame an exception unwinds skips its `exit`, and a trap skips every `exit`; a
//! host keeping a stack of frames resets it after a call ends abnormally. Calls to imported
//! functions through a table (`call_indirect`) are not wrapped.

use std::collections::{BTreeSet, HashMap};

use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::{
    EntityType, Function, ImportSection, Instruction as I, SectionId, TypeSection, ValType,
};
use wasmparser::{CompositeInnerType, FunctionBody, Operator, Parser, Payload, TypeRef};

use crate::extend::{self, Additions};
use crate::read_body::read_locals;
use crate::report::{Added, AddedImport, AddedKind, Instrumented};
use crate::InstrumentError;

/// The module name of every probe import.
pub const PROBE_MODULE: &str = "wasmux_probe";

/// Which probes to add.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProbeOptions {
    /// Pass parameters and results (tracing); without, only the function index (profiling).
    pub values: bool,
    /// Also probe direct calls to imported functions.
    pub host_calls: bool,
}

/// Adds probes to `wasm` (a valid module), whose functions `earlier` (what an earlier rewrite
/// added, or [`Added::default`] for none) maps to the user's.
pub fn probe(
    wasm: &[u8],
    opts: &ProbeOptions,
    earlier: &Added,
) -> Result<Instrumented, InstrumentError> {
    let scan = Scan::new(wasm)?;
    if scan.defined.is_empty() {
        return Ok(Instrumented {
            wasm: wasm.to_vec(),
            added: Added::default(),
        });
    }
    let plan = Plan::new(&scan, opts, earlier);
    let mut pass = ProbePass {
        scan: &scan,
        plan: &plan,
        opts,
        earlier,
        next_body: 0,
    };
    let wasm = extend::run(&mut pass, wasm)?;
    let funcs = extend::func_map(scan.imported, plan.shift(), scan.defined.len() as u32);
    let imports = plan
        .imports
        .iter()
        .map(|p| AddedImport {
            module: PROBE_MODULE.to_string(),
            name: p.name.clone(),
            kind: AddedKind::Func {
                params: p.params(),
                results: vec![],
            },
        })
        .collect();
    Ok(Instrumented {
        wasm,
        added: Added {
            imports,
            exports: vec![],
            funcs,
        },
    })
}

/// What the pass needs to know of the input.
struct Scan {
    /// Function types by type index (`None` for other composite types).
    types: Vec<Option<(Vec<wasmparser::ValType>, Vec<wasmparser::ValType>)>>,
    /// Type index of each imported function.
    imported_types: Vec<u32>,
    imported: u32,
    /// Type index of each defined function.
    defined: Vec<u32>,
    /// Whether the input has an import section.
    has_imports: bool,
}

impl Scan {
    fn new(wasm: &[u8]) -> Result<Scan, InstrumentError> {
        let err = InstrumentError::from_parser;
        let mut scan = Scan {
            types: vec![],
            imported_types: vec![],
            imported: 0,
            defined: vec![],
            has_imports: false,
        };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(err)? {
                Payload::TypeSection(section) => {
                    for group in section {
                        for sub in group.map_err(err)?.types() {
                            scan.types.push(match &sub.composite_type.inner {
                                CompositeInnerType::Func(f) => {
                                    Some((f.params().to_vec(), f.results().to_vec()))
                                }
                                _ => None,
                            });
                        }
                    }
                }
                Payload::ImportSection(section) => {
                    scan.has_imports = true;
                    for import in section.into_imports() {
                        let import = import.map_err(err)?;
                        InstrumentError::refuse_import_from(PROBE_MODULE, &import)?;
                        if let TypeRef::Func(ty) | TypeRef::FuncExact(ty) = import.ty {
                            scan.imported_types.push(ty);
                        }
                    }
                }
                Payload::FunctionSection(section) => {
                    for ty in section {
                        scan.defined.push(ty.map_err(err)?);
                    }
                }
                _ => {}
            }
        }
        scan.imported = scan.imported_types.len() as u32;
        Ok(scan)
    }

    fn func_type(&self, ty: u32) -> (&[wasmparser::ValType], &[wasmparser::ValType]) {
        match self.types.get(ty as usize) {
            Some(Some((p, r))) => (p, r),
            _ => (&[], &[]),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    Enter,
    Exit,
    HostEnter,
    HostExit,
}

/// One probe import: its kind and how many values it takes after the function index.
struct ProbeImport {
    name: String,
    values: usize,
}

impl ProbeImport {
    fn params(&self) -> Vec<ValType> {
        std::iter::once(ValType::I32)
            .chain(std::iter::repeat_n(ValType::I64, self.values))
            .collect()
    }
}

/// The imports and types the probes need, and where they go.
struct Plan {
    imports: Vec<ProbeImport>,
    /// Function index of each probe, by kind and value count.
    index: HashMap<(Kind, usize), u32>,
    /// Type index of each probe import, in import order.
    types: Vec<u32>,
    /// Added types: value counts, each `(i32, i64 * n) -> ()`.
    new_types: Vec<usize>,
}

impl Plan {
    fn new(scan: &Scan, opts: &ProbeOptions, earlier: &Added) -> Plan {
        let count = |n: usize| if opts.values { n } else { 0 };
        let mut wanted = BTreeSet::new();
        for (i, &ty) in scan.defined.iter().enumerate() {
            if earlier.funcs.get(scan.imported + i as u32).is_none() {
                continue;
            }
            let (params, results) = scan.func_type(ty);
            wanted.insert((Kind::Enter, count(params.len())));
            wanted.insert((Kind::Exit, count(results.len())));
            // A tail call's exit carries no values.
            wanted.insert((Kind::Exit, 0));
        }
        if opts.host_calls {
            for (f, &ty) in scan.imported_types.iter().enumerate() {
                if earlier.funcs.get(f as u32).is_none() {
                    continue;
                }
                let (params, results) = scan.func_type(ty);
                wanted.insert((Kind::HostEnter, count(params.len())));
                wanted.insert((Kind::HostExit, count(results.len())));
            }
        }
        let first_type = scan.types.len() as u32;
        let mut plan = Plan {
            imports: vec![],
            index: HashMap::new(),
            types: vec![],
            new_types: vec![],
        };
        for (kind, values) in wanted {
            let name = match kind {
                Kind::Enter => "enter",
                Kind::Exit => "exit",
                Kind::HostEnter => "host_enter",
                Kind::HostExit => "host_exit",
            };
            let ty = match plan.new_types.iter().position(|&n| n == values) {
                Some(p) => p,
                None => {
                    plan.new_types.push(values);
                    plan.new_types.len() - 1
                }
            };
            plan.index
                .insert((kind, values), scan.imported + plan.imports.len() as u32);
            plan.types.push(first_type + ty as u32);
            plan.imports.push(ProbeImport {
                name: format!("{name}{values}"),
                values,
            });
        }
        plan
    }

    fn shift(&self) -> u32 {
        self.imports.len() as u32
    }
}

struct ProbePass<'a> {
    scan: &'a Scan,
    plan: &'a Plan,
    opts: &'a ProbeOptions,
    earlier: &'a Added,
    next_body: usize,
}

impl Additions for ProbePass<'_> {
    /// The import section, where the input has none; a module with functions always has a
    /// type section.
    fn creates(&self, id: SectionId) -> bool {
        id == SectionId::Import && !self.scan.has_imports
    }

    fn add_types(&self, types: &mut TypeSection) {
        for &n in &self.plan.new_types {
            let params = ProbeImport {
                name: String::new(),
                values: n,
            }
            .params();
            types.ty().function(params, []);
        }
    }

    fn add_func_imports(&self, imports: &mut ImportSection) {
        for (p, &ty) in self.plan.imports.iter().zip(&self.plan.types) {
            imports.import(PROBE_MODULE, &p.name, EntityType::Function(ty));
        }
    }
}

impl ProbePass<'_> {
    /// The user's index of input function `func`, if it is the user's.
    fn user_index(&self, func: u32) -> Option<u32> {
        self.earlier.funcs.get(func)
    }

    fn probe_index(&self, kind: Kind, values: usize) -> u32 {
        let values = if self.opts.values { values } else { 0 };
        // Plan::new added every probe a body can ask for.
        self.plan.index[&(kind, values)]
    }
}

impl Reencode for ProbePass<'_> {
    type Error = InstrumentError;

    fn function_index(&mut self, func: u32) -> Result<u32, Error<InstrumentError>> {
        Ok(extend::moved_func(
            func,
            self.scan.imported,
            self.plan.shift(),
        ))
    }

    extend::added_sections!(types imports);

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: FunctionBody<'_>,
    ) -> Result<(), Error<InstrumentError>> {
        let body = self.next_body;
        self.next_body += 1;
        let input_index = self.scan.imported + body as u32;
        let f = match self.user_index(input_index) {
            Some(user) => self.probed_body(&func, body, user)?,
            None => {
                let mut f = self.new_function_with_parsed_locals(&func)?;
                let mut reader = func.get_operators_reader()?;
                while !reader.eof() {
                    f.instruction(&self.parse_instruction(&mut reader)?);
                }
                f
            }
        };
        code.function(&f);
        Ok(())
    }
}

impl ProbePass<'_> {
    fn val_types(
        &mut self,
        types: &[wasmparser::ValType],
    ) -> Result<Vec<ValType>, Error<InstrumentError>> {
        types.iter().map(|&t| self.val_type(t)).collect()
    }

    /// The parameter and result types of the imported function a direct call reaches, if
    /// that call gets host probes.
    fn wrapped_call(
        &mut self,
        op: &Operator<'_>,
    ) -> Result<Option<WrappedCall>, Error<InstrumentError>> {
        let Operator::Call { function_index } = *op else {
            return Ok(None);
        };
        if !self.opts.host_calls || function_index >= self.scan.imported {
            return Ok(None);
        }
        let Some(user) = self.user_index(function_index) else {
            return Ok(None);
        };
        let ty = self.scan.imported_types[function_index as usize];
        let (p, r) = self.scan.func_type(ty);
        Ok(Some((user, self.val_types(p)?, self.val_types(r)?)))
    }

    /// Calls probe `kind` for `func` with the values on top of the stack (of `types`), which
    /// stay there: moved to spare locals, passed, and pushed back.
    fn probe_with_stack(
        &self,
        f: &mut Function,
        temps: &Temps,
        kind: Kind,
        func: u32,
        types: &[ValType],
    ) {
        let probe = self.probe_index(kind, types.len());
        if !self.opts.values || types.is_empty() {
            f.instruction(&I::I32Const(func as i32));
            f.instruction(&I::Call(probe));
            return;
        }
        // The index goes under the values: store them, push the index, push them back.
        let locals = temps.locals(types);
        for &l in locals.iter().rev() {
            f.instruction(&I::LocalSet(l));
        }
        f.instruction(&I::I32Const(func as i32));
        for (&ty, &l) in types.iter().zip(&locals) {
            push_as_i64(f, ty, l);
        }
        f.instruction(&I::Call(probe));
        for &l in &locals {
            f.instruction(&I::LocalGet(l));
        }
    }

    fn probed_body(
        &mut self,
        func: &FunctionBody<'_>,
        body_index: usize,
        user: u32,
    ) -> Result<Function, Error<InstrumentError>> {
        let (params, results) = self.scan.func_type(self.scan.defined[body_index]);
        let params = self.val_types(params)?;
        let results = self.val_types(results)?;
        let (mut locals, declared) = read_locals(self, func, params.len() as u32)?;
        // Spare locals for the largest set of values of each type one probe site moves.
        let mut temps = Temps::new(declared);
        if self.opts.values {
            temps.need(&results);
            let mut reader = func.get_operators_reader()?;
            while !reader.eof() {
                if let Some((_, p, r)) = self.wrapped_call(&reader.read()?)? {
                    temps.need(&p);
                    temps.need(&r);
                }
            }
        }
        locals.extend(temps.declarations());
        let mut f = Function::new(locals);
        // Entry: the parameters are locals already.
        f.instruction(&I::I32Const(user as i32));
        if self.opts.values {
            for (i, &ty) in params.iter().enumerate() {
                push_as_i64(&mut f, ty, i as u32);
            }
        }
        f.instruction(&I::Call(self.probe_index(Kind::Enter, params.len())));
        let mut depth = 0usize;
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            match &op {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::Try { .. }
                | Operator::TryTable { .. } => depth += 1,
                Operator::End if depth == 0 => {
                    self.probe_with_stack(&mut f, &temps, Kind::Exit, user, &results);
                }
                Operator::End => depth -= 1,
                Operator::Return => {
                    self.probe_with_stack(&mut f, &temps, Kind::Exit, user, &results);
                }
                Operator::ReturnCall { .. }
                | Operator::ReturnCallIndirect { .. }
                | Operator::ReturnCallRef { .. } => {
                    f.instruction(&I::I32Const(user as i32));
                    f.instruction(&I::Call(self.probe_index(Kind::Exit, 0)));
                }
                _ => {}
            }
            let host_call = self.wrapped_call(&op)?;
            let instruction = self.instruction(op)?;
            match host_call {
                Some((import, p, r)) => {
                    self.probe_with_stack(&mut f, &temps, Kind::HostEnter, import, &p);
                    f.instruction(&instruction);
                    self.probe_with_stack(&mut f, &temps, Kind::HostExit, import, &r);
                }
                None => {
                    f.instruction(&instruction);
                }
            }
        }
        Ok(f)
    }
}

/// A direct call to an imported function that gets host probes: the import's index as the
/// user's module numbers it, its parameter types and its result types.
type WrappedCall = (u32, Vec<ValType>, Vec<ValType>);

/// Spare locals, by type, for values moved off the stack around a probe: enough of each type
/// for the site that moves the most; every site reuses them, one at a time.
struct Temps {
    first: u32,
    by_type: Vec<(ValType, u32)>,
}

impl Temps {
    fn new(first: u32) -> Temps {
        Temps {
            first,
            by_type: vec![],
        }
    }

    fn need(&mut self, types: &[ValType]) {
        let mut counts: Vec<(ValType, u32)> = vec![];
        for &ty in types {
            match counts.iter_mut().find(|(t, _)| *t == ty) {
                Some((_, n)) => *n += 1,
                None => counts.push((ty, 1)),
            }
        }
        for (ty, n) in counts {
            match self.by_type.iter_mut().find(|(t, _)| *t == ty) {
                Some((_, have)) => *have = (*have).max(n),
                None => self.by_type.push((ty, n)),
            }
        }
    }

    fn declarations(&self) -> Vec<(u32, ValType)> {
        self.by_type.iter().map(|&(ty, n)| (n, ty)).collect()
    }

    /// The locals for `types`, in order: the n-th value of a type takes that type's n-th
    /// spare local.
    fn locals(&self, types: &[ValType]) -> Vec<u32> {
        let mut used: Vec<(ValType, u32)> = vec![];
        types
            .iter()
            .map(|&ty| {
                let mut base = self.first;
                for &(t, n) in &self.by_type {
                    if t == ty {
                        break;
                    }
                    base += n;
                }
                let k = match used.iter_mut().find(|(t, _)| *t == ty) {
                    Some((_, k)) => {
                        *k += 1;
                        *k - 1
                    }
                    None => {
                        used.push((ty, 1));
                        0
                    }
                };
                base + k
            })
            .collect()
    }
}

/// Pushes `local` as an `i64`, as the probes take values.
fn push_as_i64(f: &mut Function, ty: ValType, local: u32) {
    match ty {
        ValType::I32 => {
            f.instruction(&I::LocalGet(local));
            f.instruction(&I::I64ExtendI32U);
        }
        ValType::I64 => {
            f.instruction(&I::LocalGet(local));
        }
        ValType::F32 => {
            f.instruction(&I::LocalGet(local));
            f.instruction(&I::I32ReinterpretF32);
            f.instruction(&I::I64ExtendI32U);
        }
        ValType::F64 => {
            f.instruction(&I::LocalGet(local));
            f.instruction(&I::I64ReinterpretF64);
        }
        ValType::V128 | ValType::Ref(_) => {
            f.instruction(&I::I64Const(0));
        }
    };
}
