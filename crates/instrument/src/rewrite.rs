//! The rewrite proper: a `Reencode` pass that renumbers functions and appends the added items
//! to their sections (creating a section where the module has none).

use wasm_encoder::reencode::{utils, Error, Reencode};
use wasm_encoder::{
    CodeSection, ConstExpr, EntityType, ExportKind, ExportSection, FunctionSection, GlobalSection,
    GlobalType, ImportSection, MemorySection, Module, SectionId, TypeSection, ValType,
};
use wasmparser::KnownCustom;

use crate::analyze::{cap_in_own_pages, Info};
use crate::extend::{self, Additions};
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
    extend::run(&mut rewriter, wasm)
}

struct Rewriter<'a> {
    opts: &'a Options,
    info: &'a Info,
    layout: &'a Layout,
    /// Index (among defined functions) of the next body to rewrite.
    next_body: usize,
    record: Option<&'a [Recorded]>,
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
}

impl Additions for Rewriter<'_> {
    fn creates(&self, id: SectionId) -> bool {
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

    fn add_types(&self, types: &mut TypeSection) {
        extend::add_signatures(types, &self.layout.types);
    }

    fn add_leading_imports(&self, imports: &mut ImportSection) {
        let tank = EntityType::Global(GlobalType {
            val_type: ValType::I64,
            mutable: true,
            shared: false,
        });
        for &name in &self.layout.global_imports {
            imports.import(crate::RUNTIME_MODULE, name, tank);
        }
    }

    fn add_func_imports(&self, imports: &mut ImportSection) {
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
}

impl Reencode for Rewriter<'_> {
    type Error = InstrumentError;

    fn function_index(&mut self, func: u32) -> Result<u32, Error<InstrumentError>> {
        Ok(self.layout.function_index(func))
    }

    fn global_index(&mut self, global: u32) -> Result<u32, Error<InstrumentError>> {
        Ok(self.layout.global_index(global))
    }

    extend::added_sections!(types imports functions globals exports code);

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
        if extend::is_dwarf(&section) {
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
