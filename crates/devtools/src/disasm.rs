//! A module, or one of its functions, in the text format (wasmprinter).

use crate::error::{InspectError, InspectErrorKind};
use crate::inspect::walk::{demangle, walk, Parsed};
use crate::inspect::{binary, FuncRef};
use std::ops::Range;

/// How to print.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Start each line with its byte offset in the binary, as `(;@1a;)`.
    pub offsets: bool,
}

/// A function chosen by the user: by index in the function index space (imports first), or by
/// name (the name section's, or an export's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Function {
    Index(u32),
    Name(String),
}

impl Function {
    /// `12` is an index; anything else a name, with the text format's `$` optional.
    pub fn parse(s: &str) -> Function {
        match s.parse() {
            Ok(index) => Function::Index(index),
            Err(_) => Function::Name(s.strip_prefix('$').unwrap_or(s).to_string()),
        }
    }
}

/// The whole module (binary or text) as text.
pub fn module(bytes: &[u8], options: Options) -> Result<String, InspectError> {
    let binary = binary(bytes)?;
    // Decoded first: a malformed module fails with its byte offset, and wasmprinter (which
    // panics on some of them) only sees modules that decode.
    walk(&binary)?;
    let mut text = String::new();
    config(options)
        .print(&binary, &mut wasmprinter::PrintFmtWrite(&mut text))
        .map_err(|e| print_error(&e))?;
    Ok(text)
}

/// One function as text: a `(func ...)` form. An imported function has no body, which is an
/// error of kind [`InspectErrorKind::ImportedFunction`].
pub fn function(bytes: &[u8], which: &Function, options: Options) -> Result<String, InspectError> {
    let binary = binary(bytes)?;
    let parsed = walk(&binary)?;
    let index = resolve(&parsed, which)?;
    let func = &parsed.funcs[index as usize];
    if let Some((module, name)) = &func.import {
        let signature: FuncRef = parsed.func_ref(func.type_index);
        return Err(InspectErrorKind::ImportedFunction {
            index,
            label: parsed.func_names.get(&index).cloned(),
            module: module.clone(),
            name: name.clone(),
            signature: format!("func {signature}"),
        }
        .into());
    }
    let Some(body) = func.body.clone() else {
        return Err(InspectErrorKind::MissingBody { index }.into());
    };
    let mut one = OneFunction {
        body,
        lines: Vec::new(),
        state: State::Before,
    };
    match config(options).print(&binary, &mut one) {
        Ok(()) => {}
        // The printer stopped because the function was done.
        Err(_) if one.state == State::After => {}
        Err(e) => return Err(print_error(&e)),
    }
    let lines: Vec<&str> = one.lines.iter().map(|l| l.trim_end_matches('\n')).collect();
    Ok(dedent(&lines))
}

/// Where the printer is, relative to the function wanted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Before,
    In,
    After,
}

/// Keeps the lines of one function from wasmprinter's output and stops the printer after it,
/// so a large module's text is neither kept nor, past the function, even made. Its header line
/// starts at its body's offset; its lines up to the closing paren at offsets inside the body,
/// or at none (comments the printer adds). The module's closing paren may be at the body's end.
struct OneFunction {
    body: Range<usize>,
    lines: Vec<String>,
    state: State,
}

impl wasmprinter::Print for OneFunction {
    fn write_str(&mut self, s: &str) -> std::io::Result<()> {
        match self.state {
            State::Before => Ok(()),
            State::In => {
                if let Some(line) = self.lines.last_mut() {
                    line.push_str(s);
                }
                Ok(())
            }
            State::After => Err(std::io::Error::other("the function is printed")),
        }
    }

    fn start_line(&mut self, offset: Option<usize>) {
        let inside = match (self.state, offset) {
            (State::Before, Some(o)) => o == self.body.start,
            (State::In, Some(o)) => self.body.contains(&o),
            (State::In, None) => true,
            _ => false,
        };
        if inside {
            self.state = State::In;
            self.lines.push(String::new());
        } else if self.state == State::In {
            self.state = State::After;
        }
    }
}

fn resolve(parsed: &Parsed, which: &Function) -> Result<u32, InspectError> {
    let count = parsed.funcs.len() as u32;
    match which {
        Function::Index(index) if *index < count => Ok(*index),
        Function::Index(index) => Err(InspectErrorKind::FunctionIndexOutOfRange {
            index: *index,
            count,
        }
        .into()),
        Function::Name(name) => {
            // The name section's names as they are, then demangled as `inspect` shows them.
            let mut named: Vec<u32> = parsed
                .func_names
                .iter()
                .filter(|(_, n)| *n == name)
                .map(|(&i, _)| i)
                .collect();
            if named.is_empty() {
                named = parsed
                    .func_names
                    .iter()
                    .filter(|(_, n)| demangle(n).as_ref() == Some(name))
                    .map(|(&i, _)| i)
                    .collect();
            }
            // Names need not be unique; the lowest index is the one a reader finds first.
            named.sort_unstable();
            named
                .first()
                .copied()
                .or_else(|| {
                    parsed
                        .report
                        .exports
                        .iter()
                        .find(|e| e.kind == "func" && e.name == *name)
                        .map(|e| e.index)
                })
                .filter(|&i| i < count)
                .ok_or_else(|| {
                    InspectErrorKind::UnknownFunction {
                        wanted: name.clone(),
                        count,
                    }
                    .into()
                })
        }
    }
}

fn config(options: Options) -> wasmprinter::Config {
    let mut config = wasmprinter::Config::new();
    config.print_offsets(options.offsets);
    config
}

fn print_error(e: &dyn std::fmt::Display) -> InspectError {
    InspectErrorKind::Print {
        message: format!("{e:#}"),
    }
    .into()
}

/// Lines without the indentation they had inside `(module ...)`.
fn dedent(lines: &[&str]) -> String {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let common = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    let mut text = String::new();
    for line in lines {
        text.push_str(line.get(common..).unwrap_or(line.trim_start()).trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: &str = include_str!("../../../tests/inspect/kinds.wat");

    fn one(which: &str) -> Result<String, InspectError> {
        function(
            KINDS.as_bytes(),
            &Function::parse(which),
            Options::default(),
        )
    }

    #[test]
    fn a_function_is_found_by_name_export_or_index() {
        let want = "(func $fill (;2;) (type 3) (param $dst i32) (param $len i32)\n  \
                    local.get $dst\n  i32.const 0\n  local.get $len\n  memory.fill $mem\n)\n";
        assert_eq!(one("fill").unwrap(), want);
        assert_eq!(one("$fill").unwrap(), want);
        assert_eq!(one("2").unwrap(), want);
        // `splat` has a name but no export; `swap` is found by its export too.
        assert!(one("splat").unwrap().starts_with("(func $splat (;3;)"));
        assert!(one("6").unwrap().starts_with("(func $nothing (;6;)"));
        let exported_only = br#"(module (func) (func (export "run") (nop)))"#;
        let text = function(exported_only, &Function::parse("run"), Options::default()).unwrap();
        assert_eq!(text, "(func (;1;) (type 0)\n  nop\n)\n");
    }

    #[test]
    fn offsets_are_those_of_the_binary() {
        let binary = wat::parse_str(KINDS).unwrap();
        let text = function(&binary, &Function::Index(2), Options { offsets: true }).unwrap();
        let first = text.lines().next().unwrap();
        let offset = first
            .strip_prefix("(;@")
            .and_then(|l| l.split_whitespace().next())
            .and_then(|h| usize::from_str_radix(h.trim_end_matches(";)"), 16).ok())
            .unwrap_or_else(|| panic!("{first}"));
        let report = crate::inspect::inspect(&binary).unwrap();
        let fill = report
            .functions
            .largest
            .iter()
            .find(|f| f.index == 2)
            .unwrap();
        assert_eq!(offset, fill.offset);
        assert_eq!(text.lines().count(), 6, "{text}");
    }

    #[test]
    fn an_imported_function_has_no_body() {
        let e = one("log").unwrap_err();
        assert_eq!(
            e.kind(),
            &InspectErrorKind::ImportedFunction {
                index: 0,
                label: Some("log".into()),
                module: "env".into(),
                name: "log".into(),
                signature: "func (i32)".into(),
            }
        );
        assert!(e.to_string().contains("has no body"), "{e}");
        assert!(one("0").is_err());
    }

    #[test]
    fn an_unknown_function_is_an_error() {
        assert_eq!(
            one("nope").unwrap_err().kind(),
            &InspectErrorKind::UnknownFunction {
                wanted: "nope".into(),
                count: 7
            }
        );
        assert_eq!(
            one("7").unwrap_err().kind(),
            &InspectErrorKind::FunctionIndexOutOfRange { index: 7, count: 7 }
        );
    }

    #[test]
    fn the_whole_module_is_wasmprinters_text() {
        let binary = wat::parse_str(KINDS).unwrap();
        let text = module(KINDS.as_bytes(), Options::default()).unwrap();
        assert_eq!(text, wasmprinter::print_bytes(&binary).unwrap());
        // The text is a module again, the same one.
        assert_eq!(wat::parse_str(&text).unwrap(), binary);
    }

    #[test]
    fn more_bodies_than_functions_is_an_error_not_a_panic() {
        // wasmprinter panics on such a module; the decoder's pass before it refuses it.
        // Type section: one `[] -> []`; function section: none, then two functions; code
        // section: one empty body.
        for functions in [&b""[..], b"\x03\x03\x02\0\0"] {
            let binary = [
                &b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0"[..],
                functions,
                b"\x0a\x04\x01\x02\0\x0b",
            ]
            .concat();
            let e = module(&binary, Options::default()).unwrap_err();
            assert!(e.offset().is_some(), "{e}");
            let e = function(&binary, &Function::Index(0), Options::default()).unwrap_err();
            assert!(e.offset().is_some(), "{e}");
        }
    }
}
