//! Dropping the defined functions nothing can reach (see `reach`), renumbering every function
//! index that remains: calls, `ref.func`, exports, the start function, element segments and the
//! function, local and label names of the `name` section (the entries of removed functions go).

use super::super::error::PassError;
use super::reach::{self, Reach};
use super::sections::{checked_sections, first_dwarf_section};
use wasm_encoder::reencode::{utils, Error, Reencode};
use wasm_encoder::{CodeSection, FunctionSection, IndirectNameMap, NameMap, NameSection};
use wasmparser::{CodeSectionReader, FunctionSectionReader, Name, Parser};

/// The module without its unreachable functions.
#[derive(Debug, Clone)]
pub struct Dce {
    pub wasm: Vec<u8>,
    /// Defined functions removed, and defined functions kept.
    pub removed: usize,
    pub kept: usize,
    /// Custom sections dropped because they name functions by index in a format this pass
    /// does not rewrite (`metadata.code.*`: branch hints and other code annotations).
    pub dropped_sections: Vec<String>,
}

/// Removes the defined functions of `wasm` (a valid core module) that can never run. Imported
/// functions are kept: removing one would change what the module needs to instantiate.
///
/// The module is re-encoded even when nothing is removed, which alone can shrink it: linkers
/// write padded 5-byte indices where relocations were, and re-encoding writes them minimal.
/// That moves code, so a module with DWARF is refused: strip it first.
pub fn drop_unreachable(wasm: &[u8]) -> Result<Dce, PassError> {
    checked_sections(wasm)?;
    if let Some(section) = first_dwarf_section(wasm) {
        return Err(PassError::Dwarf(section));
    }
    let reach = reach::analyze(wasm)?;
    let mut new_index = Vec::with_capacity(reach.imported as usize + reach.live.len());
    new_index.extend((0..reach.imported).map(Some));
    let mut next = reach.imported;
    for &live in &reach.live {
        new_index.push(live.then(|| {
            next += 1;
            next - 1
        }));
    }
    let mut renumber = Renumber {
        reach: &reach,
        new_index,
        dropped_sections: Vec::new(),
    };
    let mut module = wasm_encoder::Module::new();
    renumber.parse_core_module(&mut module, Parser::new(0), wasm)?;
    Ok(Dce {
        wasm: module.finish(),
        removed: reach.removed(),
        kept: reach.live.len() - reach.removed(),
        dropped_sections: renumber.dropped_sections,
    })
}

struct Renumber<'a> {
    reach: &'a Reach,
    /// Old function index -> new one; `None` for a removed function.
    new_index: Vec<Option<u32>>,
    dropped_sections: Vec<String>,
}

impl Renumber<'_> {
    fn kept(&self, func: u32) -> Option<u32> {
        self.new_index.get(func as usize).copied().flatten()
    }

    /// The function names (or local or label names) of the functions kept, renumbered.
    fn name_map(&self, map: wasmparser::NameMap<'_>) -> Result<NameMap, Error<PassError>> {
        let mut out = NameMap::new();
        for naming in map {
            let naming = naming?;
            if let Some(index) = self.kept(naming.index) {
                out.append(index, naming.name);
            }
        }
        Ok(out)
    }

    fn indirect_name_map(
        &self,
        map: wasmparser::IndirectNameMap<'_>,
    ) -> Result<IndirectNameMap, Error<PassError>> {
        let mut out = IndirectNameMap::new();
        for naming in map {
            let naming = naming?;
            if let Some(index) = self.kept(naming.index) {
                out.append(index, &utils::name_map(naming.names, Ok)?);
            }
        }
        Ok(out)
    }
}

impl Reencode for Renumber<'_> {
    type Error = PassError;

    fn function_index(&mut self, func: u32) -> Result<u32, Error<PassError>> {
        // Every reference from a kept item is a root or an edge the analysis followed, so this
        // only fails if the analysis missed a kind of reference: an error, never a bad index.
        self.kept(func).ok_or_else(|| {
            Error::UserError(PassError::Encode(format!(
                "function {func} was found unreachable but is still referenced"
            )))
        })
    }

    fn parse_function_section(
        &mut self,
        functions: &mut FunctionSection,
        section: FunctionSectionReader<'_>,
    ) -> Result<(), Error<PassError>> {
        for (defined, ty) in section.into_iter().enumerate() {
            let ty = ty?;
            if self.reach.live.get(defined) == Some(&true) {
                functions.function(self.type_index(ty)?);
            }
        }
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut CodeSection,
        section: CodeSectionReader<'_>,
    ) -> Result<(), Error<PassError>> {
        for (defined, body) in section.into_iter().enumerate() {
            let body = body?;
            if self.reach.live.get(defined) == Some(&true) {
                self.parse_function_body(code, body)?;
            }
        }
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), Error<PassError>> {
        // Code annotations name functions and byte offsets in their bodies; both change here,
        // and an annotation is only a hint, so it goes rather than point at the wrong code.
        if section.name().starts_with("metadata.code.") {
            self.dropped_sections.push(section.name().to_string());
            return Ok(());
        }
        utils::parse_custom_section(self, module, section)
    }

    fn parse_custom_name_subsection(
        &mut self,
        names: &mut NameSection,
        section: Name<'_>,
    ) -> Result<(), Error<PassError>> {
        match section {
            Name::Function(map) => names.functions(&self.name_map(map)?),
            Name::Local(map) => names.locals(&self.indirect_name_map(map)?),
            Name::Label(map) => names.labels(&self.indirect_name_map(map)?),
            other => utils::parse_custom_name_subsection(self, names, other)?,
        }
        Ok(())
    }
}
