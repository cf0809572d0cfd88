//! Removing custom sections: DWARF, the `name` section, `producers` and any other the module
//! does not need to run. Sections are copied byte for byte, so code offsets do not move.

use super::super::error::PassError;
use super::sections::checked_sections;

/// Which custom sections to remove. A section named in `keep` is never removed.
#[derive(Debug, Clone, Default)]
pub struct StripOptions {
    /// `.debug_*` (DWARF).
    pub debug: bool,
    /// Every custom section except `name` (`producers`, `target_features`, DWARF...).
    pub custom: bool,
    /// The `name` section (function names in backtraces).
    pub names: bool,
    pub keep: Vec<String>,
}

impl StripOptions {
    /// Whether these options remove anything at all.
    pub fn any(&self) -> bool {
        self.debug || self.custom || self.names
    }

    fn removes(&self, name: &str) -> bool {
        if self.keep.iter().any(|k| k == name) {
            return false;
        }
        (self.debug && name.starts_with(".debug_"))
            || (self.names && name == "name")
            || (self.custom && name != "name")
    }
}

/// The module without the custom sections `opts` removes, and their names.
#[derive(Debug, Clone)]
pub struct Stripped {
    pub wasm: Vec<u8>,
    pub removed: Vec<String>,
}

/// Removes the custom sections `opts` asks for from `wasm`, a valid core module.
pub fn strip(wasm: &[u8], opts: &StripOptions) -> Result<Stripped, PassError> {
    let sections = checked_sections(wasm)?;
    let mut out = wasm[..8].to_vec();
    let mut removed = Vec::new();
    for section in sections {
        match section.name {
            Some(name) if opts.removes(name) => removed.push(name.to_string()),
            _ => out.extend_from_slice(&wasm[section.range]),
        }
    }
    Ok(Stripped { wasm: out, removed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::passes::custom_section_names;
    use wasm_encoder::{CustomSection, Module};

    /// A module with a function, its name, DWARF, `producers` and a section of the user's.
    fn module() -> Vec<u8> {
        let mut bytes =
            wat::parse_str(r#"(module $m (func $f (export "f") (result i32) i32.const 7))"#)
                .unwrap();
        let mut extra = Module::new();
        for name in [".debug_info", ".debug_line", "producers", "mine"] {
            extra.section(&CustomSection {
                name: name.into(),
                data: b"data"[..].into(),
            });
        }
        bytes.extend_from_slice(&extra.finish()[8..]);
        bytes
    }

    fn names(opts: StripOptions) -> Vec<String> {
        let out = strip(&module(), &opts).unwrap();
        crate::build::passes::validate(&out.wasm).unwrap();
        custom_section_names(&out.wasm)
    }

    #[test]
    fn each_option_removes_its_sections_only() {
        let all = ["name", ".debug_info", ".debug_line", "producers", "mine"];
        assert_eq!(names(StripOptions::default()), all);
        let debug = StripOptions {
            debug: true,
            ..Default::default()
        };
        assert_eq!(names(debug), ["name", "producers", "mine"]);
        let custom = StripOptions {
            custom: true,
            ..Default::default()
        };
        assert_eq!(names(custom), ["name"]);
        let both = StripOptions {
            custom: true,
            names: true,
            keep: vec!["mine".into()],
            ..Default::default()
        };
        assert_eq!(names(both), ["mine"]);
        let out = strip(
            &module(),
            &StripOptions {
                names: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(out.removed, ["name"]);
    }

    #[test]
    fn code_is_copied_byte_for_byte() {
        let input = module();
        let out = strip(
            &input,
            &StripOptions {
                custom: true,
                names: true,
                ..Default::default()
            },
        )
        .unwrap();
        // Every custom section follows the code here, so what is left is the input's start.
        assert!(out.wasm.len() < input.len());
        assert!(input.starts_with(&out.wasm));
    }

    #[test]
    fn bad_input_is_an_error() {
        let err = strip(b"\0asm\x01\0\0\0\x05", &StripOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("not a valid WebAssembly module"),
            "{err}"
        );
        let component = wat::parse_str("(component)").unwrap();
        assert!(strip(&component, &StripOptions::default()).is_err());
    }
}
