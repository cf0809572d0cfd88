//! Functions appended to the module: the fuel accessors and the lowering helpers.

use wasm_encoder::{Function, Instruction, ValType};

use crate::meter::{Fuel, Interrupt};
use crate::{bulk, trunc_sat};

/// An injected function. The order of the variants is the order in the function index space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Helper {
    FuelGet,
    FuelSet,
    TruncSat(TruncSat),
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
}

/// One of the eight `iN.trunc_sat_fM_{s,u}` instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct TruncSat {
    pub from64: bool,
    pub to64: bool,
    pub signed: bool,
}

/// What the helpers refer to in the rewritten module.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context {
    pub fuel: Option<Fuel>,
    pub interrupt: Option<Interrupt>,
}

impl Helper {
    pub(crate) fn signature(self) -> (Vec<ValType>, Vec<ValType>) {
        match self {
            Helper::FuelGet => (vec![], vec![ValType::I64]),
            Helper::FuelSet => (vec![ValType::I64], vec![]),
            Helper::TruncSat(t) => (
                vec![if t.from64 { ValType::F64 } else { ValType::F32 }],
                vec![if t.to64 { ValType::I64 } else { ValType::I32 }],
            ),
            Helper::MemoryCopy | Helper::MemoryFill => {
                (vec![ValType::I32, ValType::I32, ValType::I32], vec![])
            }
            Helper::MemoryGrow => (vec![ValType::I32], vec![ValType::I32]),
        }
    }

    pub(crate) fn body(self, cx: &Context) -> Function {
        match self {
            Helper::FuelGet => fuel_get(cx),
            Helper::FuelSet => fuel_set(cx),
            Helper::TruncSat(t) => trunc_sat::body(t),
            Helper::MemoryCopy => bulk::memory_copy(cx.interrupt),
            Helper::MemoryFill => bulk::memory_fill(cx.interrupt),
            Helper::MemoryGrow => memory_grow(),
        }
    }
}

fn fuel_global(cx: &Context) -> u32 {
    // The accessors exist only when fuel is on, and then the layout always has a fuel global.
    cx.fuel.map_or(0, |f| f.global)
}

fn fuel_get(cx: &Context) -> Function {
    let mut f = Function::new([]);
    f.instruction(&Instruction::GlobalGet(fuel_global(cx)));
    f.instruction(&Instruction::End);
    f
}

fn fuel_set(cx: &Context) -> Function {
    let mut f = Function::new([]);
    f.instruction(&Instruction::LocalGet(0));
    f.instruction(&Instruction::GlobalSet(fuel_global(cx)));
    f.instruction(&Instruction::End);
    f
}

/// `memory.grow` that refuses any delta above the 65535 pages a 32-bit memory can still gain.
/// wasm3 adds the delta to the current size in 32 bits, so a huge delta (such as -1) would wrap
/// around and shrink the memory instead of failing with -1 as the spec requires; below the
/// bound the sum cannot wrap.
fn memory_grow() -> Function {
    let mut f = Function::new([]);
    f.instruction(&Instruction::LocalGet(0));
    f.instruction(&Instruction::I32Const(65535));
    f.instruction(&Instruction::I32GtU);
    f.instruction(&Instruction::If(wasm_encoder::BlockType::Empty));
    f.instruction(&Instruction::I32Const(-1));
    f.instruction(&Instruction::Return);
    f.instruction(&Instruction::End);
    f.instruction(&Instruction::LocalGet(0));
    f.instruction(&Instruction::MemoryGrow(0));
    f.instruction(&Instruction::End);
    f
}
