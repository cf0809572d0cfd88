//! One pass over a binary module: every section decoded, every function body read, so a
//! malformed module fails here with the decoder's byte offset.

mod assemble;

use super::custom;
use super::features::{Features, Place};
use super::report::*;
use super::types;
use crate::error::{InspectError, InspectErrorKind};
pub(crate) use assemble::demangle;
use std::collections::HashMap;
use std::ops::Range;
use wasmparser::{
    CustomSectionReader, DataKind, ElementItems, ElementKind, Encoding, ExternalKind, FunctionBody,
    KnownCustom, Parser, Payload, SubType, TableInit, TypeRef, WasmFeatures,
};

/// The module as the tools need it: the report, and what `disasm` looks functions up in.
pub(crate) struct Parsed {
    pub report: Report,
    /// The function index space, imports first.
    pub funcs: Vec<Func>,
    /// Names from the name section, by function index.
    pub func_names: HashMap<u32, String>,
    pub types: Vec<SubType>,
}

impl Parsed {
    /// Type `index` with its signature, when it is a function type.
    pub fn func_ref(&self, index: u32) -> FuncRef {
        types::func_ref(&self.types, index)
    }
}

pub(crate) struct Func {
    /// `(module, name)` of an imported function.
    pub import: Option<(String, String)>,
    pub type_index: u32,
    /// Where a defined function's body is.
    pub body: Option<Range<usize>>,
}

pub(crate) fn walk(bytes: &[u8]) -> Result<Parsed, InspectError> {
    // wasmparser's own message for this prints two byte arrays over ten lines.
    if let Some(start) = bytes.get(..4).filter(|s| *s != b"\0asm") {
        return Err(InspectErrorKind::Malformed {
            offset: 0,
            message: format!(
                "not a WebAssembly module: it starts with {:02x} {:02x} {:02x} {:02x}, \
                 where a module starts with 00 61 73 6d (\"\\0asm\")",
                start[0], start[1], start[2], start[3]
            ),
        }
        .into());
    }
    let mut parser = Parser::new(0);
    // Decode whatever the decoder knows; which of it the module uses is what we report.
    parser.set_features(WasmFeatures::all());
    let mut walker = Walker::default();
    for payload in parser.parse_all(bytes) {
        walker.payload(payload?)?;
    }
    Ok(walker.finish(bytes.len()))
}

#[derive(Default)]
struct Walker {
    sections: Vec<Section>,
    types: Vec<SubType>,
    funcs: Vec<Func>,
    imported_funcs: u32,
    bodies: u32,
    tables: Vec<wasmparser::TableType>,
    memories: Vec<wasmparser::MemoryType>,
    globals: Vec<wasmparser::GlobalType>,
    tags: Vec<u32>,
    imports: Vec<Import>,
    /// Name, kind, index and offset of each export.
    exports: Vec<(String, ExternalKind, u32, usize)>,
    defined_memories: Vec<Memory>,
    defined_tables: Vec<Table>,
    defined_globals: Vec<Global>,
    defined_tags: Vec<Tag>,
    start: Option<u32>,
    data: Data,
    custom: Custom,
    func_names: HashMap<u32, String>,
    code_size: usize,
    /// Index and body range of each defined function.
    sizes: Vec<(u32, Range<usize>)>,
    features: Features,
    warnings: Vec<String>,
}

fn section_name(id: u8) -> &'static str {
    match id {
        0 => "custom",
        1 => "type",
        2 => "import",
        3 => "function",
        4 => "table",
        5 => "memory",
        6 => "global",
        7 => "export",
        8 => "start",
        9 => "element",
        10 => "code",
        11 => "data",
        12 => "datacount",
        13 => "tag",
        _ => "unknown",
    }
}

impl Walker {
    fn payload(&mut self, payload: Payload<'_>) -> Result<(), InspectError> {
        if let Some((id, range)) = payload.as_section() {
            let custom_name = match &payload {
                Payload::CustomSection(c) => Some(c.name().to_string()),
                _ => None,
            };
            self.sections.push(Section {
                id,
                name: section_name(id),
                custom_name,
                offset: range.start,
                size: range.len(),
            });
        }
        match payload {
            Payload::Version {
                encoding: Encoding::Component,
                ..
            } => return Err(InspectErrorKind::Component.into()),
            Payload::TypeSection(reader) => {
                for group in reader.into_iter_with_offsets() {
                    let (offset, group) = group?;
                    let explicit = group.is_explicit_rec_group();
                    for ty in group.into_types() {
                        let index = self.types.len() as u32;
                        self.features.sub_type(&ty, explicit, index, offset);
                        self.types.push(ty);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports_with_offsets() {
                    let (offset, import) = import?;
                    self.import(import, offset);
                }
            }
            Payload::FunctionSection(reader) => {
                for type_index in reader {
                    self.funcs.push(Func {
                        import: None,
                        type_index: type_index?,
                        body: None,
                    });
                }
            }
            Payload::TableSection(reader) => {
                for table in reader.into_iter_with_offsets() {
                    let (offset, table) = table?;
                    let index = self.tables.len() as u32;
                    self.features.table(&table.ty, index, offset);
                    if let TableInit::Expr(expr) = &table.init {
                        self.features.note("function-references", offset, || {
                            format!("initial value of table {index}")
                        });
                        self.features.const_expr(expr)?;
                    }
                    self.defined_tables.push(Table {
                        index,
                        ty: types::table(&table.ty),
                    });
                    self.tables.push(table.ty);
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader.into_iter_with_offsets() {
                    let (offset, memory) = memory?;
                    let index = self.memories.len() as u32;
                    self.features.memory(&memory, index, offset);
                    self.defined_memories.push(Memory {
                        index,
                        ty: types::memory(&memory),
                    });
                    self.memories.push(memory);
                }
            }
            Payload::TagSection(reader) => {
                for tag in reader.into_iter_with_offsets() {
                    let (offset, tag) = tag?;
                    let index = self.tags.len() as u32;
                    self.features
                        .note("exceptions", offset, || format!("tag {index}"));
                    self.defined_tags.push(Tag {
                        index,
                        ty: types::func_ref(&self.types, tag.func_type_idx),
                    });
                    self.tags.push(tag.func_type_idx);
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader.into_iter_with_offsets() {
                    let (offset, global) = global?;
                    let index = self.globals.len() as u32;
                    self.features.global(&global.ty, index, offset);
                    self.features.const_expr(&global.init_expr)?;
                    self.defined_globals.push(Global {
                        index,
                        ty: types::global(&global.ty),
                        init: types::simple_init(&global.init_expr),
                    });
                    self.globals.push(global.ty);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader.into_iter_with_offsets() {
                    let (offset, export) = export?;
                    self.exports
                        .push((export.name.to_string(), export.kind, export.index, offset));
                }
            }
            Payload::StartSection { func, .. } => self.start = Some(func),
            Payload::ElementSection(reader) => {
                for (i, element) in reader.into_iter_with_offsets().enumerate() {
                    let (offset, element) = element?;
                    self.element(i, element, offset)?;
                }
            }
            Payload::DataCountSection { range, .. } => {
                self.features.note("bulk-memory", range.start, || {
                    "the data count section".into()
                });
            }
            Payload::DataSection(reader) => {
                for (i, data) in reader.into_iter_with_offsets().enumerate() {
                    let (offset, data) = data?;
                    self.data.segments += 1;
                    self.data.bytes += data.data.len() as u64;
                    match data.kind {
                        DataKind::Passive => {
                            self.data.passive += 1;
                            self.features.note("bulk-memory", offset, || {
                                format!("passive data segment {i}")
                            });
                        }
                        DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => {
                            if memory_index != 0 {
                                self.features.note("multi-memory", offset, || {
                                    format!("data segment {i} for memory {memory_index}")
                                });
                            }
                            self.features.const_expr(&offset_expr)?;
                        }
                    }
                }
            }
            Payload::CodeSectionStart { range, .. } => self.code_size = range.len(),
            Payload::CodeSectionEntry(body) => self.body(body)?,
            Payload::CustomSection(reader) => self.custom(reader),
            _ => {}
        }
        Ok(())
    }

    fn import(&mut self, import: wasmparser::Import<'_>, offset: usize) {
        let (kind, index, ty) = match import.ty {
            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                if matches!(import.ty, TypeRef::FuncExact(_)) {
                    self.features.note("custom-descriptors", offset, || {
                        "an exact function import".into()
                    });
                }
                let index = self.funcs.len() as u32;
                self.funcs.push(Func {
                    import: Some((import.module.to_string(), import.name.to_string())),
                    type_index: t,
                    body: None,
                });
                self.imported_funcs += 1;
                (
                    "func",
                    index,
                    EntityType::Func(types::func_ref(&self.types, t)),
                )
            }
            TypeRef::Table(t) => {
                let index = self.tables.len() as u32;
                self.features.table(&t, index, offset);
                self.tables.push(t);
                ("table", index, EntityType::Table(types::table(&t)))
            }
            TypeRef::Memory(m) => {
                let index = self.memories.len() as u32;
                self.features.memory(&m, index, offset);
                self.memories.push(m);
                ("memory", index, EntityType::Memory(types::memory(&m)))
            }
            TypeRef::Global(g) => {
                let index = self.globals.len() as u32;
                self.features.global(&g, index, offset);
                if g.mutable {
                    self.features.note("mutable-global", offset, || {
                        format!(
                            "import of mutable global {}::{}",
                            import.module, import.name
                        )
                    });
                }
                self.globals.push(g);
                ("global", index, EntityType::Global(types::global(&g)))
            }
            TypeRef::Tag(t) => {
                let index = self.tags.len() as u32;
                self.features.note("exceptions", offset, || {
                    format!("import of tag {}::{}", import.module, import.name)
                });
                self.tags.push(t.func_type_idx);
                (
                    "tag",
                    index,
                    EntityType::Tag(types::func_ref(&self.types, t.func_type_idx)),
                )
            }
        };
        self.imports.push(Import {
            module: import.module.to_string(),
            name: import.name.to_string(),
            kind,
            index,
            ty,
        });
    }

    fn element(
        &mut self,
        i: usize,
        element: wasmparser::Element<'_>,
        offset: usize,
    ) -> Result<(), InspectError> {
        match element.kind {
            ElementKind::Passive => self.features.note("bulk-memory", offset, || {
                format!("passive element segment {i}")
            }),
            ElementKind::Declared => self.features.note("reference-types", offset, || {
                format!("declared element segment {i}")
            }),
            ElementKind::Active {
                table_index,
                offset_expr,
            } => {
                if let Some(table) = table_index.filter(|&t| t != 0) {
                    self.features.note("reference-types", offset, || {
                        format!("element segment {i} for table {table}")
                    });
                }
                self.features.const_expr(&offset_expr)?;
            }
        }
        match element.items {
            ElementItems::Functions(reader) => {
                for f in reader {
                    f?;
                }
            }
            ElementItems::Expressions(ty, reader) => {
                self.features
                    .element_type(ty, offset, &|| format!("in element segment {i}"));
                for expr in reader {
                    self.features.const_expr(&expr?)?;
                }
            }
        }
        Ok(())
    }

    fn body(&mut self, body: FunctionBody<'_>) -> Result<(), InspectError> {
        let index = self.imported_funcs + self.bodies;
        self.bodies += 1;
        let range = body.range();
        if let Some(f) = self.funcs.get_mut(index as usize) {
            f.body = Some(range.clone());
        }
        let mut locals = body.get_locals_reader()?;
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let (_, ty) = locals.read()?;
            self.features
                .val_type(ty, offset, &|| format!("local in function {index}"));
        }
        let mut ops = wasmparser::OperatorsReader::new(locals.get_binary_reader());
        while !ops.eof() {
            let (op, offset) = ops.read_with_offset()?;
            self.features.operator(&op, offset, Place::Function(index));
        }
        ops.finish()?;
        self.sizes.push((index, range));
        Ok(())
    }

    /// A custom section that does not decode is a warning: engines ignore custom sections.
    fn custom(&mut self, reader: CustomSectionReader<'_>) {
        let name = reader.name();
        let undecodable = |offset: usize, message: &str| {
            format!("the `{name}` section does not decode at byte offset {offset}: {message}")
        };
        let failed = |e: wasmparser::BinaryReaderError| undecodable(e.offset(), e.message());
        match reader.as_known() {
            KnownCustom::Producers(p) => match custom::producers(p) {
                Ok(p) => self.custom.producers = Some(p),
                Err(e) => self.warnings.push(failed(e)),
            },
            KnownCustom::Name(n) => match custom::names(n) {
                Ok((names, functions)) => {
                    self.custom.names = Some(names);
                    self.func_names = functions;
                }
                Err(e) => self.warnings.push(failed(e)),
            },
            _ if name == "target_features" => {
                match custom::target_features(reader.data(), reader.data_offset()) {
                    Ok(f) => self.custom.target_features = Some(f),
                    Err((offset, message)) => self.warnings.push(undecodable(offset, &message)),
                }
            }
            _ if name.starts_with(".debug_") => self.custom.dwarf.push(name.to_string()),
            _ => {}
        }
    }
}
