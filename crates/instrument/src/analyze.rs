//! First pass over a validated module: the counts the rewrite needs to place new items, and
//! every refusal (memory cap, what lowering cannot handle), so the rewrite itself cannot fail.

use std::collections::{BTreeSet, HashSet};

use wasmparser::{
    CompositeInnerType, DataKind, ElementItems, ElementKind, MemoryType, Parser, Payload, RefType,
    TableInit, TypeRef, ValType,
};

use crate::helpers::Helper;
use crate::lower::{self, Replacement};
use crate::{InstrumentError, Options};

/// What the rewrite needs to know about the input module.
#[derive(Debug, Default)]
pub(crate) struct Info {
    pub types: u32,
    /// Parameter count of each type (0 for non-function types), by type index.
    pub type_params: Vec<u32>,
    /// Result types of each type (empty for non-function types), by type index.
    pub type_results: Vec<Vec<ValType>>,
    /// Type index of each defined function, in order.
    pub defined_func_types: Vec<u32>,
    pub imported_funcs: u32,
    pub defined_funcs: u32,
    pub globals: u32,
    pub start: Option<u32>,
    pub exports: HashSet<String>,
    /// Ids of the non-custom sections present.
    pub sections: HashSet<u8>,
    /// Lowering helpers the code needs.
    pub helpers: BTreeSet<Helper>,
    /// The minimum size of table 0, imported or defined, when there is one.
    pub table0_min: Option<u64>,
}

pub(crate) fn analyze(wasm: &[u8], opts: &Options) -> Result<Info, InstrumentError> {
    let mut info = Info::default();
    let mut memories = 0u32;
    let mut tables = 0u32;
    let lowering = opts.lower_post_mvp;
    let err = InstrumentError::from_parser;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(err)?;
        if let Some((id, _)) = payload.as_section() {
            info.sections.insert(id);
        }
        match payload {
            Payload::TypeSection(section) => {
                for group in section.into_iter_with_offsets() {
                    let (offset, group) = group.map_err(err)?;
                    for sub in group.types() {
                        info.types += 1;
                        info.type_params.push(match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) => f.params().len() as u32,
                            _ => 0,
                        });
                        info.type_results.push(match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) => f.results().to_vec(),
                            _ => Vec::new(),
                        });
                        if lowering {
                            check_mvp_type(offset, &sub.composite_type.inner)?;
                        }
                    }
                }
            }
            Payload::ImportSection(section) => {
                for import in section.into_imports_with_offsets() {
                    let (offset, import) = import.map_err(err)?;
                    match import.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => info.imported_funcs += 1,
                        TypeRef::Memory(ty) => {
                            if lowering {
                                check_mvp_memory(offset, memories, &ty)?;
                            }
                            memories += 1;
                        }
                        TypeRef::Table(ty) => {
                            if lowering {
                                check_mvp_table(offset, tables, ty.element_type, ty.table64)?;
                            }
                            if tables == 0 {
                                info.table0_min = Some(ty.initial);
                            }
                            tables += 1;
                        }
                        TypeRef::Global(ty) => {
                            if lowering {
                                check_mvp_val(offset, ty.content_type)?;
                            }
                            info.globals += 1;
                        }
                        TypeRef::Tag(_) => {
                            if lowering {
                                return Err(InstrumentError::unsupported(
                                    offset,
                                    "a tag import (exceptions proposal)",
                                ));
                            }
                        }
                    }
                }
            }
            Payload::FunctionSection(section) => {
                info.defined_funcs = section.count();
                for ty in section {
                    info.defined_func_types.push(ty.map_err(err)?);
                }
            }
            Payload::TableSection(section) => {
                for table in section.into_iter_with_offsets() {
                    let (offset, table) = table.map_err(err)?;
                    if lowering {
                        check_mvp_table(offset, tables, table.ty.element_type, table.ty.table64)?;
                        if let TableInit::Expr(_) = table.init {
                            return Err(InstrumentError::unsupported(
                                offset,
                                "a table initializer expression (function references proposal)",
                            ));
                        }
                    }
                    if tables == 0 {
                        info.table0_min = Some(table.ty.initial);
                    }
                    tables += 1;
                }
            }
            Payload::MemorySection(section) => {
                for memory in section.into_iter_with_offsets() {
                    let (offset, ty) = memory.map_err(err)?;
                    if let Some(cap) = opts.max_memory_pages {
                        check_cap(memories, &ty, cap)?;
                    }
                    if lowering {
                        check_mvp_memory(offset, memories, &ty)?;
                    }
                    memories += 1;
                }
            }
            Payload::TagSection(section) if lowering => {
                return Err(InstrumentError::unsupported(
                    section.range().start,
                    "a tag section (exceptions proposal)",
                ));
            }
            Payload::GlobalSection(section) => {
                for global in section.into_iter_with_offsets() {
                    let (offset, global) = global.map_err(err)?;
                    if lowering {
                        check_mvp_val(offset, global.ty.content_type)?;
                    }
                    info.globals += 1;
                }
            }
            Payload::ExportSection(section) => {
                for export in section {
                    info.exports.insert(export.map_err(err)?.name.to_string());
                }
            }
            Payload::StartSection { func, .. } => info.start = Some(func),
            Payload::ElementSection(section) if lowering => {
                for element in section {
                    let element = element.map_err(err)?;
                    check_mvp_element(&element)?;
                }
            }
            Payload::DataSection(section) if lowering => {
                for data in section {
                    let data = data.map_err(err)?;
                    if let DataKind::Passive = data.kind {
                        return Err(InstrumentError::unsupported(
                            data.range.start,
                            "a passive data segment (bulk memory proposal; lowering would need \
                             a copy of the data outside the guest-visible memory)",
                        ));
                    }
                }
            }
            Payload::CodeSectionEntry(body) if lowering => {
                let mut locals = body.get_locals_reader().map_err(err)?;
                for _ in 0..locals.get_count() {
                    let offset = locals.original_position();
                    let (_, ty) = locals.read().map_err(err)?;
                    check_mvp_val(offset, ty)?;
                }
                let mut ops = body.get_operators_reader().map_err(err)?;
                while !ops.eof() {
                    let (op, offset) = ops.read_with_offset().map_err(err)?;
                    if let Some(Replacement::Call(helper)) = lower::classify(&op, offset)? {
                        info.helpers.insert(helper);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

/// Refuses a defined memory whose initial size is over `cap` (64 KiB pages).
fn check_cap(index: u32, ty: &MemoryType, cap: u64) -> Result<(), InstrumentError> {
    let max_pages = cap_in_own_pages(ty, cap);
    if ty.initial > max_pages {
        return Err(InstrumentError::MemoryTooLarge {
            memory: index,
            initial_pages: ty.initial,
            max_pages,
        });
    }
    Ok(())
}

/// `cap` 64 KiB pages expressed in the memory's own page size.
pub(crate) fn cap_in_own_pages(ty: &MemoryType, cap: u64) -> u64 {
    let log2 = ty.page_size_log2.unwrap_or(16);
    if log2 <= 16 {
        cap.saturating_mul(1 << (16 - log2))
    } else {
        cap >> (log2 - 16).min(63)
    }
}

fn check_mvp_type(offset: usize, ty: &CompositeInnerType) -> Result<(), InstrumentError> {
    match ty {
        CompositeInnerType::Func(f) => {
            for &val in f.params().iter().chain(f.results()) {
                check_mvp_val(offset, val)?;
            }
            Ok(())
        }
        _ => Err(InstrumentError::unsupported(
            offset,
            "a struct, array or continuation type (GC / stack switching proposals)",
        )),
    }
}

fn check_mvp_val(offset: usize, ty: ValType) -> Result<(), InstrumentError> {
    match ty {
        ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64 => Ok(()),
        ValType::V128 => Err(InstrumentError::unsupported(
            offset,
            "the `v128` type (SIMD proposal)",
        )),
        ValType::Ref(r) => Err(InstrumentError::unsupported(
            offset,
            format!("the reference type `{r}` (reference types proposal)"),
        )),
    }
}

fn check_mvp_memory(offset: usize, existing: u32, ty: &MemoryType) -> Result<(), InstrumentError> {
    let what = if existing > 0 {
        "a second memory (multi-memory proposal)"
    } else if ty.memory64 {
        "a 64-bit memory (memory64 proposal)"
    } else if ty.shared {
        "a shared memory (threads proposal)"
    } else if ty.page_size_log2.is_some_and(|p| p != 16) {
        "a custom page size (custom page sizes proposal)"
    } else {
        return Ok(());
    };
    Err(InstrumentError::unsupported(offset, what))
}

fn check_mvp_table(
    offset: usize,
    existing: u32,
    elem: RefType,
    table64: bool,
) -> Result<(), InstrumentError> {
    let what = if existing > 0 {
        "a second table (reference types proposal)".to_string()
    } else if table64 {
        "a 64-bit table (memory64 proposal)".to_string()
    } else if elem != RefType::FUNCREF {
        format!("a table of `{elem}` (reference types proposal)")
    } else {
        return Ok(());
    };
    Err(InstrumentError::unsupported(offset, what))
}

fn check_mvp_element(element: &wasmparser::Element) -> Result<(), InstrumentError> {
    let what = match (&element.kind, &element.items) {
        (ElementKind::Active { .. }, ElementItems::Functions(_)) => return Ok(()),
        (ElementKind::Active { .. }, ElementItems::Expressions(..)) => {
            "an element segment of expressions (reference types proposal)"
        }
        (ElementKind::Passive, _) => "a passive element segment (bulk memory proposal)",
        (ElementKind::Declared, _) => "a declared element segment (reference types proposal)",
    };
    Err(InstrumentError::unsupported(element.range.start, what))
}

impl Info {
    /// Parameter count of the `index`-th defined function.
    pub(crate) fn defined_func_params(&self, index: usize) -> u32 {
        self.defined_func_types
            .get(index)
            .and_then(|&ty| self.type_params.get(ty as usize))
            .copied()
            .unwrap_or(0)
    }

    /// Result types of the `index`-th defined function.
    pub(crate) fn defined_func_results(&self, index: usize) -> &[ValType] {
        self.defined_func_types
            .get(index)
            .and_then(|&ty| self.type_results.get(ty as usize))
            .map_or(&[], Vec::as_slice)
    }
}
