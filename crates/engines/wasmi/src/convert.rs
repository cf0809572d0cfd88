//! Values and types between wasmux and wasmi.

use crate::error::ENGINE;
use wasmi::{AsContext, AsContextMut, ExternRef, Nullable, RefType, StoreContext, F32, F64, V128};
use wasmux_core::prelude::*;
use wasmux_core::{Error, FuncType, Val, ValType};

pub fn val_type(ty: ValType) -> Result<wasmi::ValType, Error> {
    Ok(match ty {
        ValType::I32 => wasmi::ValType::I32,
        ValType::I64 => wasmi::ValType::I64,
        ValType::F32 => wasmi::ValType::F32,
        ValType::F64 => wasmi::ValType::F64,
        ValType::V128 => wasmi::ValType::V128,
        ValType::FuncRef => wasmi::ValType::FuncRef,
        ValType::ExternRef => wasmi::ValType::ExternRef,
        ValType::AnyRef => return Err(no_gc()),
    })
}

fn no_gc() -> Error {
    Error::Unsupported {
        engine: ENGINE.into(),
        what: "GC references (wasmi 2.0 lacks the GC proposal)".into(),
    }
}

pub fn from_val_type(ty: wasmi::ValType) -> ValType {
    match ty {
        wasmi::ValType::I32 => ValType::I32,
        wasmi::ValType::I64 => ValType::I64,
        wasmi::ValType::F32 => ValType::F32,
        wasmi::ValType::F64 => ValType::F64,
        wasmi::ValType::V128 => ValType::V128,
        wasmi::ValType::FuncRef => ValType::FuncRef,
        wasmi::ValType::ExternRef => ValType::ExternRef,
    }
}

pub fn ref_type(ty: ValType) -> Result<RefType, Error> {
    match ty {
        ValType::FuncRef => Ok(RefType::Func),
        ValType::ExternRef => Ok(RefType::Extern),
        other => Err(Error::Unsupported {
            engine: ENGINE.into(),
            what: format!("tables of {other}"),
        }),
    }
}

/// wasmi's limit on parameters and on results of a function type; it panics beyond it.
const MAX_FUNC_TYPE_LEN: usize = 1_000;

pub fn func_type(ty: &FuncType) -> Result<wasmi::FuncType, Error> {
    if ty.params.len() > MAX_FUNC_TYPE_LEN || ty.results.len() > MAX_FUNC_TYPE_LEN {
        return Err(Error::Unsupported {
            engine: ENGINE.into(),
            what: format!(
                "function types with more than {MAX_FUNC_TYPE_LEN} parameters or results"
            ),
        });
    }
    let params = ty
        .params
        .iter()
        .map(|t| val_type(*t))
        .collect::<Result<Vec<_>, _>>()?;
    let results = ty
        .results
        .iter()
        .map(|t| val_type(*t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(wasmi::FuncType::new(params, results))
}

pub fn from_func_type(ty: &wasmi::FuncType) -> FuncType {
    FuncType::new(
        ty.params().iter().map(|t| from_val_type(*t)),
        ty.results().iter().map(|t| from_val_type(*t)),
    )
}

/// A wasmux value as a wasmi value. Host externrefs become wasmi extern objects holding the
/// host's number; they live as long as the store, which is what a store-scoped reference means.
pub fn to_wasmi(ctx: impl AsContextMut, val: &Val) -> Result<wasmi::Val, Error> {
    Ok(match *val {
        Val::I32(v) => wasmi::Val::I32(v),
        Val::I64(v) => wasmi::Val::I64(v),
        Val::F32(bits) => wasmi::Val::F32(F32::from_bits(bits)),
        Val::F64(bits) => wasmi::Val::F64(F64::from_bits(bits)),
        Val::V128(v) => wasmi::Val::V128(V128::from(v)),
        Val::FuncRef(None) => wasmi::Val::FuncRef(Nullable::Null),
        Val::FuncRef(Some(_)) => {
            // Function identities are not shared with the host, so there is nothing to pass.
            return Err(Error::Unsupported {
                engine: ENGINE.into(),
                what: "passing a non-null funcref from the host".into(),
            });
        }
        Val::ExternRef(None) => wasmi::Val::ExternRef(Nullable::Null),
        Val::ExternRef(Some(n)) => wasmi::Val::ExternRef(Nullable::Val(ExternRef::new(ctx, n))),
        Val::AnyRef(_) => return Err(no_gc()),
    })
}

/// A wasmi value as a wasmux value. A non-null funcref becomes the opaque token `Some(0)`.
pub fn from_wasmi<T>(ctx: StoreContext<'_, T>, val: &wasmi::Val) -> Val {
    match val {
        wasmi::Val::I32(v) => Val::I32(*v),
        wasmi::Val::I64(v) => Val::I64(*v),
        wasmi::Val::F32(v) => Val::F32(v.to_bits()),
        wasmi::Val::F64(v) => Val::F64(v.to_bits()),
        wasmi::Val::V128(v) => Val::V128(v.as_u128()),
        wasmi::Val::FuncRef(r) => Val::FuncRef(if r.is_null() { None } else { Some(0) }),
        wasmi::Val::ExternRef(Nullable::Null) => Val::ExternRef(None),
        wasmi::Val::ExternRef(Nullable::Val(r)) => {
            // Every extern object in a wasmux store was made by `to_wasmi` from a `u32`.
            let n = r.data(ctx).downcast_ref::<u32>().copied().unwrap_or(0);
            Val::ExternRef(Some(n))
        }
    }
}

/// Converts a list of values: the results of `Store::call`, or a host function's parameters.
pub fn from_wasmi_all(ctx: impl AsContext, vals: &[wasmi::Val]) -> Vec<Val> {
    vals.iter()
        .map(|v| from_wasmi(ctx.as_context(), v))
        .collect()
}
