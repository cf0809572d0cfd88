//! The `Reencode` pass of the shadow stack: the module as it is, with the added items
//! appended to their sections (creating a section where the module has none) and the bodies of
//! user functions instrumented.

use wasm_encoder::reencode::{utils, Error, Reencode};
use wasm_encoder::{
    CodeSection, ConstExpr, ExportKind, ExportSection, FunctionSection, GlobalSection, GlobalType,
    Module, SectionId, TypeSection, ValType,
};

use super::ring::{Globals, Helper};
use super::{body, ShadowLayout};
use crate::analyze::Info;
use crate::rewrite::{rank, CREATABLE};
use crate::InstrumentError;

/// The `Reencode` pass: everything as it is, the added items appended.
pub(super) struct Shadower<'a> {
    pub info: &'a Info,
    pub layout: &'a ShadowLayout,
    /// Index (among defined functions) of the next body.
    pub next_body: u32,
}

impl Shadower<'_> {
    fn add_types(&self, types: &mut TypeSection) {
        for (params, results) in &self.layout.types {
            types
                .ty()
                .function(params.iter().copied(), results.iter().copied());
        }
    }

    fn add_functions(&self, functions: &mut FunctionSection) {
        for &ty in &self.layout.helper_types {
            functions.function(ty);
        }
    }

    fn add_globals(&self, globals: &mut GlobalSection) {
        for val_type in Globals::types() {
            let ty = GlobalType {
                val_type,
                mutable: true,
                shared: false,
            };
            let init = match val_type {
                ValType::I64 => ConstExpr::i64_const(0),
                _ => ConstExpr::i32_const(0),
            };
            globals.global(ty, &init);
        }
    }

    fn add_exports(&self, exports: &mut ExportSection) {
        for helper in Helper::ALL {
            if let Some(name) = helper.export() {
                exports.export(name, ExportKind::Func, self.layout.helper_index(helper));
            }
        }
    }

    fn add_code(&self, code: &mut CodeSection) {
        for helper in Helper::ALL {
            code.function(&helper.body(self.layout.globals));
        }
    }

    fn has(&self, id: SectionId) -> bool {
        self.info.sections.contains(&(id as u8))
    }
}

impl Reencode for Shadower<'_> {
    type Error = InstrumentError;

    fn intersperse_section_hook(
        &mut self,
        module: &mut Module,
        after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), Error<InstrumentError>> {
        let lo = after.map_or(0, rank);
        let hi = before.map_or(u8::MAX, rank);
        for id in CREATABLE {
            // Every creatable section but the imports gets something.
            if id == SectionId::Import || !(lo < rank(id) && rank(id) < hi) || self.has(id) {
                continue;
            }
            match id {
                SectionId::Type => {
                    let mut s = TypeSection::new();
                    self.add_types(&mut s);
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
        let Some(&Some(wrapper)) = self.layout.bodies.get(body as usize) else {
            return utils::parse_function_body(self, code, func);
        };
        let index = self.info.imported_funcs + body;
        let params = self.info.defined_func_params(body as usize);
        let refs = self.layout.refs();
        match body::instrument(self, &func, index, params, wrapper, &refs)? {
            Some(f) => {
                code.function(&f);
                Ok(())
            }
            None => utils::parse_function_body(self, code, func),
        }
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
