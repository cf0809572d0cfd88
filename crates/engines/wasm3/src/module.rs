//! A module prepared for wasm3: the bytes it will load, and what the adapter needs to know about
//! them that wasm3 0.4 does not record (export kinds, import types, memory limits).

use crate::segments::{self, Segment};
use std::any::Any;
use wasmparser::{DataKind, ElementItems, ElementKind, ExternalKind, Parser, Payload, TypeRef};
use wasmux_core::{
    CompiledModule, Error, ExportKind, ExportType, FuncType, GlobalType, MemoryType, ValType,
};

/// Deeper block nesting is refused: wasm3 compiles nested blocks recursively on the native
/// stack, lazily during calls, inside the stack headroom of `stack.rs`.
pub(crate) const MAX_NESTING: usize = 10_000;

pub(crate) struct ModuleInfo {
    /// What wasm3 parses: the module without its custom sections, which wasm3 needs none of
    /// and which no validator has checked. Kept alive as long as any instance (wasm3 points
    /// into it).
    pub wasm: Box<[u8]>,
    pub types: Vec<FuncType>,
    /// The type index of every function, imported ones first.
    pub funcs: Vec<u32>,
    pub imports: Vec<ImportDecl>,
    /// Every global, imported ones first.
    pub globals: Vec<GlobalType>,
    /// The memory the module defines (an imported one is in `imports`).
    pub memory: Option<MemoryType>,
    /// The initial size of the table the module defines.
    pub table_min: Option<u64>,
    /// Active segments, whose bounds the adapter checks (`segments.rs` says why).
    pub data: Vec<Segment>,
    pub elems: Vec<Segment>,
    pub exports: Vec<ExportDecl>,
}

pub(crate) struct ImportDecl {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

pub(crate) enum ImportKind {
    Func(u32),
    Global(GlobalType),
    Memory,
    Table,
}

pub(crate) struct ExportDecl {
    pub name: String,
    pub kind: ExportKind,
    pub index: u32,
}

impl ModuleInfo {
    /// Reads a module that `validate::check` accepted.
    pub fn parse(wasm: Box<[u8]>) -> Result<ModuleInfo, Error> {
        let mut info = ModuleInfo {
            wasm: Box::default(),
            types: Vec::new(),
            funcs: Vec::new(),
            imports: Vec::new(),
            globals: Vec::new(),
            memory: None,
            table_min: None,
            data: Vec::new(),
            elems: Vec::new(),
            exports: Vec::new(),
        };
        for payload in Parser::new(0).parse_all(&wasm) {
            match payload.map_err(invalid)? {
                Payload::TypeSection(r) => {
                    for ty in r.into_iter_err_on_gc_types() {
                        let ty = ty.map_err(invalid)?;
                        info.types.push(FuncType::new(
                            ty.params()
                                .iter()
                                .map(|&t| val_type(t))
                                .collect::<Result<Vec<_>, _>>()?,
                            ty.results()
                                .iter()
                                .map(|&t| val_type(t))
                                .collect::<Result<Vec<_>, _>>()?,
                        ));
                    }
                }
                Payload::ImportSection(r) => {
                    for import in r.into_imports() {
                        let import = import.map_err(invalid)?;
                        let kind = match import.ty {
                            TypeRef::Func(i) | TypeRef::FuncExact(i) => {
                                info.funcs.push(i);
                                ImportKind::Func(i)
                            }
                            TypeRef::Global(g) => {
                                let g = global_type(g)?;
                                info.globals.push(g);
                                ImportKind::Global(g)
                            }
                            TypeRef::Memory(_) => ImportKind::Memory,
                            TypeRef::Table(_) => ImportKind::Table,
                            TypeRef::Tag(_) => return Err(unsupported("exception tags")),
                        };
                        info.imports.push(ImportDecl {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            kind,
                        });
                    }
                }
                Payload::FunctionSection(r) => {
                    for ty in r {
                        info.funcs.push(ty.map_err(invalid)?);
                    }
                }
                Payload::MemorySection(r) => {
                    for m in r {
                        let m = m.map_err(invalid)?;
                        info.memory = Some(MemoryType {
                            minimum: m.initial,
                            maximum: m.maximum,
                        });
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r {
                        info.globals.push(global_type(g.map_err(invalid)?.ty)?);
                    }
                }
                Payload::ExportSection(r) => {
                    for e in r {
                        let e = e.map_err(invalid)?;
                        info.exports.push(ExportDecl {
                            name: e.name.to_string(),
                            kind: export_kind(e.kind),
                            index: e.index,
                        });
                    }
                }
                Payload::TableSection(r) => {
                    for t in r {
                        info.table_min = Some(t.map_err(invalid)?.ty.initial);
                    }
                }
                Payload::DataSection(r) => {
                    for d in r {
                        let d = d.map_err(invalid)?;
                        if let DataKind::Active { offset_expr, .. } = d.kind {
                            info.data.push(Segment {
                                offset: segments::offset(&offset_expr)?,
                                len: d.data.len() as u64,
                            });
                        }
                    }
                }
                Payload::ElementSection(r) => {
                    for e in r {
                        let e = e.map_err(invalid)?;
                        if let ElementKind::Active { offset_expr, .. } = e.kind {
                            let len = match e.items {
                                ElementItems::Functions(r) => r.count(),
                                ElementItems::Expressions(_, r) => r.count(),
                            };
                            info.elems.push(Segment {
                                offset: segments::offset(&offset_expr)?,
                                len: u64::from(len),
                            });
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => check_nesting(&body)?,
                _ => {}
            }
        }
        info.wasm = strip_custom_sections(&wasm).into_boxed_slice();
        Ok(info)
    }

    pub fn func_type(&self, index: u32) -> &FuncType {
        &self.types[self.funcs[index as usize] as usize]
    }

    pub fn export(&self, name: &str) -> Option<&ExportDecl> {
        self.exports.iter().find(|e| e.name == name)
    }

    pub fn export_types(&self) -> Vec<ExportType> {
        self.exports
            .iter()
            .map(|e| ExportType {
                name: e.name.clone(),
                kind: e.kind,
                func: (e.kind == ExportKind::Func).then(|| self.func_type(e.index).clone()),
            })
            .collect()
    }

    pub fn func_export_names(&self) -> Vec<String> {
        self.exports
            .iter()
            .filter(|e| e.kind == ExportKind::Func)
            .map(|e| e.name.clone())
            .collect()
    }
}

/// A module compiled for wasm3: checked, described, and loaded into a runtime per instance.
pub struct Wasm3Module {
    pub(crate) info: std::sync::Arc<ModuleInfo>,
}

impl CompiledModule for Wasm3Module {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn check_nesting(body: &wasmparser::FunctionBody<'_>) -> Result<(), Error> {
    use wasmparser::Operator;
    let mut ops = body.get_operators_reader().map_err(invalid)?;
    let mut depth = 0usize;
    while !ops.eof() {
        match ops.read().map_err(invalid)? {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(unsupported(format!(
                        "blocks nested more than {MAX_NESTING} deep (at byte offset {:#x})",
                        ops.original_position()
                    )));
                }
            }
            Operator::End => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The module's bytes without custom sections (id 0); the rest is copied unchanged.
fn strip_custom_sections(wasm: &[u8]) -> Vec<u8> {
    let mut out = wasm[..8.min(wasm.len())].to_vec();
    let mut pos = 8;
    while pos < wasm.len() {
        let start = pos;
        let id = wasm[pos];
        pos += 1;
        let (size, len) = read_leb_u32(&wasm[pos..]);
        pos = (pos + len + size as usize).min(wasm.len());
        if id != 0 {
            out.extend_from_slice(&wasm[start..pos]);
        }
    }
    out
}

/// A LEB128 u32 and how many bytes it took (the module is validated, so it is well formed).
fn read_leb_u32(bytes: &[u8]) -> (u32, usize) {
    let mut value = 0u32;
    for (i, &b) in bytes.iter().enumerate().take(5) {
        value |= u32::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    (value, bytes.len().min(5))
}

fn val_type(t: wasmparser::ValType) -> Result<ValType, Error> {
    match t {
        wasmparser::ValType::I32 => Ok(ValType::I32),
        wasmparser::ValType::I64 => Ok(ValType::I64),
        wasmparser::ValType::F32 => Ok(ValType::F32),
        wasmparser::ValType::F64 => Ok(ValType::F64),
        other => Err(unsupported(format!("values of type {other}"))),
    }
}

fn global_type(g: wasmparser::GlobalType) -> Result<GlobalType, Error> {
    Ok(GlobalType {
        content: val_type(g.content_type)?,
        mutable: g.mutable,
    })
}

fn export_kind(kind: ExternalKind) -> ExportKind {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
        ExternalKind::Table => ExportKind::Table,
        ExternalKind::Memory => ExportKind::Memory,
        ExternalKind::Global => ExportKind::Global,
        ExternalKind::Tag => ExportKind::Tag,
    }
}

fn invalid(e: wasmparser::BinaryReaderError) -> Error {
    Error::InvalidModule {
        file: "<module>".to_string(),
        offset: e.offset(),
        message: e.message().to_string(),
    }
}

pub(crate) fn unsupported(what: impl Into<String>) -> Error {
    Error::Unsupported {
        engine: "wasm3".to_string(),
        what: what.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_sections_are_dropped() {
        let wasm =
            wat::parse_str(r#"(module (@custom "x" "payload") (func (export "f")))"#).unwrap();
        let stripped = strip_custom_sections(&wasm);
        assert!(stripped.len() < wasm.len());
        wasmparser::Validator::new()
            .validate_all(&stripped)
            .unwrap();
        assert!(!stripped.windows(7).any(|w| w == b"payload"));
    }
}
