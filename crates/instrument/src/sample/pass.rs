//! The `Reencode` pass of the sampling probes: the module as it is, the imports placed after
//! its function imports, the other added items appended to their sections (creating a section
//! where the module has none), and the bodies of user functions rewritten.

use wasm_encoder::reencode::{utils, Error, Reencode};
use wasm_encoder::{
    CodeSection, ConstExpr, EntityType, ExportKind, ExportSection, FunctionSection, GlobalSection,
    GlobalType, ImportSection, SectionId, TypeSection, ValType,
};

use super::{body, SampleLayout, FLUSH_EXPORT, IMPORTS, SAMPLE_MODULE};
use crate::analyze::Info;
use crate::extend::{self, added_sections, Additions};
use crate::{Added, InstrumentError};

pub(super) struct Sampler<'a> {
    pub info: &'a Info,
    pub layout: &'a SampleLayout,
    pub earlier: &'a Added,
    /// Index (among defined functions) of the next body.
    pub next_body: u32,
}

impl Additions for Sampler<'_> {
    /// Every creatable section gets something.
    fn creates(&self, id: SectionId) -> bool {
        !self.info.sections.contains(&(id as u8))
    }

    fn add_types(&self, types: &mut TypeSection) {
        extend::add_signatures(types, &self.layout.types);
    }

    fn add_func_imports(&self, imports: &mut ImportSection) {
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
        for _ in self.layout.sampled() {
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
        for f in body::helpers(&self.layout.refs, self.layout.sampled()) {
            code.function(&f);
        }
    }
}

impl Reencode for Sampler<'_> {
    type Error = InstrumentError;

    added_sections!(types imports functions globals exports code drop_dwarf);

    fn function_index(&mut self, func: u32) -> Result<u32, Error<InstrumentError>> {
        Ok(extend::moved_func(
            func,
            self.info.imported_funcs,
            IMPORTS.len() as u32,
        ))
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
}
