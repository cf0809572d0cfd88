//! Script arguments turned into wasmux values, and results checked against script patterns.

use wasmux_core::{AnyRef, Val, ValType};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{F32, F64};
use wast::{WastArg, WastRet};

/// Converts the arguments of an `invoke`, checking them against the function's parameters
/// (the store expects that of its caller).
pub(crate) fn args(args: &[WastArg<'_>], params: &[ValType]) -> Result<Vec<Val>, String> {
    if args.len() != params.len() {
        return Err(format!(
            "{} argument(s) given, the function takes {}",
            args.len(),
            params.len()
        ));
    }
    args.iter()
        .zip(params)
        .enumerate()
        .map(|(i, (a, ty))| {
            let v = arg(a, *ty)?;
            if v.ty() != *ty {
                return Err(format!(
                    "argument {i} is a {}, the function wants {ty}",
                    v.ty()
                ));
            }
            Ok(v)
        })
        .collect()
}

fn arg(arg: &WastArg<'_>, param: ValType) -> Result<Val, String> {
    let WastArg::Core(core) = arg else {
        return Err("component-model arguments are not supported".into());
    };
    Ok(match core {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(ht) => Val::default_for(null_type(ht, param)?),
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(*n)),
        WastArgCore::RefHost(n) => Val::AnyRef(Some(AnyRef::Host(*n))),
    })
}

/// The wasmux type of a null reference of heap type `ht`. Concrete (typed) references take the
/// parameter's type: wasmux models every function reference as `funcref`.
fn null_type(ht: &HeapType<'_>, param: ValType) -> Result<ValType, String> {
    match ht {
        HeapType::Abstract { ty, .. } => match ty {
            AbstractHeapType::Func | AbstractHeapType::NoFunc => Ok(ValType::FuncRef),
            AbstractHeapType::Extern | AbstractHeapType::NoExtern => Ok(ValType::ExternRef),
            AbstractHeapType::Any
            | AbstractHeapType::Eq
            | AbstractHeapType::I31
            | AbstractHeapType::Struct
            | AbstractHeapType::Array
            | AbstractHeapType::None => Ok(ValType::AnyRef),
            other => Err(format!("wasmux values cannot carry {other:?} references")),
        },
        HeapType::Concrete(_) | HeapType::Exact(_) => match param {
            ValType::FuncRef | ValType::ExternRef | ValType::AnyRef => Ok(param),
            _ => Err("a typed null reference for a non-reference parameter".into()),
        },
    }
}

/// Checks `actual` against the expected result patterns of an `assert_return`.
pub(crate) fn check_results(actual: &[Val], expected: &[WastRet<'_>]) -> Result<(), String> {
    if actual.len() != expected.len() {
        return Err(format!(
            "returned {} value(s) [{}], expected {} [{}]",
            actual.len(),
            list(actual),
            expected.len(),
            expected
                .iter()
                .map(describe_ret)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let WastRet::Core(e) = e else {
            return Err("component-model results are not supported".into());
        };
        if !matches(a, e)? {
            return Err(format!(
                "result {i}: got {}, expected {}",
                describe_val(a),
                describe(e)
            ));
        }
    }
    Ok(())
}

/// Whether `v` fits the pattern; an error when wasmux cannot observe what the pattern asks.
fn matches(v: &Val, pattern: &WastRetCore<'_>) -> Result<bool, String> {
    Ok(match (pattern, v) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(e), Val::F32(a)) => f32_matches(e, *a),
        (WastRetCore::F64(e), Val::F64(a)) => f64_matches(e, *a),
        (WastRetCore::V128(e), Val::V128(a)) => v128_matches(e, *a),
        (
            WastRetCore::RefNull(ht),
            Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None),
        ) => match ht {
            None => true,
            Some(ht) => null_type(ht, v.ty()).is_ok_and(|t| t == v.ty()),
        },
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(e)), Val::ExternRef(Some(a))) => e == a,
        // Function identities are not shared across engines, so only non-null is observable.
        (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (WastRetCore::Either(options), _) => {
            let mut any = false;
            for option in options {
                any |= matches(v, option)?;
            }
            any
        }
        (WastRetCore::RefAny, Val::AnyRef(Some(_))) => true,
        (
            WastRetCore::RefEq,
            Val::AnyRef(Some(AnyRef::I31(_) | AnyRef::Struct | AnyRef::Array)),
        ) => true,
        (WastRetCore::RefI31, Val::AnyRef(Some(AnyRef::I31(_)))) => true,
        (WastRetCore::RefStruct, Val::AnyRef(Some(AnyRef::Struct))) => true,
        (WastRetCore::RefArray, Val::AnyRef(Some(AnyRef::Array))) => true,
        (WastRetCore::RefHost(e), Val::AnyRef(Some(AnyRef::Host(a)))) => e == a,
        (WastRetCore::RefI31Shared, _) => {
            return Err(format!(
                "wasmux values cannot carry shared references (expected {})",
                describe(pattern)
            ))
        }
        _ => false,
    })
}

fn f32_matches(p: &NanPattern<F32>, bits: u32) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(e) => e.bits == bits,
    }
}

fn f64_matches(p: &NanPattern<F64>, bits: u64) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(e) => e.bits == bits,
    }
}

fn v128_matches(p: &V128Pattern, v: u128) -> bool {
    let b = v.to_le_bytes();
    let lane = |i: usize, n: usize| -> u64 {
        let mut buf = [0u8; 8];
        buf[..n].copy_from_slice(&b[i * n..i * n + n]);
        u64::from_le_bytes(buf)
    };
    match p {
        V128Pattern::I8x16(e) => e
            .iter()
            .enumerate()
            .all(|(i, x)| lane(i, 1) == *x as u8 as u64),
        V128Pattern::I16x8(e) => e
            .iter()
            .enumerate()
            .all(|(i, x)| lane(i, 2) == *x as u16 as u64),
        V128Pattern::I32x4(e) => e
            .iter()
            .enumerate()
            .all(|(i, x)| lane(i, 4) == *x as u32 as u64),
        V128Pattern::I64x2(e) => e.iter().enumerate().all(|(i, x)| lane(i, 8) == *x as u64),
        V128Pattern::F32x4(e) => e
            .iter()
            .enumerate()
            .all(|(i, x)| f32_matches(x, lane(i, 4) as u32)),
        V128Pattern::F64x2(e) => e
            .iter()
            .enumerate()
            .all(|(i, x)| f64_matches(x, lane(i, 8))),
    }
}

fn list(vals: &[Val]) -> String {
    vals.iter().map(describe_val).collect::<Vec<_>>().join(", ")
}

/// A value as the scripts write it, with float bits so NaN payloads can be told apart.
pub(crate) fn describe_val(v: &Val) -> String {
    match v {
        Val::F32(b) => format!("f32:{} ({b:#010x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64:{} ({b:#018x})", f64::from_bits(*b)),
        Val::V128(b) => format!("v128:{b:#034x}"),
        other => format!("{}:{other}", other.ty()),
    }
}

fn describe_ret(r: &WastRet<'_>) -> String {
    match r {
        WastRet::Core(c) => describe(c),
        #[allow(unreachable_patterns)]
        _ => "component value".into(),
    }
}

fn describe(p: &WastRetCore<'_>) -> String {
    match p {
        WastRetCore::I32(v) => format!("i32:{v}"),
        WastRetCore::I64(v) => format!("i64:{v}"),
        WastRetCore::F32(p) => format!(
            "f32:{}",
            nan_text(p, |v| format!(
                "{} ({:#010x})",
                f32::from_bits(v.bits),
                v.bits
            ))
        ),
        WastRetCore::F64(p) => format!(
            "f64:{}",
            nan_text(p, |v| format!(
                "{} ({:#018x})",
                f64::from_bits(v.bits),
                v.bits
            ))
        ),
        WastRetCore::V128(p) => format!("v128:{}", describe_v128(p)),
        WastRetCore::RefNull(_) => "ref.null".into(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefExtern(None) => "ref.extern".into(),
        WastRetCore::RefFunc(_) => "ref.func".into(),
        WastRetCore::Either(options) => format!(
            "either({})",
            options.iter().map(describe).collect::<Vec<_>>().join(" | ")
        ),
        other => format!("{other:?}"),
    }
}

fn describe_v128(p: &V128Pattern) -> String {
    let f32s = |v: &[NanPattern<F32>]| {
        v.iter()
            .map(|p| nan_text(p, |x| f32::from_bits(x.bits).to_string()))
            .collect::<Vec<_>>()
    };
    let f64s = |v: &[NanPattern<F64>]| {
        v.iter()
            .map(|p| nan_text(p, |x| f64::from_bits(x.bits).to_string()))
            .collect::<Vec<_>>()
    };
    match p {
        V128Pattern::I8x16(v) => format!("i8x16 {v:?}"),
        V128Pattern::I16x8(v) => format!("i16x8 {v:?}"),
        V128Pattern::I32x4(v) => format!("i32x4 {v:?}"),
        V128Pattern::I64x2(v) => format!("i64x2 {v:?}"),
        V128Pattern::F32x4(v) => format!("f32x4 {:?}", f32s(v)),
        V128Pattern::F64x2(v) => format!("f64x2 {:?}", f64s(v)),
    }
}

fn nan_text<T>(p: &NanPattern<T>, value: impl Fn(&T) -> String) -> String {
    match p {
        NanPattern::CanonicalNan => "nan:canonical".into(),
        NanPattern::ArithmeticNan => "nan:arithmetic".into(),
        NanPattern::Value(v) => value(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_patterns() {
        let canonical = NanPattern::<F32>::CanonicalNan;
        let arithmetic = NanPattern::<F32>::ArithmeticNan;
        assert!(f32_matches(&canonical, 0x7fc0_0000));
        assert!(f32_matches(&canonical, 0xffc0_0000));
        assert!(!f32_matches(&canonical, 0x7fc0_0001));
        assert!(f32_matches(&arithmetic, 0x7fc0_0001));
        assert!(!f32_matches(&arithmetic, 0x7f80_0001));
        assert!(f64_matches(
            &NanPattern::CanonicalNan,
            0xfff8_0000_0000_0000
        ));
        assert!(!f64_matches(
            &NanPattern::ArithmeticNan,
            0x7ff0_0000_0000_0001
        ));
    }

    #[test]
    fn v128_lanes_are_little_endian() {
        let v = u128::from_le_bytes([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        assert!(v128_matches(&V128Pattern::I32x4([1, 2, 3, -1]), v));
        assert!(!v128_matches(&V128Pattern::I32x4([1, 2, 3, 4]), v));
    }
}
