//! The `Reencode` pass of the shadow stack: the module as it is, with the added items
//! appended to their sections (creating a section where the module has none) and the bodies of
//! user functions instrumented.

use wasm_encoder::reencode::{utils, Error, Reencode};
use wasm_encoder::{
    CodeSection, ConstExpr, ExportKind, ExportSection, FunctionSection, GlobalSection, GlobalType,
    SectionId, TypeSection, ValType,
};

use super::ring::{Globals, Helper};
use super::{body, ShadowLayout};
use crate::analyze::Info;
use crate::extend::{self, Additions};
use crate::InstrumentError;

/// The `Reencode` pass: everything as it is, the added items appended.
pub(super) struct Shadower<'a> {
    pub info: &'a Info,
    pub layout: &'a ShadowLayout,
    /// Index (among defined functions) of the next body.
    pub next_body: u32,
}

impl Additions for Shadower<'_> {
    /// Every creatable section but the imports gets something.
    fn creates(&self, id: SectionId) -> bool {
        id != SectionId::Import && !self.info.sections.contains(&(id as u8))
    }

    fn add_types(&self, types: &mut TypeSection) {
        extend::add_signatures(types, &self.layout.types);
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
}

impl Reencode for Shadower<'_> {
    type Error = InstrumentError;

    extend::added_sections!(types functions globals exports code drop_dwarf);

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
}
