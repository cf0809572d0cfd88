//! Saturating float-to-int conversion built from the trapping MVP conversion.
//!
//! The MVP conversion is used only where it cannot trap: `lo < x < hi` (or `lo <= x`), where
//! `hi` is the first value too large and `lo` the last value too small. Everything else
//! saturates: NaN to 0, positive values to the maximum, negative values to the minimum.

use wasm_encoder::{BlockType, Function, Instruction as I, ValType};

use crate::helpers::TruncSat;

pub(crate) fn body(t: TruncSat) -> Function {
    let bits = if t.to64 { 64 } else { 32 };
    let (hi, lo, lo_inclusive) = if t.signed {
        let min = -(2f64.powi(bits - 1));
        // The last value too small is min - 1 when the float type can hold it exactly (f64 for
        // 32-bit targets); otherwise no float lies between min - 1 and min, so `x >= min` is
        // the same test.
        if t.from64 && bits == 32 {
            (-min, min - 1.0, false)
        } else {
            (-min, min, true)
        }
    } else {
        (2f64.powi(bits), -1.0, false)
    };
    let (max, min): (i64, i64) = match (t.to64, t.signed) {
        (false, true) => (i32::MAX.into(), i32::MIN.into()),
        (false, false) => (-1, 0),
        (true, true) => (i64::MAX, i64::MIN),
        (true, false) => (-1, 0),
    };
    let int = if t.to64 { ValType::I64 } else { ValType::I32 };
    let float = Float(t.from64);

    let mut f = Function::new([]);
    f.instruction(&I::LocalGet(0));
    float.constant(&mut f, hi);
    f.instruction(&float.lt());
    f.instruction(&I::LocalGet(0));
    float.constant(&mut f, lo);
    f.instruction(&if lo_inclusive { float.ge() } else { float.gt() });
    f.instruction(&I::I32And);
    f.instruction(&I::If(BlockType::Result(int)));
    f.instruction(&I::LocalGet(0));
    f.instruction(&trapping(t));
    f.instruction(&I::Else);
    int_const(&mut f, t.to64, max);
    int_const(&mut f, t.to64, min);
    int_const(&mut f, t.to64, 0);
    // Not NaN: the minimum, else 0.
    f.instruction(&I::LocalGet(0));
    f.instruction(&I::LocalGet(0));
    f.instruction(&float.eq());
    f.instruction(&I::Select);
    // Positive: the maximum.
    f.instruction(&I::LocalGet(0));
    float.constant(&mut f, 0.0);
    f.instruction(&float.gt());
    f.instruction(&I::Select);
    f.instruction(&I::End);
    f.instruction(&I::End);
    f
}

#[derive(Clone, Copy)]
struct Float(bool);

impl Float {
    fn constant(self, f: &mut Function, v: f64) {
        if self.0 {
            f.instruction(&I::F64Const(v.into()));
        } else {
            // Every bound is a power of two or zero, or (only for f64) min - 1: exact in f32.
            f.instruction(&I::F32Const((v as f32).into()));
        }
    }
    fn lt(self) -> I<'static> {
        if self.0 {
            I::F64Lt
        } else {
            I::F32Lt
        }
    }
    fn gt(self) -> I<'static> {
        if self.0 {
            I::F64Gt
        } else {
            I::F32Gt
        }
    }
    fn ge(self) -> I<'static> {
        if self.0 {
            I::F64Ge
        } else {
            I::F32Ge
        }
    }
    fn eq(self) -> I<'static> {
        if self.0 {
            I::F64Eq
        } else {
            I::F32Eq
        }
    }
}

fn int_const(f: &mut Function, wide: bool, v: i64) {
    if wide {
        f.instruction(&I::I64Const(v));
    } else {
        f.instruction(&I::I32Const(v as i32));
    }
}

fn trapping(t: TruncSat) -> I<'static> {
    match (t.to64, t.from64, t.signed) {
        (false, false, true) => I::I32TruncF32S,
        (false, false, false) => I::I32TruncF32U,
        (false, true, true) => I::I32TruncF64S,
        (false, true, false) => I::I32TruncF64U,
        (true, false, true) => I::I64TruncF32S,
        (true, false, false) => I::I64TruncF32U,
        (true, true, true) => I::I64TruncF64S,
        (true, true, false) => I::I64TruncF64U,
    }
}
