//! The fuel cost table: what one execution of each instruction costs.

use wasmparser::Operator;

/// Fuel charged for one execution of `op`. This is the one documented table:
///
/// | cost | instructions | why |
/// |-----:|--------------|-----|
/// | 0 | `nop`, `block`, `loop`, `else`, `end` | they only delimit structure; engines emit no work for them |
/// | 5 | `call`, `return_call` | a frame is set up and arguments are moved |
/// | 10 | `call_indirect`, `return_call_indirect`, `call_ref`, `return_call_ref` | a call plus a table bounds check and a signature check |
/// | 50 | `memory.copy`, `memory.fill`, `memory.init`, `table.copy`, `table.fill`, `table.init` | a flat charge: the length is a run-time operand, unknown when the segment is charged |
/// | 100 | `memory.grow`, `table.grow` | may ask the operating system for memory |
/// | 1 | everything else | |
///
/// Loops cannot run for free: every back edge is a `br`, `br_if` or `br_table` costing 1.
/// Instructions injected by instrumentation cost nothing, and a post-MVP instruction costs the
/// same whether or not it was lowered, so the consumed fuel does not depend on the engine.
pub fn cost(op: &Operator) -> u64 {
    match op {
        Operator::Nop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Else
        | Operator::End => 0,
        Operator::Call { .. } | Operator::ReturnCall { .. } => 5,
        Operator::CallIndirect { .. }
        | Operator::ReturnCallIndirect { .. }
        | Operator::CallRef { .. }
        | Operator::ReturnCallRef { .. } => 10,
        Operator::MemoryCopy { .. }
        | Operator::MemoryFill { .. }
        | Operator::MemoryInit { .. }
        | Operator::TableCopy { .. }
        | Operator::TableFill { .. }
        | Operator::TableInit { .. } => 50,
        Operator::MemoryGrow { .. } | Operator::TableGrow { .. } => 100,
        _ => 1,
    }
}

/// Whether `op` ends a straight-line segment: after it, execution may continue somewhere
/// other than the next instruction, or may not come back at all.
pub(crate) fn ends_segment(op: &Operator) -> bool {
    matches!(
        op,
        Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::Unreachable
            | Operator::Call { .. }
            | Operator::CallIndirect { .. }
            | Operator::CallRef { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::BrOnNull { .. }
            | Operator::BrOnNonNull { .. }
            | Operator::BrOnCast { .. }
            | Operator::BrOnCastFail { .. }
            | Operator::BrOnCastDescEq { .. }
            | Operator::BrOnCastDescEqFail { .. }
            | Operator::TryTable { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Try { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::Rethrow { .. }
            | Operator::Delegate { .. }
            | Operator::Resume { .. }
            | Operator::ResumeThrow { .. }
            | Operator::ResumeThrowRef { .. }
            | Operator::Suspend { .. }
            | Operator::Switch { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(cost(&Operator::I32Add), 1);
        assert_eq!(cost(&Operator::End), 0);
        assert_eq!(cost(&Operator::Call { function_index: 3 }), 5);
        assert_eq!(cost(&Operator::MemoryGrow { mem: 0 }), 100);
        assert!(ends_segment(&Operator::BrIf { relative_depth: 0 }));
        assert!(!ends_segment(&Operator::I32Add));
    }
}
