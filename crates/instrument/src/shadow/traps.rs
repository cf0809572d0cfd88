//! Which instructions may stop a function without an exit: those before which the shadow
//! stack notes the call site.

use wasmparser::Operator;

/// Whether `op` may trap, throw, or call (a callee may trap): before it, the shadow stack
/// records where it is. Errs on the side of yes: an instruction this list does not know costs
/// one needless store, a missed one would blame the wrong instruction.
pub(crate) fn may_trap(op: &Operator) -> bool {
    let (proposal, memory) = facts(op);
    if memory {
        // Loads, stores and atomics: out of bounds, misaligned atomics.
        return true;
    }
    match proposal {
        // The numeric proposals: only these few trap (SIMD traps only in memory accesses).
        "mvp"
        | "sign_extension"
        | "saturating_float_to_int"
        | "simd"
        | "relaxed_simd"
        | "wide_arithmetic" => matches!(
            op,
            Operator::Unreachable
                | Operator::Call { .. }
                | Operator::CallIndirect { .. }
                | Operator::I32DivS
                | Operator::I32DivU
                | Operator::I32RemS
                | Operator::I32RemU
                | Operator::I64DivS
                | Operator::I64DivU
                | Operator::I64RemS
                | Operator::I64RemU
                | Operator::I32TruncF32S
                | Operator::I32TruncF32U
                | Operator::I32TruncF64S
                | Operator::I32TruncF64U
                | Operator::I64TruncF32S
                | Operator::I64TruncF32U
                | Operator::I64TruncF64S
                | Operator::I64TruncF64U
        ),
        // Every other proposal has many trapping instructions (null references, table and
        // array bounds, casts, throws); these few cannot trap.
        _ => !matches!(
            op,
            Operator::RefNull { .. }
                | Operator::RefIsNull
                | Operator::RefFunc { .. }
                | Operator::TypedSelect { .. }
                | Operator::TypedSelectMulti { .. }
                | Operator::TableSize { .. }
                | Operator::TableGrow { .. }
                | Operator::DataDrop { .. }
                | Operator::ElemDrop { .. }
                | Operator::TryTable { .. }
                | Operator::Try { .. }
                | Operator::Catch { .. }
                | Operator::CatchAll
                | Operator::Delegate { .. }
                | Operator::RefEq
                | Operator::RefI31
                | Operator::RefTestNonNull { .. }
                | Operator::RefTestNullable { .. }
                | Operator::BrOnNull { .. }
                | Operator::BrOnNonNull { .. }
        ),
    }
}

/// The proposal that introduced `op`, and whether it accesses memory (has a `memarg`).
fn facts(op: &Operator) -> (&'static str, bool) {
    macro_rules! define_facts {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
            match op {
                $( Operator::$op { .. } => (stringify!($proposal), define_facts!(@memarg $($($arg)*)?)), )*
                // `Operator` is non-exhaustive: an unknown instruction may do anything.
                _ => ("unknown", true),
            }
        };
        (@memarg) => { false };
        (@memarg memarg $($rest:ident)*) => { true };
        (@memarg $first:ident $($rest:ident)*) => { define_facts!(@memarg $($rest)*) };
    }
    wasmparser::for_each_operator!(define_facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::{BlockType, MemArg};

    #[test]
    fn classification() {
        let memarg = MemArg {
            align: 2,
            max_align: 2,
            offset: 0,
            memory: 0,
        };
        for op in [
            Operator::I32Load { memarg },
            Operator::I64Store8 { memarg },
            Operator::V128Load { memarg },
            Operator::I32AtomicRmwAdd { memarg },
            Operator::I32DivU,
            Operator::I64TruncF64S,
            Operator::Unreachable,
            Operator::Call { function_index: 0 },
            Operator::CallIndirect {
                type_index: 0,
                table_index: 0,
            },
            Operator::ReturnCall { function_index: 0 },
            Operator::TableGet { table: 0 },
            Operator::MemoryCopy {
                dst_mem: 0,
                src_mem: 0,
            },
            Operator::Throw { tag_index: 0 },
            Operator::RefAsNonNull,
        ] {
            assert!(may_trap(&op), "{op:?}");
        }
        for op in [
            Operator::I32Add,
            Operator::F64Div,
            Operator::I32TruncSatF32S,
            Operator::I32Extend8S,
            Operator::I8x16Add,
            Operator::MemoryGrow { mem: 0 },
            Operator::MemorySize { mem: 0 },
            Operator::Block {
                blockty: BlockType::Empty,
            },
            Operator::Br { relative_depth: 0 },
            Operator::Return,
            Operator::End,
            Operator::RefIsNull,
        ] {
            assert!(!may_trap(&op), "{op:?}");
        }
    }
}
