//! What every pass that adds items to a module does alike: appends them to their sections,
//! creates the sections the module lacks, puts added function imports right after the
//! module's own function imports (moving its defined functions up past them), and runs the
//! `Reencode` pass with this crate's errors.
//!
//! A pass implements [`Additions`] and writes [`added_sections!`] inside its
//! `impl Reencode`, naming the sections it adds to.

use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::{
    CodeSection, ExportSection, FunctionSection, GlobalSection, ImportSection, Module, Section,
    SectionId, TypeSection,
};
use wasmparser::{Parser, TypeRef};

use crate::layout::Signature;
use crate::report::FuncMap;
use crate::InstrumentError;

/// Sections a pass may have to create, in the order the binary format requires.
const CREATABLE: [SectionId; 6] = [
    SectionId::Type,
    SectionId::Import,
    SectionId::Function,
    SectionId::Global,
    SectionId::Export,
    SectionId::Code,
];

/// Position of a non-custom section in a module.
fn rank(id: SectionId) -> u8 {
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

/// What a pass adds to each section; nothing unless it says otherwise.
pub(crate) trait Additions: Reencode {
    /// Whether section `id` must be created: the pass adds to it and the input has none.
    fn creates(&self, id: SectionId) -> bool;

    fn add_types(&self, _types: &mut TypeSection) {}

    /// Imports that go before every import of the module (a global import that must be
    /// global 0).
    fn add_leading_imports(&self, _imports: &mut ImportSection) {}

    /// Function imports, which go right after the module's own function imports.
    fn add_func_imports(&self, _imports: &mut ImportSection) {}

    fn add_functions(&self, _functions: &mut FunctionSection) {}

    fn add_globals(&self, _globals: &mut GlobalSection) {}

    fn add_exports(&self, _exports: &mut ExportSection) {}

    fn add_code(&self, _code: &mut CodeSection) {}
}

/// Runs `pass` over `wasm` (a valid module) and encodes the result.
pub(crate) fn run<P>(pass: &mut P, wasm: &[u8]) -> Result<Vec<u8>, InstrumentError>
where
    P: Reencode<Error = InstrumentError>,
{
    let mut module = Module::new();
    pass.parse_core_module(&mut module, Parser::new(0), wasm)
        .map_err(|e| match e {
            Error::UserError(e) => e,
            Error::ParseError(e) => InstrumentError::from_parser(e),
            other => InstrumentError::Encode(other.to_string()),
        })?;
    Ok(module.finish())
}

/// The new index of input function `func` once `added` function imports follow the input's
/// `imported` ones.
pub(crate) fn moved_func(func: u32, imported: u32, added: u32) -> u32 {
    if func < imported {
        func
    } else {
        func + added
    }
}

/// Where each function of the output came from, for `added` function imports put after the
/// input's `imported` ones, before its `defined` functions; a pass appending functions of its
/// own pushes them after.
pub(crate) fn func_map(imported: u32, added: u32, defined: u32) -> FuncMap {
    let mut funcs = FuncMap::default();
    funcs.push(imported, Some(0));
    funcs.push(added, None);
    funcs.push(defined, Some(imported));
    funcs
}

/// Appends a function type for each of `signatures`.
pub(crate) fn add_signatures(types: &mut TypeSection, signatures: &[Signature]) {
    for (params, results) in signatures {
        types
            .ty()
            .function(params.iter().copied(), results.iter().copied());
    }
}

/// Whether `section` is DWARF (`.debug_*`), which a pass that moves code drops: DWARF
/// addresses code by offset, and every offset changes.
pub(crate) fn is_dwarf(section: &wasmparser::CustomSectionReader<'_>) -> bool {
    section.name().starts_with(".debug_")
}

/// The `intersperse_section_hook` of a pass: creates, where they belong between `after` and
/// `before`, the sections it adds to and the input lacks.
pub(crate) fn create_missing<P: Additions + ?Sized>(
    pass: &P,
    module: &mut Module,
    after: Option<SectionId>,
    before: Option<SectionId>,
) {
    let lo = after.map_or(0, rank);
    let hi = before.map_or(u8::MAX, rank);
    for id in CREATABLE {
        if !(lo < rank(id) && rank(id) < hi && pass.creates(id)) {
            continue;
        }
        match id {
            SectionId::Type => created(module, |s| pass.add_types(s)),
            SectionId::Import => created(module, |s| {
                pass.add_leading_imports(s);
                pass.add_func_imports(s);
            }),
            SectionId::Function => created(module, |s| pass.add_functions(s)),
            SectionId::Global => created(module, |s| pass.add_globals(s)),
            SectionId::Export => created(module, |s| pass.add_exports(s)),
            _ => created(module, |s| pass.add_code(s)),
        }
    }
}

fn created<S: Section + Default>(module: &mut Module, fill: impl FnOnce(&mut S)) {
    let mut section = S::default();
    fill(&mut section);
    module.section(&section);
}

pub(crate) fn imports<P: Additions + ?Sized>(
    pass: &mut P,
    imports: &mut ImportSection,
    section: wasmparser::ImportSectionReader<'_>,
) -> Result<(), Error<P::Error>> {
    let all = section.into_imports().collect::<Result<Vec<_>, _>>()?;
    // The added function imports go right after the input's last function import, not at
    // the end: function indices come out the same, and wasm3 0.3, which skips the type of
    // an imported table without reading it, then misparses nothing after a table import.
    let split = all
        .iter()
        .rposition(|i| matches!(i.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)))
        .map_or(0, |last| last + 1);
    pass.add_leading_imports(imports);
    for import in &all[..split] {
        pass.parse_import(imports, *import)?;
    }
    pass.add_func_imports(imports);
    for import in &all[split..] {
        pass.parse_import(imports, *import)?;
    }
    Ok(())
}

/// Written inside `impl Reencode for P` where `P:` [`Additions`]: the section hooks that write
/// P's additions, for the sections named (`types`, `imports`, `functions`, `globals`,
/// `exports`, `code`, in any order; `drop_dwarf` drops the DWARF sections), and the hook that
/// creates the sections the input lacks.
/// A pass that must do more in one of these hooks writes that hook itself.
macro_rules! added_sections {
    ($($section:ident)*) => {
        fn intersperse_section_hook(
            &mut self,
            module: &mut wasm_encoder::Module,
            after: Option<wasm_encoder::SectionId>,
            before: Option<wasm_encoder::SectionId>,
        ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
            $crate::extend::create_missing(self, module, after, before);
            Ok(())
        }
        $($crate::extend::added_sections!(@hook $section);)*
    };
    (@hook imports) => {
        fn parse_import_section(
            &mut self,
            imports: &mut wasm_encoder::ImportSection,
            section: wasmparser::ImportSectionReader<'_>,
        ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
            $crate::extend::imports(self, imports, section)
        }
    };
    // DWARF addresses code by offset, and every offset changes: dropped, the rest kept.
    (@hook drop_dwarf) => {
        fn parse_custom_section(
            &mut self,
            module: &mut wasm_encoder::Module,
            section: wasmparser::CustomSectionReader<'_>,
        ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
            if $crate::extend::is_dwarf(&section) {
                return Ok(());
            }
            wasm_encoder::reencode::utils::parse_custom_section(self, module, section)
        }
    };
    (@hook types) => {
        $crate::extend::added_sections!(@append parse_type_section TypeSection TypeSectionReader add_types);
    };
    (@hook functions) => {
        $crate::extend::added_sections!(@append parse_function_section FunctionSection FunctionSectionReader add_functions);
    };
    (@hook globals) => {
        $crate::extend::added_sections!(@append parse_global_section GlobalSection GlobalSectionReader add_globals);
    };
    (@hook exports) => {
        $crate::extend::added_sections!(@append parse_export_section ExportSection ExportSectionReader add_exports);
    };
    (@hook code) => {
        $crate::extend::added_sections!(@append parse_code_section CodeSection CodeSectionReader add_code);
    };
    // The section as it is (wasm-encoder's default for the hook), then what the pass adds.
    (@append $hook:ident $section:ident $reader:ident $add:ident) => {
        fn $hook(
            &mut self,
            out: &mut wasm_encoder::$section,
            section: wasmparser::$reader<'_>,
        ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
            wasm_encoder::reencode::utils::$hook(self, out, section)?;
            $crate::extend::Additions::$add(self, out);
            Ok(())
        }
    };
}
pub(crate) use added_sections;

/// The index of function type `params -> results` among the types a pass adds (`types`, the
/// first of them at index `first`), added if it is not there yet.
pub(crate) fn intern(
    types: &mut Vec<Signature>,
    first: u32,
    params: Vec<wasm_encoder::ValType>,
    results: Vec<wasm_encoder::ValType>,
) -> u32 {
    let sig = (params, results);
    let position = types.iter().position(|t| *t == sig).unwrap_or_else(|| {
        types.push(sig);
        types.len() - 1
    });
    first + position as u32
}

/// The type of a block with no parameters and a function's `results`, in which a pass runs
/// a body so that a branch to the function's own label lands on code after it. More than
/// one result needs a function type: `intern` gives its index.
pub(crate) fn wrapper_block(
    results: &[wasmparser::ValType],
    mut intern: impl FnMut(Vec<wasm_encoder::ValType>) -> u32,
) -> Result<wasm_encoder::BlockType, InstrumentError> {
    use wasm_encoder::reencode::RoundtripReencoder;
    let mut convert = RoundtripReencoder;
    let mut val_type = |ty| {
        convert
            .val_type(ty)
            .map_err(|e| InstrumentError::Encode(e.to_string()))
    };
    Ok(match results {
        [] => wasm_encoder::BlockType::Empty,
        [one] => wasm_encoder::BlockType::Result(val_type(*one)?),
        many => {
            let results = many
                .iter()
                .map(|&t| val_type(t))
                .collect::<Result<Vec<_>, _>>()?;
            wasm_encoder::BlockType::FunctionType(intern(results))
        }
    })
}
