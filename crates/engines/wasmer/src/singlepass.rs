//! What Singlepass cannot compile, found before it tries.
//!
//! Singlepass builds a host-call trampoline for every imported function type, and that
//! trampoline can return only one value: an import with two or more results makes it fail an
//! assertion (a panic, not an error). Such modules are refused here with a clear message.

use wasmparser::{CompositeInnerType, Parser, Payload, TypeRef};

/// The first imported function with more than one result, as `module::name`.
pub fn multi_result_import(wasm: &[u8]) -> Option<String> {
    // Result count of each type index; `None` for non-function types.
    let mut results: Vec<Option<usize>> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        // Malformed input is the compiler's to report.
        match payload.ok()? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.ok()?.into_types() {
                        results.push(match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) => Some(f.results().len()),
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.ok()?;
                    if let TypeRef::Func(ty) = import.ty {
                        if results.get(ty as usize).copied().flatten() > Some(1) {
                            return Some(format!("{}::{}", import.module, import.name));
                        }
                    }
                }
                // Imports come after types and before everything else that matters here.
                return None;
            }
            _ => {}
        }
    }
    None
}
