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
        }
    }

    pub(crate) fn body(self, cx: &Context) -> Function {
        match self {
            Helper::FuelGet => fuel_get(cx),
            Helper::FuelSet => fuel_set(cx),
            Helper::TruncSat(t) => trunc_sat::body(t),
            Helper::MemoryCopy => bulk::memory_copy(cx.interrupt),
            Helper::MemoryFill => bulk::memory_fill(cx.interrupt),
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
