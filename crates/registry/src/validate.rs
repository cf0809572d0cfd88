//! Publish-time validation: every rule of the publish policy is checked and every failure
//! reported, so an author fixes them in one round.

use crate::name::PackageName;
use crate::policy::{feature, PublishPolicy};
use std::collections::{BTreeMap, BTreeSet};
use wasmparser::{Parser, Payload, Validator, WasmFeatures};

/// The reasons `wasm` may not be published under `policy`; empty when it may. `deps` are
/// the manifest's dependencies, whose names are always allowed as import modules.
pub fn check(wasm: &[u8], policy: &PublishPolicy, deps: &BTreeSet<&PackageName>) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some(max) = policy.max_size {
        if wasm.len() as u64 > max {
            reasons.push(format!(
                "the module is {} bytes, above the policy's max_size of {max} bytes",
                wasm.len()
            ));
        }
    }
    if let Err(e) = Validator::new_with_features(WasmFeatures::all()).validate_all(wasm) {
        reasons.push(format!(
            "not a valid WebAssembly module: {} (at byte offset {:#x})",
            e.message(),
            e.offset()
        ));
        // The rules below read a valid module; an invalid one has nothing more to tell.
        return reasons;
    }
    for name in &policy.forbidden_features {
        let Ok(flag) = feature(name) else { continue };
        let without = WasmFeatures::all().difference(flag);
        if let Err(e) = Validator::new_with_features(without).validate_all(wasm) {
            reasons.push(format!(
                "uses {name}, which the policy forbids (first use at byte offset {:#x})",
                e.offset()
            ));
        }
    }
    let (imports, exports) = imports_exports(wasm);
    for (module, funcs) in &imports {
        let is_dep = deps.iter().any(|d| d.as_str() == module);
        let allowed = match &policy.allowed_imports {
            Some(list) => is_dep || list.iter().any(|m| m == module),
            None => true,
        };
        if !allowed {
            reasons.push(format!(
                "imports from module {module:?} ({}), which the policy does not allow \
                 (allowed: {})",
                funcs.join(", "),
                allowed_list(policy, deps)
            ));
        } else if !is_dep && PackageName::parse(module).is_ok() {
            reasons.push(format!(
                "imports from {module:?}, a package name that is not in [dependencies]"
            ));
        }
    }
    for export in &policy.required_exports {
        if !exports.contains(export) {
            reasons.push(format!(
                "does not export {export:?}, which the policy requires"
            ));
        }
    }
    reasons
}

fn allowed_list(policy: &PublishPolicy, deps: &BTreeSet<&PackageName>) -> String {
    let mut all: Vec<String> = policy.allowed_imports.clone().unwrap_or_default();
    all.extend(deps.iter().map(|d| d.to_string()));
    if all.is_empty() {
        "none".to_string()
    } else {
        all.join(", ")
    }
}

/// Import module -> imported names, and export names, of a valid module.
fn imports_exports(wasm: &[u8]) -> (BTreeMap<String, Vec<String>>, BTreeSet<String>) {
    let mut imports: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut exports = BTreeSet::new();
    for payload in Parser::new(0).parse_all(wasm).flatten() {
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports().flatten() {
                    imports
                        .entry(import.module.to_string())
                        .or_default()
                        .push(import.name.to_string());
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader.into_iter().flatten() {
                    exports.insert(export.name.to_string());
                }
            }
            _ => {}
        }
    }
    (imports, exports)
}
