//! Tables wasmer cannot create, found before it compiles.
//!
//! wasmer's runtime makes tables of `funcref` and `externref` only. A table of `exnref`, which
//! its LLVM backend compiles (exceptions), failed at instantiation with "Insufficient
//! resources" instead of naming the missing feature; such modules are refused here.

use wasmparser::{Parser, Payload, RefType, TypeRef};

/// The element type of the first table wasmer cannot make, imported or defined.
pub fn unsupported_table(wasm: &[u8]) -> Option<String> {
    let supported = |ty: RefType| ty.is_func_ref() || ty.is_extern_ref();
    for payload in Parser::new(0).parse_all(wasm) {
        // Malformed input is the compiler's to report.
        match payload.ok()? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let TypeRef::Table(t) = import.ok()?.ty {
                        if !supported(t.element_type) {
                            return Some(t.element_type.to_string());
                        }
                    }
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let ty = table.ok()?.ty.element_type;
                    if !supported(ty) {
                        return Some(ty.to_string());
                    }
                }
            }
            Payload::CodeSectionStart { .. } => return None,
            _ => {}
        }
    }
    None
}
