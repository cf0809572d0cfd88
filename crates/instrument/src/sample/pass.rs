//! The `Reencode` pass of the sampling probes: the module as it is, the imports placed after
//! its function imports, the other added items appended to their sections (creating a section
//! where the module has none), and the bodies of user functions rewritten.

use wasm_encoder::reencode::{utils, Error, Reencode};
use wasm_encoder::{
    CodeSection, ConstExpr, EntityType, ExportKind, ExportSection, FunctionSection, GlobalSection,
    GlobalType, ImportSection, Module, SectionId, TypeSection, ValType,
};
use wasmparser::TypeRef;

use super::{body, SampleLayout, FLUSH_EXPORT, IMPORTS, SAMPLE_MODULE};
use crate::analyze::Info;
use crate::rewrite::{rank, CREATABLE};
use crate::{Added, InstrumentError};

pub(super) struct Sampler<'a> {
    pub info: &'a Info,
    pub layout: &'a SampleLayout,
    pub earlier: &'a Added,
    /// Index (among defined functions) of the next body.
    pub next_body: u32,
}

impl Sampler<'_> {
    fn add_types(&self, types: &mut TypeSection) {
        for (params, results) in &self.layout.types {
            types
                .ty()
                .function(params.iter().copied(), results.iter().copied());
        }
    }

    fn add_imports(&self, imports: &mut ImportSection) {
        for ((name, _, _), &ty) in IMPORTS.iter().zip(&self.layout.import_types) {
            imports.import(SAMPLE_MODULE, name, EntityType::Function(ty));
        }
    }

    fn add_functions(&self, functions: &mut FunctionSection) {
        for &ty in &self.layout.helper_types {
            functions.function(ty);
        }
    }

    fn add_globals(&self, globals: &mut GlobalSection) {
        let ty = |val_type| GlobalType {
            val_type,
            mutable: true,
            shared: false,
        };
        // depth, watch, then the countdown: 1, so that the first entry takes a sample and
        // learns the pace from the host.
        for init in [0, 0, 1] {
            globals.global(ty(ValType::I32), &ConstExpr::i32_const(init));
        }
        for _ in &self.layout.counters {
            globals.global(ty(ValType::I64), &ConstExpr::i64_const(0));
        }
    }

    fn add_exports(&self, exports: &mut ExportSection) {
        exports.export(
            FLUSH_EXPORT,
            ExportKind::Func,
            self.layout.refs.flush_helper,
        );
    }

    fn add_code(&self, code: &mut CodeSection) {
        for f in body::helpers(&self.layout.refs, &self.layout.counters) {
            code.function(&f);
        }
    }

    fn has(&self, id: SectionId) -> bool {
        self.info.sections.contains(&(id as u8))
    }
}

impl Reencode for Sampler<'_> {
    type Error = InstrumentError;

    fn function_index(&mut self, func: u32) -> Result<u32, Error<InstrumentError>> {
        Ok(if func < self.info.imported_funcs {
            func
        } else {
            func + IMPORTS.len() as u32
        })
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
            if !(lo < rank(id) && rank(id) < hi) || self.has(id) {
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
        // After the last function import, as the limits pass places its own (wasm3 0.3
        // misreads imports placed after a table import).
        let split = all
            .iter()
            .rposition(|i| matches!(i.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)))
            .map_or(0, |last| last + 1);
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
        let body = self.next_body;
        self.next_body += 1;
        let Some(&Some(sampled)) = self.layout.bodies.get(body as usize) else {
            return utils::parse_function_body(self, code, func);
        };
        let params = self.info.defined_func_params(body as usize);
        let refs = self.layout.refs;
        let imported = self.info.imported_funcs;
        let earlier = self.earlier;
        // A direct call to an import the user's module has: its user index.
        let host_import = |f: u32| (f < imported).then(|| earlier.funcs.get(f)).flatten();
        let f = body::instrument(self, &func, params, sampled, &refs, &host_import)?;
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
        utils::parse_custom_section(self, module, section)
    }
}
