//! Values and types between wasmux's neutral forms and wasmer's.

use wasmer::{AsStoreMut, AsStoreRef, ExternRef, FunctionType, Type, Value};
use wasmux_core::{FuncType, Val, ValType};

/// `None` for GC references, which wasmer 7.4 does not implement.
pub fn val_type(ty: ValType) -> Option<Type> {
    Some(match ty {
        ValType::I32 => Type::I32,
        ValType::I64 => Type::I64,
        ValType::F32 => Type::F32,
        ValType::F64 => Type::F64,
        ValType::V128 => Type::V128,
        ValType::FuncRef => Type::FuncRef,
        ValType::ExternRef => Type::ExternRef,
        ValType::AnyRef => return None,
    })
}

/// `None` for types wasmux has no name for (exception references).
pub fn from_type(ty: Type) -> Option<ValType> {
    Some(match ty {
        Type::I32 => ValType::I32,
        Type::I64 => ValType::I64,
        Type::F32 => ValType::F32,
        Type::F64 => ValType::F64,
        Type::V128 => ValType::V128,
        Type::FuncRef => ValType::FuncRef,
        Type::ExternRef => ValType::ExternRef,
        _ => return None,
    })
}

pub fn func_type(ty: &FuncType) -> Option<FunctionType> {
    let list = |v: &[ValType]| v.iter().map(|t| val_type(*t)).collect::<Option<Vec<_>>>();
    Some(FunctionType::new(list(&ty.params)?, list(&ty.results)?))
}

pub fn from_func_type(ty: &FunctionType) -> Option<FuncType> {
    let list = |v: &[Type]| v.iter().map(|t| from_type(*t)).collect::<Option<Vec<_>>>();
    Some(FuncType {
        params: list(ty.params())?,
        results: list(ty.results())?,
    })
}

/// Why a value cannot be handed to wasmer: a non-null function reference (identities are not
/// shared), or a GC reference (wasmer has no GC).
pub struct ForgedFuncRef;

/// A neutral value as a wasmer value. Non-null function references cannot be made from the
/// host side: wasmux does not share function identities between engines.
pub fn to_value(store: &mut impl AsStoreMut, v: &Val) -> Result<Value, ForgedFuncRef> {
    Ok(match *v {
        Val::I32(x) => Value::I32(x),
        Val::I64(x) => Value::I64(x),
        Val::F32(bits) => Value::F32(f32::from_bits(bits)),
        Val::F64(bits) => Value::F64(f64::from_bits(bits)),
        Val::V128(x) => Value::V128(x),
        Val::FuncRef(None) => Value::FuncRef(None),
        Val::FuncRef(Some(_)) => return Err(ForgedFuncRef),
        Val::ExternRef(None) => Value::ExternRef(None),
        Val::ExternRef(Some(n)) => Value::ExternRef(Some(ExternRef::new(store, n))),
        Val::AnyRef(_) => return Err(ForgedFuncRef),
    })
}

/// A wasmer value as a neutral one. `None` for values wasmux has no form for (exception
/// references).
pub fn from_value(store: &impl AsStoreRef, v: &Value) -> Option<Val> {
    Some(match v {
        Value::I32(x) => Val::I32(*x),
        Value::I64(x) => Val::I64(*x),
        // `to_bits` keeps NaN payloads, which an `as` cast or arithmetic would not promise.
        Value::F32(x) => Val::F32(x.to_bits()),
        Value::F64(x) => Val::F64(x.to_bits()),
        Value::V128(x) => Val::V128(*x),
        // Function identities are opaque outside the engine: only null-or-not is observable.
        Value::FuncRef(f) => Val::FuncRef(f.as_ref().map(|_| 0)),
        // Every extern reference in a wasmux store was made by `to_value` from a u32.
        Value::ExternRef(r) => {
            Val::ExternRef(r.as_ref().and_then(|r| r.downcast::<u32>(store).copied()))
        }
        _ => return None,
    })
}
