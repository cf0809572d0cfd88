//! The custom sections `inspect` decodes: `producers`, `name` and `target_features`.

use super::report::{Names, Producer};
use std::collections::{BTreeMap, HashMap};
use wasmparser::{BinaryReader, Name, NameSectionReader, ProducersSectionReader};

/// The `producers` section's fields, each with its tools in order.
pub fn producers(
    reader: ProducersSectionReader<'_>,
) -> wasmparser::Result<BTreeMap<String, Vec<Producer>>> {
    let mut fields = BTreeMap::new();
    for field in reader {
        let field = field?;
        let mut values = Vec::new();
        for value in field.values {
            let value = value?;
            values.push(Producer {
                name: value.name.to_string(),
                version: value.version.to_string(),
            });
        }
        fields
            .entry(field.name.to_string())
            .or_insert_with(Vec::new)
            .extend(values);
    }
    Ok(fields)
}

/// What the `name` section names: its summary, and the functions' names by index.
pub fn names(reader: NameSectionReader<'_>) -> wasmparser::Result<(Names, HashMap<u32, String>)> {
    let mut names = Names::default();
    let mut functions = HashMap::new();
    for part in reader {
        match part? {
            Name::Module { name, .. } => names.module = Some(name.to_string()),
            Name::Function(map) => {
                for naming in map {
                    let naming = naming?;
                    functions.insert(naming.index, naming.name.to_string());
                }
            }
            Name::Local(map) => {
                for function in map {
                    names.locals += function?.names.count();
                }
            }
            _ => {}
        }
    }
    names.functions = functions.len() as u32;
    Ok((names, functions))
}

/// LLVM's `target_features` section: the features the compiler was allowed to use, each as
/// `+name` (used), `-name` (disallowed) or `=name` (required), in the section's order.
pub fn target_features(data: &[u8], offset: usize) -> Result<Vec<String>, (usize, String)> {
    let failed = |e: wasmparser::BinaryReaderError| (e.offset(), e.message().to_string());
    let mut reader = BinaryReader::new(data, offset);
    let count = reader.read_var_u32().map_err(failed)?;
    // Each entry is at least two bytes; a count past that is garbage, not a reason to allocate.
    let mut features = Vec::with_capacity((count as usize).min(data.len() / 2));
    for _ in 0..count {
        let at = reader.original_position();
        let prefix = reader.read_u8().map_err(failed)?;
        if !matches!(prefix, b'+' | b'-' | b'=') {
            return Err((at, format!("unknown feature prefix 0x{prefix:02x}")));
        }
        let name = reader.read_string().map_err(failed)?;
        features.push(format!("{}{name}", prefix as char));
    }
    Ok(features)
}
