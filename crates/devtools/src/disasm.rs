//! A module, or one of its functions, in the text format (wasmprinter).

use crate::error::{InspectError, InspectErrorKind};
use crate::inspect::walk::{demangle, walk, Parsed};
use crate::inspect::{binary, FuncRef};

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
    let parsed = walk(&binary)?;
    printable(&parsed)?;
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
    printable(&parsed)?;
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
    let mut storage = String::new();
    let lines = config(options)
        .offsets_and_lines(&binary, &mut storage)
        .map_err(|e| print_error(&e))?;
    // The function's header line is at its body's offset; the lines up to its closing paren
    // are at offsets inside the body, or at none (comments the printer adds).
    let mut out: Vec<&str> = Vec::new();
    for (offset, line) in lines {
        match offset {
            Some(o) if o == body.start => out.push(line),
            Some(o) if !out.is_empty() && (body.contains(&o) || o == body.end) => out.push(line),
            None if !out.is_empty() => out.push(line),
            _ if !out.is_empty() => break,
            _ => {}
        }
    }
    Ok(dedent(&out))
}

/// wasmprinter panics on a code section with more bodies than the function section declares,
/// so that is refused first, as the validator would.
fn printable(parsed: &Parsed) -> Result<(), InspectError> {
    let functions = &parsed.report.functions;
    let bodies = functions.largest.len() as u32;
    if bodies != functions.defined {
        let offset = parsed
            .report
            .sections
            .iter()
            .find(|s| s.name == "code")
            .map_or(0, |s| s.offset);
        return Err(InspectErrorKind::Malformed {
            offset,
            message: format!(
                "the function section declares {} functions but the code section has {bodies} bodies",
                functions.defined
            ),
        }
        .into());
    }
    Ok(())
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
