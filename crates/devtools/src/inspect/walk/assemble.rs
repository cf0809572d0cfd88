//! The report from what the walk read: exports resolved against the index spaces, functions
//! ranked by size.

use super::{types, Parsed, Walker};
use crate::inspect::report::*;
use wasmparser::ExternalKind;

/// A Rust symbol's readable name, without its hash; `None` for other names.
pub(crate) fn demangle(name: &str) -> Option<String> {
    rustc_demangle::try_demangle(name)
        .ok()
        .map(|d| format!("{d:#}"))
}

impl Walker {
    pub(super) fn finish(mut self, size: usize) -> Parsed {
        let exports = std::mem::take(&mut self.exports)
            .into_iter()
            .map(|(name, kind, index, offset)| self.export(name, kind, index, offset))
            .collect::<Vec<_>>();
        let code_size = self.code_size;
        let mut largest: Vec<FunctionSize> = self
            .sizes
            .iter()
            .map(|(index, range)| {
                let name = self.func_names.get(index).cloned().or_else(|| {
                    exports
                        .iter()
                        .find(|e| e.kind == "func" && e.index == *index)
                        .map(|e| e.name.clone())
                });
                (index, range, name)
            })
            .map(|(index, range, name)| FunctionSize {
                index: *index,
                demangled: name.as_deref().and_then(demangle),
                name,
                offset: range.start,
                size: range.len(),
                share: if code_size == 0 {
                    0.0
                } else {
                    (range.len() as f64 * 10_000.0 / code_size as f64).round() / 100.0
                },
            })
            .collect();
        largest.sort_by(|a, b| b.size.cmp(&a.size).then(a.index.cmp(&b.index)));
        let report = Report {
            size,
            sections: self.sections,
            imports: self.imports,
            exports,
            memories: self.defined_memories,
            tables: self.defined_tables,
            globals: self.defined_globals,
            tags: self.defined_tags,
            start: self.start,
            data: self.data,
            custom: self.custom,
            features: self.features.into_list(),
            functions: Functions {
                imported: self.imported_funcs,
                defined: self.funcs.len() as u32 - self.imported_funcs,
                code_size,
                largest,
            },
            warnings: self.warnings,
        };
        Parsed {
            report,
            funcs: self.funcs,
            func_names: self.func_names,
            types: self.types,
        }
    }

    fn export(&mut self, name: String, kind: ExternalKind, index: u32, offset: usize) -> Export {
        let i = index as usize;
        let (kind, ty) = match kind {
            ExternalKind::Func | ExternalKind::FuncExact => (
                "func",
                self.funcs
                    .get(i)
                    .map(|f| EntityType::Func(types::func_ref(&self.types, f.type_index))),
            ),
            ExternalKind::Table => (
                "table",
                self.tables
                    .get(i)
                    .map(|t| EntityType::Table(types::table(t))),
            ),
            ExternalKind::Memory => (
                "memory",
                self.memories
                    .get(i)
                    .map(|m| EntityType::Memory(types::memory(m))),
            ),
            ExternalKind::Global => {
                let global = self.globals.get(i).copied();
                if global.is_some_and(|g| g.mutable) {
                    self.features.note("mutable-global", offset, || {
                        format!("export of mutable global `{name}`")
                    });
                }
                (
                    "global",
                    global.map(|g| EntityType::Global(types::global(&g))),
                )
            }
            ExternalKind::Tag => (
                "tag",
                self.tags
                    .get(i)
                    .map(|&t| EntityType::Tag(types::func_ref(&self.types, t))),
            ),
        };
        Export {
            name,
            kind,
            index,
            ty,
        }
    }
}
