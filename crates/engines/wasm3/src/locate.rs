//! Finds the instruction wasm3 refused to compile. wasm3 names only the function; compiling
//! prefixes of its body (each closed with `unreachable` and the `end`s it needs) and bisecting
//! on which ones wasm3 accepts gives the first instruction it cannot take, with its byte offset.

use wasm_encoder::Section;
use wasmparser::{FunctionBody, Operator, Parser, Payload};

/// The refused instruction: its byte offset in `wasm` and its name (`i32_add`).
pub(crate) struct Refused {
    pub offset: usize,
    pub op: String,
}

/// Locates the instruction of defined function `defined` (0 = the first body) that makes
/// `compiles` fail, where `compiles` compiles that function of a given module. `None` when the
/// body cannot be read or when even its empty prefix fails.
pub(crate) fn refused_instruction(
    wasm: &[u8],
    defined: usize,
    compiles: &mut dyn FnMut(&[u8]) -> bool,
) -> Option<Refused> {
    let code = CodeSection::find(wasm)?;
    let body = code.bodies.get(defined)?.clone();
    let ops = operators(&body)?;
    let prefix = |k: usize| code.with_body(wasm, defined, &truncated(wasm, &body, &ops, k));
    if !compiles(&prefix(0)) {
        return None;
    }
    // Invariant: the first `lo` instructions compile, the first `hi` do not.
    let (mut lo, mut hi) = (0, ops.len());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if compiles(&prefix(mid)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let (op, offset) = &ops[hi - 1];
    Some(Refused {
        offset: *offset,
        op: op_name(op),
    })
}

/// `I64ExtendI32U` becomes `i64_extend_i32_u`, the name wasmparser's visitor gives it.
fn op_name(op: &Operator) -> String {
    let debug = format!("{op:?}");
    let name = debug.split([' ', '{', '(']).next().unwrap_or(&debug);
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn operators<'a>(body: &FunctionBody<'a>) -> Option<Vec<(Operator<'a>, usize)>> {
    let mut reader = body.get_operators_reader().ok()?;
    let mut ops = Vec::new();
    while !reader.eof() {
        ops.push(reader.read_with_offset().ok()?);
    }
    Some(ops)
}

/// The body's locals and first `k` instructions, then `unreachable` and an `end` for every
/// construct still open (an `if` without its `else` gets one, so a typed `if` stays valid).
fn truncated(wasm: &[u8], body: &FunctionBody, ops: &[(Operator, usize)], k: usize) -> Vec<u8> {
    let end = ops.get(k).map_or(body.range().end, |(_, at)| *at);
    let mut out = wasm[body.range().start..end].to_vec();
    // Open constructs: true for an `if` that has not reached its `else`.
    let mut open: Vec<bool> = Vec::new();
    for (op, _) in &ops[..k] {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } => open.push(false),
            Operator::If { .. } => open.push(true),
            Operator::Else => {
                if let Some(top) = open.last_mut() {
                    *top = false;
                }
            }
            Operator::End => {
                open.pop();
            }
            _ => {}
        }
    }
    const UNREACHABLE: u8 = 0x00;
    const ELSE: u8 = 0x05;
    const END: u8 = 0x0b;
    out.push(UNREACHABLE);
    for if_without_else in open.iter().rev() {
        if *if_without_else {
            out.extend([ELSE, UNREACHABLE]);
        }
        out.push(END);
    }
    out.push(END);
    out
}

/// Where the code section and its bodies are, to put a different body in.
struct CodeSection<'a> {
    /// Where the section's id byte is, and where its content ends.
    start: usize,
    end: usize,
    bodies: Vec<FunctionBody<'a>>,
}

impl<'a> CodeSection<'a> {
    fn find(wasm: &'a [u8]) -> Option<CodeSection<'a>> {
        let mut previous_end = 0;
        let mut found: Option<CodeSection> = None;
        for payload in Parser::new(0).parse_all(wasm) {
            let payload = payload.ok()?;
            match &payload {
                Payload::CodeSectionStart { range, .. } => {
                    found = Some(CodeSection {
                        start: previous_end,
                        end: range.end,
                        bodies: Vec::new(),
                    });
                }
                Payload::CodeSectionEntry(body) => found.as_mut()?.bodies.push(body.clone()),
                _ => {}
            }
            if let Some((_, range)) = payload.as_section() {
                previous_end = range.end;
            }
            if let Payload::Version { range, .. } = &payload {
                previous_end = range.end;
            }
        }
        found
    }

    /// `wasm` with body `index` replaced by `body` (locals and instructions, without size).
    fn with_body(&self, wasm: &[u8], index: usize, body: &[u8]) -> Vec<u8> {
        let mut code = wasm_encoder::CodeSection::new();
        for (i, b) in self.bodies.iter().enumerate() {
            code.raw(if i == index {
                body
            } else {
                &wasm[b.range().start..b.range().end]
            });
        }
        let mut out = wasm[..self.start].to_vec();
        code.append_to(&mut out);
        out.extend_from_slice(&wasm[self.end..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_in_the_text_format() {
        assert_eq!(op_name(&Operator::I32Add), "i32_add");
        assert_eq!(op_name(&Operator::I64ExtendI32U), "i64_extend_i32_u");
        assert_eq!(op_name(&Operator::MemorySize { mem: 0 }), "memory_size");
        assert_eq!(op_name(&Operator::F32ConvertI64S), "f32_convert_i64_s");
    }

    #[test]
    fn a_body_swapped_in_keeps_the_module_valid() {
        let wasm = wat::parse_str(
            r#"(module (func (result i32) (block (result i32) (if (result i32) (i32.const 1)
                 (then (i32.const 2)) (else (i32.const 3))))) (func))"#,
        )
        .unwrap();
        let code = CodeSection::find(&wasm).unwrap();
        let body = code.bodies[0].clone();
        let ops = operators(&body).unwrap();
        for k in 0..ops.len() {
            let module = code.with_body(&wasm, 0, &truncated(&wasm, &body, &ops, k));
            wasmparser::Validator::new()
                .validate_all(&module)
                .unwrap_or_else(|e| panic!("prefix {k}: {e}"));
        }
    }
}
