//! What profiles and traces print about a module's functions: their names (from the `name`
//! section, demangled, or the import's `module::field`) and their types.

use std::collections::HashMap;
use wasmparser::{CompositeInnerType, KnownCustom, Name, Parser, Payload, TypeRef, ValType};

/// The functions of one module, by index in its function index space.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    names: HashMap<u32, String>,
    /// Parameter and result types, by function index.
    types: Vec<(Vec<ValType>, Vec<ValType>)>,
    imported: u32,
}

impl Symbols {
    /// Reads `wasm` (a valid binary module). Malformed custom sections are ignored: names are
    /// only ever informative.
    pub fn read(wasm: &[u8]) -> Symbols {
        let mut symbols = Symbols::default();
        let mut func_types = Vec::new();
        let mut import_names = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            let Ok(payload) = payload else { break };
            match payload {
                Payload::TypeSection(section) => {
                    for group in section.into_iter().flatten() {
                        for sub in group.types() {
                            func_types.push(match &sub.composite_type.inner {
                                CompositeInnerType::Func(f) => {
                                    (f.params().to_vec(), f.results().to_vec())
                                }
                                _ => (vec![], vec![]),
                            });
                        }
                    }
                }
                Payload::ImportSection(section) => {
                    for import in section.into_imports().flatten() {
                        if let TypeRef::Func(ty) | TypeRef::FuncExact(ty) = import.ty {
                            import_names.push(format!("{}::{}", import.module, import.name));
                            let ty = func_types.get(ty as usize).cloned().unwrap_or_default();
                            symbols.types.push(ty);
                        }
                    }
                }
                Payload::FunctionSection(section) => {
                    for ty in section.into_iter().flatten() {
                        let ty = func_types.get(ty as usize).cloned().unwrap_or_default();
                        symbols.types.push(ty);
                    }
                }
                Payload::ExportSection(section) => {
                    for export in section.into_iter().flatten() {
                        if export.kind == wasmparser::ExternalKind::Func {
                            symbols
                                .names
                                .entry(export.index)
                                .or_insert_with(|| export.name.to_string());
                        }
                    }
                }
                Payload::CustomSection(section) => {
                    if let KnownCustom::Name(reader) = section.as_known() {
                        for name in reader.into_iter().flatten() {
                            if let Name::Function(map) = name {
                                for naming in map.into_iter().flatten() {
                                    let name = demangle(naming.name);
                                    symbols.names.insert(naming.index, name);
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        symbols.imported = import_names.len() as u32;
        for (i, name) in import_names.into_iter().enumerate() {
            symbols.names.insert(i as u32, name);
        }
        symbols
    }

    /// The function's name, or `func[N]` as wasmtime prints a nameless one.
    pub fn name(&self, func: u32) -> String {
        self.names
            .get(&func)
            .cloned()
            .unwrap_or_else(|| format!("func[{func}]"))
    }

    /// Parameter and result types of function `func`.
    pub fn func_type(&self, func: u32) -> (&[ValType], &[ValType]) {
        self.types
            .get(func as usize)
            .map_or((&[], &[]), |(p, r)| (p.as_slice(), r.as_slice()))
    }

    /// The largest number of parameters or results of any function, which bounds the probe
    /// imports a module can have.
    pub fn max_values(&self) -> usize {
        self.types
            .iter()
            .map(|(p, r)| p.len().max(r.len()))
            .max()
            .unwrap_or(0)
    }

    /// Whether `func` is imported (a host function).
    pub fn is_import(&self, func: u32) -> bool {
        func < self.imported
    }
}

fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}

/// A value a probe passed as an `i64`, printed as its type says.
pub fn show_value(ty: ValType, bits: i64) -> String {
    match ty {
        ValType::I32 => (bits as u32 as i32).to_string(),
        ValType::I64 => bits.to_string(),
        ValType::F32 => format!("{}", f32::from_bits(bits as u32)),
        ValType::F64 => format!("{}", f64::from_bits(bits as u64)),
        ValType::V128 => "v128".to_string(),
        ValType::Ref(_) => "ref".to_string(),
    }
}
