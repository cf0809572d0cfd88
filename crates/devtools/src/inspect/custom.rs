//! The custom sections `inspect` decodes: `producers` and `name`.

use super::report::{Names, Producer};
use std::collections::{BTreeMap, HashMap};
use wasmparser::{Name, NameSectionReader, ProducersSectionReader};

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
