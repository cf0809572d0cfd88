//! Fuel charges and interrupt checks woven into function bodies.

use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::{BlockType, Function, Instruction as I};
use wasmparser::{FunctionBody, Operator};

use crate::cost::{cost, ends_segment};
use crate::helpers::Helper;
use crate::lower;
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
}

/// `if remaining < cost { out_of_fuel(); unreachable } remaining -= cost`
pub(crate) fn charge(f: &mut Function, fuel: Fuel, cost: u64) {
    // Costs are sums of small per-instruction costs over one function body, far below 2^63.
    let cost = cost as i64;
    f.instruction(&I::GlobalGet(fuel.global));
    f.instruction(&I::I64Const(cost));
    f.instruction(&I::I64LtU);
    f.instruction(&I::If(BlockType::Empty));
    f.instruction(&I::Call(fuel.out_of_fuel));
    f.instruction(&I::Unreachable);
    f.instruction(&I::End);
    f.instruction(&I::GlobalGet(fuel.global));
    f.instruction(&I::I64Const(cost));
    f.instruction(&I::I64Sub);
    f.instruction(&I::GlobalSet(fuel.global));
}

/// `countdown -= 1; if countdown == 0 { countdown = CHECK_INTERVAL; check() }`
pub(crate) fn check(f: &mut Function, interrupt: Interrupt) {
    f.instruction(&I::GlobalGet(interrupt.global));
    f.instruction(&I::I32Const(1));
    f.instruction(&I::I32Sub);
    f.instruction(&I::GlobalSet(interrupt.global));
    f.instruction(&I::GlobalGet(interrupt.global));
    f.instruction(&I::I32Eqz);
    f.instruction(&I::If(BlockType::Empty));
    f.instruction(&I::I32Const(crate::CHECK_INTERVAL as i32));
    f.instruction(&I::GlobalSet(interrupt.global));
    f.instruction(&I::Call(interrupt.check));
    f.instruction(&I::End);
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

/// Rewrites one function body: a check at entry and at loop headers, a charge at the start of
/// each segment, and lowered instructions in place of post-MVP ones.
pub(crate) fn rewrite_body<R>(
    reencoder: &mut R,
    body: &FunctionBody,
    cx: &BodyContext,
) -> Result<Function, Error<InstrumentError>>
where
    R: Reencode<Error = InstrumentError> + ?Sized,
{
    let mut f = reencoder.new_function_with_parsed_locals(body)?;
    let mut reader = body.get_operators_reader()?;
    let mut ops = Vec::new();
    while !reader.eof() {
        ops.push(reader.read_with_offset()?);
    }
    let costs = segment_costs(&ops);
    if let Some(interrupt) = cx.interrupt {
        check(&mut f, interrupt);
    }
    for ((op, offset), segment_cost) in ops.into_iter().zip(costs) {
        if let (Some(fuel), true) = (cx.fuel, segment_cost > 0) {
            charge(&mut f, fuel, segment_cost);
        }
        let is_loop = matches!(op, Operator::Loop { .. });
        let lowered = match cx.helper_index {
            Some(helper_index) => lower::classify(&op, offset)
                .map_err(Error::UserError)?
                .map(|r| lower::emit(&mut f, r, helper_index))
                .is_some(),
            None => false,
        };
        if !lowered {
            f.instruction(&reencoder.instruction(op)?);
        }
        if let (true, Some(interrupt)) = (is_loop, cx.interrupt) {
            check(&mut f, interrupt);
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
