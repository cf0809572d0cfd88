//! Fuel charges and interrupt checks woven into function bodies.

use std::cell::RefCell;
use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::{BlockType, Function, Instruction as I, ValType};
use wasmparser::{FunctionBody, Operator};

use crate::cost::{cost, ends_segment};
use crate::helpers::Helper;
use crate::lower;
use crate::read_body::{read_locals, read_operators};
use crate::InstrumentError;

/// The fuel global and the import that traps when it runs out.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fuel {
    pub global: u32,
    pub out_of_fuel: u32,
}

/// The countdown global and the host check import.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Interrupt {
    pub global: u32,
    pub check: u32,
}

/// What a rewritten body refers to.
pub(crate) struct BodyContext<'a> {
    pub fuel: Option<Fuel>,
    pub interrupt: Option<Interrupt>,
    /// Present when lowering: the function index of each helper.
    pub helper_index: Option<&'a dyn Fn(Helper) -> u32>,
    /// Parameter count of each type, by type index.
    pub type_params: &'a [u32],
    /// When set, where in the rewritten body each original instruction went.
    pub spans: Option<&'a RefCell<Vec<Span>>>,
}

/// Bytes `start..end` of a rewritten body (counted from its locals) hold what the instruction
/// at byte offset `original` of the input became.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub original: usize,
}

impl BodyContext<'_> {
    fn block_has_no_params(&self, ty: wasmparser::BlockType) -> bool {
        match ty {
            wasmparser::BlockType::Empty | wasmparser::BlockType::Type(_) => true,
            wasmparser::BlockType::FuncType(i) => self.type_params.get(i as usize) == Some(&0),
        }
    }
}

/// Where a function body keeps a counter.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// Only in the global.
    Global,
    /// Read from a local, every change written to both (write through): the global is exact
    /// whenever the host looks, also after a trap, while a loop's next iteration never waits
    /// for a load of what the previous one stored. For fuel, whose count the host reports.
    Through(u32),
    /// Only in a local, stored to the global before calls. For the interrupt countdown, which
    /// needs no exactness: it only has to reach zero regularly.
    Local(u32),
}

impl Source {
    fn get(self, f: &mut Function, global: u32) {
        match self {
            Source::Global => f.instruction(&I::GlobalGet(global)),
            Source::Through(l) | Source::Local(l) => f.instruction(&I::LocalGet(l)),
        };
    }

    /// Stores the value on the stack.
    fn set(self, f: &mut Function, global: u32) {
        match self {
            Source::Global => f.instruction(&I::GlobalSet(global)),
            Source::Through(l) => f
                .instruction(&I::LocalTee(l))
                .instruction(&I::GlobalSet(global)),
            Source::Local(l) => f.instruction(&I::LocalSet(l)),
        };
    }

    /// Before a call: the callee continues from the global.
    fn spill(self, f: &mut Function, global: u32) {
        if let Source::Local(l) = self {
            f.instruction(&I::LocalGet(l));
            f.instruction(&I::GlobalSet(global));
        }
    }

    /// After a call: the callee changed the global.
    fn reload(self, f: &mut Function, global: u32) {
        if let Source::Through(l) | Source::Local(l) = self {
            f.instruction(&I::GlobalGet(global));
            f.instruction(&I::LocalSet(l));
        }
    }
}

/// `if remaining < cost { out_of_fuel(); unreachable } remaining -= cost`
fn charge_from(f: &mut Function, fuel: Fuel, src: Source, cost: u64) {
    // Costs are sums of small per-instruction costs over one function body, far below 2^63.
    let cost = cost as i64;
    src.get(f, fuel.global);
    f.instruction(&I::I64Const(cost));
    f.instruction(&I::I64LtU);
    f.instruction(&I::If(BlockType::Empty));
    f.instruction(&I::Call(fuel.out_of_fuel));
    f.instruction(&I::Unreachable);
    f.instruction(&I::End);
    src.get(f, fuel.global);
    f.instruction(&I::I64Const(cost));
    f.instruction(&I::I64Sub);
    src.set(f, fuel.global);
}

/// `countdown -= 1; if countdown == 0 { countdown = CHECK_INTERVAL; check() }`
///
/// With `restart_loop` (at the header of a loop without parameters) the rare path ends by
/// branching back to the loop's start instead of falling through: with no join after it, a JIT
/// keeps the hot path a straight line, which halves the check's cost in a tight loop. The
/// countdown is an `i64` for the same reason (measured on Cranelift: i32 arithmetic on it costs
/// more).
fn check_from(f: &mut Function, interrupt: Interrupt, src: Source, restart_loop: bool) {
    src.get(f, interrupt.global);
    f.instruction(&I::I64Const(1));
    f.instruction(&I::I64Sub);
    src.set(f, interrupt.global);
    src.get(f, interrupt.global);
    f.instruction(&I::I64Eqz);
    f.instruction(&I::If(BlockType::Empty));
    f.instruction(&I::I64Const(i64::from(crate::CHECK_INTERVAL)));
    src.set(f, interrupt.global);
    f.instruction(&I::Call(interrupt.check));
    if restart_loop {
        // Depth 0 is this `if`, 1 the loop.
        f.instruction(&I::Br(1));
    }
    f.instruction(&I::End);
}

/// The interrupt check as injected helpers (outside guest bodies) use it.
pub(crate) fn check(f: &mut Function, interrupt: Interrupt) {
    check_from(f, interrupt, Source::Global, false);
}

/// For each instruction, the cost of the segment it starts (0 where no segment starts).
pub(crate) fn segment_costs(ops: &[(Operator, usize)]) -> Vec<u64> {
    let mut costs = vec![0; ops.len()];
    let mut start = 0;
    let mut sum = 0u64;
    for (i, (op, _)) in ops.iter().enumerate() {
        sum = sum.saturating_add(cost(op));
        if ends_segment(op) || i + 1 == ops.len() {
            costs[start] = sum;
            start = i + 1;
            sum = 0;
        }
    }
    costs
}

/// Whether an exception could land in this body: a caught exception skips the reload after
/// the call that threw, so such bodies read the counters from the globals.
pub(crate) fn catches(ops: &[(Operator, usize)]) -> bool {
    ops.iter().any(|(op, _)| {
        matches!(
            op,
            Operator::TryTable { .. }
                | Operator::Try { .. }
                | Operator::Catch { .. }
                | Operator::CatchAll
                | Operator::Delegate { .. }
        )
    })
}

/// Whether `op` (as emitted, after lowering) may run code that charges the counters.
fn calls(op: &Operator, lowered_to_call: bool) -> bool {
    lowered_to_call
        || matches!(
            op,
            Operator::Call { .. } | Operator::CallIndirect { .. } | Operator::CallRef { .. }
        )
}

/// Whether `op` may leave the function, given `depth` blocks open inside the body (a branch
/// to the body's own label is a return).
fn leaves(op: &Operator, depth: u32) -> bool {
    match op {
        Operator::Return
        | Operator::ReturnCall { .. }
        | Operator::ReturnCallIndirect { .. }
        | Operator::ReturnCallRef { .. } => true,
        Operator::End => depth == 0,
        Operator::Br { relative_depth }
        | Operator::BrIf { relative_depth }
        | Operator::BrOnNull { relative_depth }
        | Operator::BrOnNonNull { relative_depth }
        | Operator::BrOnCast { relative_depth, .. }
        | Operator::BrOnCastFail { relative_depth, .. } => *relative_depth == depth,
        Operator::BrTable { targets } => {
            targets.default() == depth || targets.targets().any(|t| t.ok() == Some(depth))
        }
        _ => false,
    }
}

/// Rewrites one function body: a check at entry and at loop headers, a charge at the start of
/// each segment, and lowered instructions in place of post-MVP ones. `params` is the
/// function's parameter count (the counters' cache locals go after its own locals).
pub(crate) fn rewrite_body<R>(
    reencoder: &mut R,
    body: &FunctionBody,
    params: u32,
    cx: &BodyContext,
) -> Result<Function, Error<InstrumentError>>
where
    R: Reencode<Error = InstrumentError> + ?Sized,
{
    let (mut locals, mut next_local) = read_locals(reencoder, body, params)?;
    let ops = read_operators(body)?;
    let cache = !catches(&ops);
    let mut cached = |ty| {
        locals.push((1, ty));
        next_local += 1;
        next_local - 1
    };
    let fuel = cx.fuel.map(|fuel| match cache {
        true => (fuel, Source::Through(cached(ValType::I64))),
        false => (fuel, Source::Global),
    });
    let interrupt = cx.interrupt.map(|i| match cache {
        true => (i, Source::Local(cached(ValType::I64))),
        false => (i, Source::Global),
    });
    let mut f = Function::new(locals);
    let spill = |f: &mut Function| {
        if let Some((interrupt, src)) = interrupt {
            src.spill(f, interrupt.global);
        }
    };
    let reload = |f: &mut Function| {
        if let Some((fuel, src)) = fuel {
            src.reload(f, fuel.global);
        }
        if let Some((interrupt, src)) = interrupt {
            src.reload(f, interrupt.global);
        }
    };
    reload(&mut f);
    if let Some((i, src)) = interrupt {
        check_from(&mut f, i, src, false);
    }
    let costs = segment_costs(&ops);
    let mut depth = 0u32;
    for ((op, offset), segment_cost) in ops.into_iter().zip(costs) {
        if let (Some((fuel, src)), true) = (fuel, segment_cost > 0) {
            charge_from(&mut f, fuel, src, segment_cost);
        }
        let is_loop = matches!(op, Operator::Loop { .. });
        let loop_without_params = match op {
            Operator::Loop { blockty } => cx.block_has_no_params(blockty),
            _ => false,
        };
        let replacement = match cx.helper_index {
            Some(_) => lower::classify(&op, offset).map_err(Error::UserError)?,
            None => None,
        };
        let lowered_to_call = matches!(replacement, Some(lower::Replacement::Call(_)));
        let reloads = calls(&op, lowered_to_call);
        if reloads || leaves(&op, depth) {
            spill(&mut f);
        }
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => depth += 1,
            Operator::End | Operator::Delegate { .. } => depth = depth.saturating_sub(1),
            _ => {}
        }
        let start = f.byte_len();
        match (replacement, cx.helper_index) {
            (Some(r), Some(helper_index)) => lower::emit(&mut f, r, helper_index),
            _ => {
                f.instruction(&reencoder.instruction(op)?);
            }
        }
        if let Some(spans) = cx.spans {
            spans.borrow_mut().push(Span {
                start,
                end: f.byte_len(),
                original: offset,
            });
        }
        if reloads {
            reload(&mut f);
        }
        if let (true, Some((i, src))) = (is_loop, interrupt) {
            check_from(&mut f, i, src, loop_without_params);
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        let ops = vec![
            (Operator::I32Const { value: 1 }, 0),
            (
                Operator::Loop {
                    blockty: wasmparser::BlockType::Empty,
                },
                0,
            ),
            (Operator::I32Const { value: 1 }, 0),
            (Operator::BrIf { relative_depth: 0 }, 0),
            (Operator::End, 0),
            (Operator::End, 0),
        ];
        assert_eq!(segment_costs(&ops), vec![1, 0, 2, 0, 0, 0]);
    }
}
