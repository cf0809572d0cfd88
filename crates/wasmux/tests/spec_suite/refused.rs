//! The spec suite's invalid and malformed modules handed to `Runtime::prepare_bytes`, which
//! leaves function bodies to an engine that validates them (`EngineCaps::validates`): every
//! one must still be refused, with the error `Module::from_bytes` gives, on every engine.

use crate::suite::scripts;
use wasmux::{Module, Runtime};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective};

/// The binary of every `assert_invalid` and binary `assert_malformed` module, by script.
fn refused_modules() -> Vec<(String, Vec<u8>)> {
    let mut modules = Vec::new();
    for (path, text) in scripts() {
        let Ok(buffer) = ParseBuffer::new(text) else {
            continue;
        };
        let Ok(script) = parser::parse::<Wast>(&buffer) else {
            continue;
        };
        for directive in script.directives {
            let mut module = match directive {
                WastDirective::AssertInvalid { module, .. } => module,
                WastDirective::AssertMalformed {
                    module: module @ QuoteWat::QuoteModule(..),
                    ..
                } => module,
                _ => continue,
            };
            // Text that does not even encode never reaches a runtime as bytes.
            if let Ok(bytes) = module.encode() {
                modules.push((path.clone(), bytes));
            }
        }
    }
    modules
}

#[test]
fn refused_modules_get_the_same_error_whoever_checks_their_bodies() {
    let modules = refused_modules();
    assert!(modules.len() > 500, "only {} modules found", modules.len());
    for engine in wasmux::engine_names() {
        let runtime = Runtime::builder().engine(&engine).build().unwrap();
        let mut refused = 0;
        for (path, bytes) in &modules {
            let expected = match Module::from_bytes("m.wasm", bytes) {
                Err(e) => e.to_string(),
                // Malformed text that encodes to a valid binary: not this test's case.
                Ok(_) => continue,
            };
            match runtime.prepare_bytes("m.wasm", bytes) {
                Ok(_) => panic!("{engine}: a module of {path} was accepted: {expected}"),
                Err(e) => assert_eq!(e.to_string(), expected, "{engine}: {path}"),
            }
            refused += 1;
        }
        assert!(refused > 500, "{engine}: only {refused} refused modules");
    }
}
