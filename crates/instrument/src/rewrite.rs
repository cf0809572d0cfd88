//! The rewrite proper: a `Reencode` pass that renumbers functions and appends the added items
//! to their sections (creating a section where the module has none).

use wasm_encoder::reencode::{utils, Error, Reencode};
use wasm_encoder::{
    CodeSection, ConstExpr, EntityType, ExportKind, ExportSection, FunctionSection, GlobalSection,
    GlobalType, ImportSection, MemorySection, Module, SectionId, TypeSection, ValType,
};
use wasmparser::{KnownCustom, Parser, TypeRef};

use crate::analyze::{cap_in_own_pages, Info};
use crate::layout::Layout;
use crate::meter::{self, BodyContext, Span};
use crate::{InstrumentError, Options};
use std::cell::RefCell;

/// A body (0 = the first defined function) and where its instructions went.
pub(crate) type Recorded = (usize, RefCell<Vec<Span>>);

/// Rewrites `wasm`; with `record`, also notes where each instruction of the bodies it lists
/// (0 = the first defined function) went.
pub(crate) fn rewrite(
    wasm: &[u8],
    opts: &Options,
    info: &Info,
    layout: &Layout,
    record: Option<&[Recorded]>,
) -> Result<Vec<u8>, InstrumentError> {
    let mut rewriter = Rewriter {
        opts,
        info,
        layout,
        next_body: 0,
        record,
    };
    let mut module = Module::new();
    rewriter
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .map_err(|e| match e {
            Error::UserError(e) => e,
            Error::ParseError(e) => InstrumentError::from_parser(e),
            other => InstrumentError::Encode(other.to_string()),
        })?;
    Ok(module.finish())
}

struct Rewriter<'a> {
    opts: &'a Options,
    info: &'a Info,
    layout: &'a Layout,
    /// Index (among defined functions) of the next body to rewrite.
    next_body: usize,
    record: Option<&'a [Recorded]>,
}

/// Sections this pass may have to create, in the order the binary format requires.
pub(crate) const CREATABLE: [SectionId; 6] = [
    SectionId::Type,
    SectionId::Import,
    SectionId::Function,
    SectionId::Global,
    SectionId::Export,
    SectionId::Code,
];

/// Position of a non-custom section in a module.
pub(crate) fn rank(id: SectionId) -> u8 {
    match id {
        SectionId::Type => 1,
        SectionId::Import => 2,
        SectionId::Function => 3,
        SectionId::Table => 4,
        SectionId::Memory => 5,
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
        _ => 0,
    }
}

impl Rewriter<'_> {
    /// Whether an active element segment has no items and a constant offset within table 0:
    /// the spec makes it a no-op, but wasm3 refuses it ("table overflow"), so lowering drops it.
    /// Out of bounds it must still fail to instantiate, so it stays.
    fn is_empty_in_bounds(&self, element: &wasmparser::Element<'_>) -> bool {
        let wasmparser::ElementKind::Active {
            table_index: None | Some(0),
            offset_expr,
        } = &element.kind
        else {
            return false;
        };
        let items = match &element.items {
            wasmparser::ElementItems::Functions(f) => f.count(),
            wasmparser::ElementItems::Expressions(_, e) => e.count(),
        };
        if items != 0 {
            return false;
        }
        let mut ops = offset_expr.get_operators_reader();
        match (ops.read(), ops.read(), self.info.table0_min) {
            (
                Ok(wasmparser::Operator::I32Const { value }),
                Ok(wasmparser::Operator::End),
                Some(min),
            ) => (value as u32 as u64) <= min,
            _ => false,
        }
    }

    fn add_types(&self, types: &mut TypeSection) {
        for (params, results) in &self.layout.types {
            types
                .ty()
                .function(params.iter().copied(), results.iter().copied());
        }
    }

    fn add_global_imports(&self, imports: &mut ImportSection) {
        let tank = EntityType::Global(GlobalType {
            val_type: ValType::I64,
            mutable: true,
            shared: false,
        });
        for &name in &self.layout.global_imports {
            imports.import(crate::RUNTIME_MODULE, name, tank);
        }
    }

    fn add_imports(&self, imports: &mut ImportSection) {
        for &(name, ty) in &self.layout.imports {
            imports.import(crate::RUNTIME_MODULE, name, EntityType::Function(ty));
        }
    }

    fn add_functions(&self, functions: &mut FunctionSection) {
        for &(_, ty) in &self.layout.helpers {
            functions.function(ty);
        }
    }

    fn add_globals(&self, globals: &mut GlobalSection) {
        for &(val_type, init) in &self.layout.globals {
            let ty = GlobalType {
                val_type,
                mutable: true,
                shared: false,
            };
            let init = match val_type {
                ValType::I64 => ConstExpr::i64_const(init),
                _ => ConstExpr::i32_const(init as i32),
            };
            globals.global(ty, &init);
        }
    }

    fn add_exports(&self, exports: &mut ExportSection) {
        for &(name, func) in &self.layout.exports {
            exports.export(name, ExportKind::Func, func);
        }
    }

    fn add_code(&self, code: &mut CodeSection) {
        let cx = self.layout.helper_context();
        for &(helper, _) in &self.layout.helpers {
            code.function(&helper.body(&cx));
        }
    }

    /// Whether `id` must be created: something is added to it and the module has none.
    fn must_create(&self, id: SectionId) -> bool {
        let l = self.layout;
        let needed = match id {
            SectionId::Type => !l.types.is_empty(),
            SectionId::Import => !l.imports.is_empty() || !l.global_imports.is_empty(),
            SectionId::Function | SectionId::Code => !l.helpers.is_empty(),
            SectionId::Global => !l.globals.is_empty(),
            SectionId::Export => !l.exports.is_empty(),
            _ => false,
        };
        needed && !self.info.sections.contains(&(id as u8))
    }
}

impl Reencode for Rewriter<'_> {
    type Error = InstrumentError;

    fn function_index(&mut self, func: u32) -> Result<u32, Error<InstrumentError>> {
        Ok(self.layout.function_index(func))
    }

    fn global_index(&mut self, global: u32) -> Result<u32, Error<InstrumentError>> {
        Ok(self.layout.global_index(global))
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut Module,
        after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), Error<InstrumentError>> {
        let lo = after.map_or(0, rank);
        let hi = before.map_or(u8::MAX, rank);
        for id in CREATABLE {
            if !(lo < rank(id) && rank(id) < hi && self.must_create(id)) {
                continue;
            }
            match id {
                SectionId::Type => {
                    let mut s = TypeSection::new();
                    self.add_types(&mut s);
                    module.section(&s);
                }
                SectionId::Import => {
                    let mut s = ImportSection::new();
                    self.add_global_imports(&mut s);
                    self.add_imports(&mut s);
                    module.section(&s);
                }
                SectionId::Function => {
                    let mut s = FunctionSection::new();
                    self.add_functions(&mut s);
                    module.section(&s);
                }
                SectionId::Global => {
                    let mut s = GlobalSection::new();
                    self.add_globals(&mut s);
                    module.section(&s);
                }
                SectionId::Export => {
                    let mut s = ExportSection::new();
                    self.add_exports(&mut s);
                    module.section(&s);
                }
                _ => {
                    let mut s = CodeSection::new();
                    self.add_code(&mut s);
                    module.section(&s);
                }
            }
        }
        Ok(())
    }

    fn parse_type_section(
        &mut self,
        types: &mut TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), Error<InstrumentError>> {
        utils::parse_type_section(self, types, section)?;
        self.add_types(types);
        Ok(())
    }

    fn parse_import_section(
        &mut self,
        imports: &mut ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), Error<InstrumentError>> {
        let all = section.into_imports().collect::<Result<Vec<_>, _>>()?;
        // The added function imports go right after the input's last function import, not at
        // the end: function indices come out the same, and wasm3 0.3, which skips the type of
        // an imported table without reading it, then misparses nothing after a table import.
        let split = all
            .iter()
            .rposition(|i| matches!(i.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)))
            .map_or(0, |last| last + 1);
        self.add_global_imports(imports);
        for import in &all[..split] {
            self.parse_import(imports, *import)?;
        }
        self.add_imports(imports);
        for import in &all[split..] {
            self.parse_import(imports, *import)?;
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), Error<InstrumentError>> {
        utils::parse_function_section(self, functions, section)?;
        self.add_functions(functions);
        Ok(())
    }

    fn parse_element(
        &mut self,
        elements: &mut wasm_encoder::ElementSection,
        mut element: wasmparser::Element<'_>,
    ) -> Result<(), Error<InstrumentError>> {
        // An explicit table index 0 is the bulk-memory encoding (flags 2) of what MVP writes
        // with flags 0; pre-bulk-memory engines (wasm3) refuse the former, so write the latter.
        if self.opts.lower_post_mvp {
            if let wasmparser::ElementKind::Active {
                table_index: table_index @ Some(0),
                ..
            } = &mut element.kind
            {
                *table_index = None;
            }
            if self.is_empty_in_bounds(&element) {
                return Ok(());
            }
        }
        wasm_encoder::reencode::utils::parse_element(self, elements, element)
    }

    fn parse_memory_section(
        &mut self,
        memories: &mut MemorySection,
        section: wasmparser::MemorySectionReader<'_>,
    ) -> Result<(), Error<InstrumentError>> {
        for memory in section {
            let mut ty = memory?;
            if let Some(cap) = self.opts.max_memory_pages {
                let cap = cap_in_own_pages(&ty, cap);
                ty.maximum = Some(ty.maximum.map_or(cap, |max| max.min(cap)));
            }
            memories.memory(self.memory_type(ty)?);
        }
        Ok(())
    }

    fn parse_global_section(
        &mut self,
        globals: &mut GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), Error<InstrumentError>> {
        utils::parse_global_section(self, globals, section)?;
        self.add_globals(globals);
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), Error<InstrumentError>> {
        utils::parse_export_section(self, exports, section)?;
        self.add_exports(exports);
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), Error<InstrumentError>> {
        utils::parse_code_section(self, code, section)?;
        self.add_code(code);
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), Error<InstrumentError>> {
        let layout = self.layout;
        let helper_index = |h| layout.helper_index(h);
        let cx = BodyContext {
            fuel: layout.fuel,
            interrupt: layout.interrupt,
            helper_index: self.opts.lower_post_mvp.then_some(&helper_index as _),
            type_params: &self.info.type_params,
            spans: self.record.and_then(|record| {
                record
                    .iter()
                    .find(|(body, _)| *body == self.next_body)
                    .map(|(_, spans)| spans)
            }),
        };
        let params = self.info.defined_func_params(self.next_body);
        self.next_body += 1;
        let f = meter::rewrite_body(self, &func, params, &cx)?;
        code.function(&f);
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), Error<InstrumentError>> {
        if section.name().starts_with(".debug_") {
            // DWARF addresses code by offset, and every offset changes.
            return Ok(());
        }
        if let KnownCustom::Name(names) = section.as_known() {
            // A malformed name section is legal (custom sections are not validated) and
            // only ever informative: drop it rather than fail.
            if let Ok(names) = self.custom_name_section(names) {
                module.section(&names);
            }
            return Ok(());
        }
        utils::parse_custom_section(self, module, section)
    }
}
