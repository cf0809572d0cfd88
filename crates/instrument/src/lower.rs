//! Post-MVP instructions and their MVP replacements.

use wasm_encoder::{Function, Instruction as I};
use wasmparser::{Operator, ValType};

use crate::helpers::{Helper, TruncSat};
use crate::proposal::proposal_of;
use crate::InstrumentError;

/// How a post-MVP instruction is written in MVP code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Replacement {
    /// Sign extension of the low `bits` bits: shift left, then arithmetic shift right.
    Extend { wide: bool, bits: u8 },
    /// `select` with a numeric type annotation: the untyped `select` does the same.
    Select,
    /// A call to an injected helper.
    Call(Helper),
    /// `memory.size` in a block of its own: wasm3 0.4.7 puts its result in a register without
    /// saving what the register held, so `x memory.size i32.add` found no operation; the block
    /// makes it save the register first.
    MemorySizeInBlock,
}

/// `None` for MVP instructions (kept as they are), the replacement for lowerable ones, and
/// `Unsupported` for the rest.
pub(crate) fn classify(
    op: &Operator,
    offset: usize,
) -> Result<Option<Replacement>, InstrumentError> {
    let extend = |wide, bits| Ok(Some(Replacement::Extend { wide, bits }));
    let sat = |to64, from64, signed| {
        Ok(Some(Replacement::Call(Helper::TruncSat(TruncSat {
            from64,
            to64,
            signed,
        }))))
    };
    match op {
        Operator::I32Extend8S => extend(false, 8),
        Operator::I32Extend16S => extend(false, 16),
        Operator::I64Extend8S => extend(true, 8),
        Operator::I64Extend16S => extend(true, 16),
        Operator::I64Extend32S => extend(true, 32),
        Operator::I32TruncSatF32S => sat(false, false, true),
        Operator::I32TruncSatF32U => sat(false, false, false),
        Operator::I32TruncSatF64S => sat(false, true, true),
        Operator::I32TruncSatF64U => sat(false, true, false),
        Operator::I64TruncSatF32S => sat(true, false, true),
        Operator::I64TruncSatF32U => sat(true, false, false),
        Operator::I64TruncSatF64S => sat(true, true, true),
        Operator::I64TruncSatF64U => sat(true, true, false),
        // Lowering refuses modules with more than one memory, so both name memory 0.
        Operator::MemoryCopy { .. } => Ok(Some(Replacement::Call(Helper::MemoryCopy))),
        Operator::MemoryFill { .. } => Ok(Some(Replacement::Call(Helper::MemoryFill))),
        // MVP, but wasm3 gets a huge delta wrong (see `helpers::memory_grow`).
        Operator::MemoryGrow { mem: 0 } => Ok(Some(Replacement::Call(Helper::MemoryGrow))),
        Operator::MemorySize { mem: 0 } => Ok(Some(Replacement::MemorySizeInBlock)),
        Operator::TypedSelect {
            ty: ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64,
        } => Ok(Some(Replacement::Select)),
        _ => match proposal_of(op) {
            ("mvp", _) => Ok(None),
            (proposal, name) => Err(InstrumentError::unsupported(
                offset,
                format!("`{name}` ({proposal} proposal){}", why_not(proposal)),
            )),
        },
    }
}

fn why_not(proposal: &str) -> &'static str {
    match proposal {
        "bulk_memory" => {
            "; passive segments would need a copy of their data outside the guest-visible memory"
        }
        "reference_types" => "; MVP has no value that can hold a reference",
        _ => "",
    }
}

pub(crate) fn emit(f: &mut Function, r: Replacement, helper_index: &dyn Fn(Helper) -> u32) {
    match r {
        Replacement::Extend { wide: false, bits } => {
            let shift = 32 - i32::from(bits);
            f.instruction(&I::I32Const(shift));
            f.instruction(&I::I32Shl);
            f.instruction(&I::I32Const(shift));
            f.instruction(&I::I32ShrS);
        }
        Replacement::Extend { wide: true, bits } => {
            let shift = 64 - i64::from(bits);
            f.instruction(&I::I64Const(shift));
            f.instruction(&I::I64Shl);
            f.instruction(&I::I64Const(shift));
            f.instruction(&I::I64ShrS);
        }
        Replacement::Select => {
            f.instruction(&I::Select);
        }
        Replacement::Call(helper) => {
            f.instruction(&I::Call(helper_index(helper)));
        }
        Replacement::MemorySizeInBlock => {
            f.instruction(&I::Block(wasm_encoder::BlockType::Result(
                wasm_encoder::ValType::I32,
            )));
            f.instruction(&I::MemorySize(0));
            f.instruction(&I::End);
        }
    }
}
