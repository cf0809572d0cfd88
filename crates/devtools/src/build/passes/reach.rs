//! Which defined functions can ever run: everything reachable from the roots (exports, the
//! start function, every element segment whatever its mode, `ref.func` in constant
//! expressions) through `call`, `return_call` and `ref.func` in reachable bodies. Indirect
//! calls need no edge of their own: a table only ever holds functions some element segment,
//! constant expression or reachable `ref.func` names, and those are all roots or followed.

use super::super::error::PassError;
use wasmparser::{
    ConstExpr, DataKind, ElementItems, ElementKind, Encoding, ExternalKind, Operator, Parser,
    Payload, TableInit, TypeRef,
};

pub(crate) struct Reach {
    /// Imported functions come first in the index space and are always kept.
    pub imported: u32,
    /// For each defined function (0 = the first), whether it can be reached.
    pub live: Vec<bool>,
}

impl Reach {
    pub fn removed(&self) -> usize {
        self.live.iter().filter(|l| !**l).count()
    }
}

/// The reachability of the defined functions of `wasm`, a valid core module.
pub(crate) fn analyze(wasm: &[u8]) -> Result<Reach, PassError> {
    let mut imported = 0u32;
    let mut roots: Vec<u32> = Vec::new();
    // The functions each defined body names, in body order.
    let mut edges: Vec<Vec<u32>> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::Version {
                encoding: Encoding::Component,
                ..
            } => return Err(PassError::Component),
            Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    if matches!(import?.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::TableSection(section) => {
                for table in section {
                    if let TableInit::Expr(expr) = table?.init {
                        funcs_in_const(&expr, &mut roots)?;
                    }
                }
            }
            Payload::GlobalSection(section) => {
                for global in section {
                    funcs_in_const(&global?.init_expr, &mut roots)?;
                }
            }
            Payload::ExportSection(section) => {
                for export in section {
                    let export = export?;
                    if matches!(export.kind, ExternalKind::Func | ExternalKind::FuncExact) {
                        roots.push(export.index);
                    }
                }
            }
            Payload::StartSection { func, .. } => roots.push(func),
            Payload::ElementSection(section) => {
                for element in section {
                    let element = element?;
                    if let ElementKind::Active { offset_expr, .. } = &element.kind {
                        funcs_in_const(offset_expr, &mut roots)?;
                    }
                    match element.items {
                        ElementItems::Functions(funcs) => {
                            for func in funcs {
                                roots.push(func?);
                            }
                        }
                        ElementItems::Expressions(_, exprs) => {
                            for expr in exprs {
                                funcs_in_const(&expr?, &mut roots)?;
                            }
                        }
                    }
                }
            }
            Payload::DataSection(section) => {
                for data in section {
                    if let DataKind::Active { offset_expr, .. } = data?.kind {
                        funcs_in_const(&offset_expr, &mut roots)?;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut named = Vec::new();
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    if let Some(func) = named_func(&ops.read()?) {
                        named.push(func);
                    }
                }
                edges.push(named);
            }
            Payload::CustomSection(section) => {
                let name = section.name();
                if name == "linking" || name.starts_with("reloc.") {
                    return Err(PassError::Relocatable(name.to_string()));
                }
            }
            _ => {}
        }
    }
    let mut live = vec![false; edges.len()];
    let mut work = roots;
    while let Some(func) = work.pop() {
        let Some(defined) = func.checked_sub(imported) else {
            continue;
        };
        match live.get_mut(defined as usize) {
            Some(seen) if !*seen => {
                *seen = true;
                work.extend_from_slice(&edges[defined as usize]);
            }
            _ => {}
        }
    }
    Ok(Reach { imported, live })
}

/// The function an instruction names directly, if any.
fn named_func(op: &Operator<'_>) -> Option<u32> {
    match *op {
        Operator::Call { function_index }
        | Operator::ReturnCall { function_index }
        | Operator::RefFunc { function_index } => Some(function_index),
        _ => None,
    }
}

fn funcs_in_const(expr: &ConstExpr<'_>, out: &mut Vec<u32>) -> Result<(), PassError> {
    let mut ops = expr.get_operators_reader();
    while !ops.eof() {
        if let Some(func) = named_func(&ops.read()?) {
            out.push(func);
        }
    }
    Ok(())
}
