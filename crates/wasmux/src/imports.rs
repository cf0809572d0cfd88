//! Matching a module's imports with what the host provides, before any engine is involved, so
//! that what is missing is named the same way on every engine.

use crate::interrupt::{interrupt_for_host, runtime_func, InterruptState};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasmux_core::{
    Caller, Error, FuncType, GlobalType, HostError, HostFunc, Import, ImportValue, Interrupt, Val,
    ValType,
};
use wasmux_instrument::RUNTIME_MODULE;

/// What to do with a function import nobody provides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownImports {
    /// Refuse to instantiate, naming every missing import.
    #[default]
    Reject,
    /// Link a function that traps with a message naming the import when called.
    Trap,
    /// Link a function that returns zeros of its result types.
    Default,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ImportKind {
    Func(FuncType),
    Global(GlobalType),
    Other(&'static str),
}

impl ImportKind {
    /// What the module expects, for messages: `a function (i32) -> (i32)`, `a global (mut i64)`.
    pub(crate) fn expected(&self) -> String {
        match self {
            ImportKind::Func(ty) => format!("a function {ty}"),
            ImportKind::Global(ty) => format!("a global {}", global_text(ty)),
            ImportKind::Other(kind) => format!("a {kind}"),
        }
    }
}

pub(crate) fn global_text(ty: &GlobalType) -> String {
    if ty.mutable {
        format!("(mut {})", ty.content)
    } else {
        ty.content.to_string()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ModuleImport {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

/// The imports of a (validated) module, in order.
pub(crate) fn module_imports(wasm: &[u8]) -> Result<Vec<ModuleImport>, Error> {
    let mut imports = Vec::new();
    let invalid = |e: wasmparser::BinaryReaderError| Error::InvalidModule {
        file: "<module>".into(),
        offset: e.offset(),
        message: e.message().to_string(),
    };
    let mut groups = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(invalid)? {
            wasmparser::Payload::TypeSection(reader) => {
                for group in reader {
                    groups.push(group.map_err(invalid)?);
                }
            }
            wasmparser::Payload::ImportSection(reader) => {
                // Every type takes an index; a reference to a non-function type is a GC
                // reference.
                let subs: Vec<_> = groups.iter().flat_map(|g| g.types()).collect();
                let types: Vec<Option<&wasmparser::FuncType>> = subs
                    .iter()
                    .map(|sub| match &sub.composite_type.inner {
                        wasmparser::CompositeInnerType::Func(f) => Some(f),
                        _ => None,
                    })
                    .collect();
                for import in reader.into_imports() {
                    let import = import.map_err(invalid)?;
                    let kind = match import.ty {
                        wasmparser::TypeRef::Func(i) | wasmparser::TypeRef::FuncExact(i) => {
                            ImportKind::Func(
                                types
                                    .get(i as usize)
                                    .copied()
                                    .flatten()
                                    .map(|f| func_type(f, &types))
                                    .unwrap_or_default(),
                            )
                        }
                        wasmparser::TypeRef::Memory(_) => ImportKind::Other("memory"),
                        wasmparser::TypeRef::Table(_) => ImportKind::Other("table"),
                        wasmparser::TypeRef::Global(g) => ImportKind::Global(GlobalType {
                            content: val_type(&g.content_type, &types),
                            mutable: g.mutable,
                        }),
                        wasmparser::TypeRef::Tag(_) => ImportKind::Other("tag"),
                    };
                    imports.push(ModuleImport {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        kind,
                    });
                }
            }
            wasmparser::Payload::CodeSectionStart { .. } => break,
            _ => {}
        }
    }
    Ok(imports)
}

fn func_type(ty: &wasmparser::FuncType, types: &[Option<&wasmparser::FuncType>]) -> FuncType {
    FuncType::new(
        ty.params().iter().map(|t| val_type(t, types)),
        ty.results().iter().map(|t| val_type(t, types)),
    )
}

/// A reference is typed by the top of its hierarchy: function, external, or internal (GC).
fn val_type(ty: &wasmparser::ValType, types: &[Option<&wasmparser::FuncType>]) -> ValType {
    use wasmparser::{AbstractHeapType as A, HeapType as H};
    match ty {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(r) => match r.heap_type() {
            H::Abstract { ty, .. } => match ty {
                A::Func | A::NoFunc => ValType::FuncRef,
                A::Any | A::Eq | A::I31 | A::Struct | A::Array | A::None => ValType::AnyRef,
                _ => ValType::ExternRef,
            },
            H::Concrete(i) | H::Exact(i) => {
                let is_func = i
                    .as_module_index()
                    .and_then(|i| types.get(i as usize).copied().flatten())
                    .is_some();
                if is_func {
                    ValType::FuncRef
                } else {
                    ValType::AnyRef
                }
            }
        },
    }
}

/// Host functions registered by the embedder, by (module, name).
pub(crate) type HostFuncs = HashMap<(String, String), HostFunc>;

/// How one import of a prepared module is satisfied when no instance of a linker provides it,
/// decided once when it is prepared.
#[derive(Clone, Debug)]
pub(crate) enum Link {
    /// A function of the runtime's, or a stand-in for an import nobody provides.
    Func(HostFunc),
    /// wasmux's own import (the interrupt check, out of fuel, the fuel tank), made for each
    /// store.
    Runtime,
    /// Left to the functions made for each instance; the unknown-import rule applies at
    /// instantiation if they do not provide it.
    PerInstance,
    /// Nothing the runtime has provides it: only an instance of a linker can.
    Missing,
    /// The runtime's function of this name has another type: refused unless an instance of
    /// a linker provides the import.
    Mistyped(HostFunc),
}

/// Decides how each import is linked, once, when a module is prepared. What is missing or
/// mistyped is named at instantiation, since a linker's instances may still provide it.
pub(crate) fn link_plan(
    imports: &[ModuleImport],
    provided: &HostFuncs,
    unknown: UnknownImports,
    per_instance: bool,
) -> Vec<Link> {
    imports
        .iter()
        .map(|import| {
            if import.module == RUNTIME_MODULE {
                return Link::Runtime;
            }
            if !matches!(import.kind, ImportKind::Func(_)) {
                // Only functions come from the host; a memory, table or global comes from
                // another instance.
                return Link::Missing;
            }
            let key = (import.module.clone(), import.name.clone());
            match provided.get(&key) {
                Some(func) => match checked(import, func) {
                    Ok(func) => Link::Func(func.clone()),
                    Err(_) => Link::Mistyped(func.clone()),
                },
                None if per_instance => Link::PerInstance,
                None => standin(import, unknown).map_or(Link::Missing, Link::Func),
            }
        })
        .collect()
}

/// One instance's imports the runtime provides, in the module's import order.
pub(crate) struct InstanceLinks<'a> {
    pub per_instance: &'a HostFuncs,
    pub unknown: UnknownImports,
    pub host_calls: &'a Arc<AtomicU64>,
    pub interrupt: &'a Arc<InterruptState>,
}

impl InstanceLinks<'_> {
    /// What the runtime links for `import`: `Ok(None)` when nothing does (the caller names
    /// it among the missing), `Err` when what it has is of another type.
    pub(crate) fn resolve(
        &self,
        import: &ModuleImport,
        link: &Link,
    ) -> Result<Option<ImportValue>, Error> {
        let for_host = || interrupt_for_host(self.interrupt.clone());
        let func = match link {
            Link::Func(func) => counted(func.clone(), self.host_calls.clone(), for_host()),
            Link::Runtime => runtime_func(&import.name, self.interrupt)?,
            Link::Missing => return Ok(None),
            Link::Mistyped(func) => return Err(checked(import, func).unwrap_err()),
            Link::PerInstance => {
                let key = (import.module.clone(), import.name.clone());
                match self.per_instance.get(&key) {
                    Some(func) => counted(
                        checked(import, func)?.clone(),
                        self.host_calls.clone(),
                        for_host(),
                    ),
                    None => match standin(import, self.unknown) {
                        Some(func) => func,
                        None => return Ok(None),
                    },
                }
            }
        };
        Ok(Some(ImportValue::Func(func)))
    }
}

/// An import as a `Store::instantiate` entry.
pub(crate) fn import_of(import: &ModuleImport, value: ImportValue) -> Import {
    Import {
        module: import.module.clone(),
        name: import.name.clone(),
        value,
    }
}

/// `func`, if its type is the one the module imports.
fn checked<'f>(import: &ModuleImport, func: &'f HostFunc) -> Result<&'f HostFunc, Error> {
    match &import.kind {
        ImportKind::Func(want) if *want == func.ty => Ok(func),
        want => Err(Error::MistypedImport {
            module: import.module.clone(),
            name: import.name.clone(),
            expected: want.expected(),
            found: format!("a function {}", func.ty),
        }),
    }
}

/// What the unknown-import rule links for a function nobody provides; `None` if it refuses.
fn standin(import: &ModuleImport, unknown: UnknownImports) -> Option<HostFunc> {
    match &import.kind {
        ImportKind::Func(want) if unknown != UnknownImports::Reject => {
            Some(placeholder(import, want.clone(), unknown))
        }
        _ => None,
    }
}

pub(crate) fn describe(import: &ModuleImport) -> String {
    let what = match &import.kind {
        ImportKind::Func(ty) => format!("func {ty}"),
        ImportKind::Global(ty) => format!("global {}", global_text(ty)),
        ImportKind::Other(k) => k.to_string(),
    };
    format!("{}::{} ({what})", import.module, import.name)
}

/// The embedder's function, counted for the call statistics and given the instance's
/// interrupt so that it can stop blocking when the guest must stop.
fn counted(func: HostFunc, calls: Arc<AtomicU64>, interrupt: Interrupt) -> HostFunc {
    let inner = func.clone();
    HostFunc::new(func.ty, move |caller, params, results| {
        calls.fetch_add(1, Ordering::Relaxed);
        let mut caller = Interruptible {
            inner: caller,
            interrupt: &interrupt,
        };
        inner.call(&mut caller, params, results)
    })
}

/// The engine's caller plus the instance's interrupt.
struct Interruptible<'a> {
    inner: &'a mut dyn Caller,
    interrupt: &'a Interrupt,
}

impl Caller for Interruptible<'_> {
    fn memory(&mut self) -> Option<&mut [u8]> {
        self.inner.memory()
    }

    fn interrupt(&self) -> Option<Interrupt> {
        Some(self.interrupt.clone())
    }
}

fn placeholder(import: &ModuleImport, ty: FuncType, unknown: UnknownImports) -> HostFunc {
    let label = format!("{}::{}", import.module, import.name);
    let result_types = ty.results.clone();
    HostFunc::new(ty, move |_, _, results| match unknown {
        UnknownImports::Default => {
            for (slot, ty) in results.iter_mut().zip(&result_types) {
                *slot = Val::default_for(*ty);
            }
            Ok(())
        }
        _ => Err(HostError::Message(format!(
            "called the unknown import {label}, which nothing provides"
        ))),
    })
}
