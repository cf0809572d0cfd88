//! Translating values and types between wasmux and wasmtime.

use wasmtime::{AsContextMut, ExternRef, HeapType, RefType, I31, V128};
use wasmux_core::{AnyRef, FuncType, Val, ValType};

pub(crate) fn val_type_to_wt(ty: ValType) -> wasmtime::ValType {
    match ty {
        ValType::I32 => wasmtime::ValType::I32,
        ValType::I64 => wasmtime::ValType::I64,
        ValType::F32 => wasmtime::ValType::F32,
        ValType::F64 => wasmtime::ValType::F64,
        ValType::V128 => wasmtime::ValType::V128,
        ValType::FuncRef => wasmtime::ValType::FUNCREF,
        ValType::ExternRef => wasmtime::ValType::EXTERNREF,
        ValType::AnyRef => wasmtime::ValType::ANYREF,
    }
}

pub(crate) fn ref_type_to_wt(ty: ValType) -> Option<RefType> {
    match ty {
        ValType::FuncRef => Some(RefType::FUNCREF),
        ValType::ExternRef => Some(RefType::EXTERNREF),
        ValType::AnyRef => Some(RefType::ANYREF),
        _ => None,
    }
}

/// The wasmux type of a wasmtime reference type: a reference is typed by the top of its
/// hierarchy (any function reference is a `funcref`, any struct or array one an `anyref`);
/// exception references have no wasmux type.
fn ref_type_from_wt(ty: &RefType) -> Option<ValType> {
    match ty.heap_type().top() {
        HeapType::Func => Some(ValType::FuncRef),
        HeapType::Extern => Some(ValType::ExternRef),
        HeapType::Any => Some(ValType::AnyRef),
        _ => None,
    }
}

pub(crate) fn val_type_from_wt(ty: &wasmtime::ValType) -> Option<ValType> {
    Some(match ty {
        wasmtime::ValType::I32 => ValType::I32,
        wasmtime::ValType::I64 => ValType::I64,
        wasmtime::ValType::F32 => ValType::F32,
        wasmtime::ValType::F64 => ValType::F64,
        wasmtime::ValType::V128 => ValType::V128,
        wasmtime::ValType::Ref(r) => return ref_type_from_wt(r),
    })
}

/// `None` when a parameter or result has no wasmux type (GC references).
pub(crate) fn func_type_from_wt(ty: &wasmtime::FuncType) -> Option<FuncType> {
    Some(FuncType {
        params: ty
            .params()
            .map(|t| val_type_from_wt(&t))
            .collect::<Option<_>>()?,
        results: ty
            .results()
            .map(|t| val_type_from_wt(&t))
            .collect::<Option<_>>()?,
    })
}

pub(crate) fn func_type_to_wt(engine: &wasmtime::Engine, ty: &FuncType) -> wasmtime::FuncType {
    wasmtime::FuncType::new(
        engine,
        ty.params.iter().map(|&t| val_type_to_wt(t)),
        ty.results.iter().map(|&t| val_type_to_wt(t)),
    )
}

/// A wasmux value as wasmtime's. Externrefs carry their host number as the reference's data.
pub(crate) fn val_to_wt(mut store: impl AsContextMut, v: &Val) -> Result<wasmtime::Val, String> {
    Ok(match *v {
        Val::I32(x) => wasmtime::Val::I32(x),
        Val::I64(x) => wasmtime::Val::I64(x),
        Val::F32(bits) => wasmtime::Val::F32(bits),
        Val::F64(bits) => wasmtime::Val::F64(bits),
        Val::V128(x) => wasmtime::Val::V128(V128::from(x)),
        Val::FuncRef(None) => wasmtime::Val::FuncRef(None),
        Val::FuncRef(Some(_)) => {
            return Err("a non-null funcref passed from the host".to_string());
        }
        Val::ExternRef(None) => wasmtime::Val::ExternRef(None),
        Val::ExternRef(Some(n)) => {
            let r = ExternRef::new(&mut store, n).map_err(|e| format!("{e:#}"))?;
            wasmtime::Val::ExternRef(Some(r))
        }
        Val::AnyRef(None) => wasmtime::Val::AnyRef(None),
        Val::AnyRef(Some(AnyRef::I31(n))) => wasmtime::Val::AnyRef(Some(
            wasmtime::AnyRef::from_i31(&mut store, I31::wrapping_u32(n)),
        )),
        Val::AnyRef(Some(AnyRef::Host(n))) => {
            let err = |e: wasmtime::Error| format!("{e:#}");
            let host = ExternRef::new(&mut store, n).map_err(err)?;
            wasmtime::Val::AnyRef(Some(
                wasmtime::AnyRef::convert_extern(&mut store, host).map_err(err)?,
            ))
        }
        Val::AnyRef(Some(_)) => {
            return Err(
                "a non-null struct, array or other GC reference passed from the host".into(),
            );
        }
    })
}

/// A wasmtime value as wasmux's. Function identities are not shared between engines, so a
/// non-null funcref becomes the opaque token 0.
pub(crate) fn val_from_wt(mut store: impl AsContextMut, v: &wasmtime::Val) -> Result<Val, String> {
    Ok(match v {
        wasmtime::Val::I32(x) => Val::I32(*x),
        wasmtime::Val::I64(x) => Val::I64(*x),
        wasmtime::Val::F32(bits) => Val::F32(*bits),
        wasmtime::Val::F64(bits) => Val::F64(*bits),
        wasmtime::Val::V128(x) => Val::V128(x.as_u128()),
        wasmtime::Val::FuncRef(f) => Val::FuncRef(f.as_ref().map(|_| 0)),
        wasmtime::Val::ExternRef(None) => Val::ExternRef(None),
        wasmtime::Val::ExternRef(Some(r)) => {
            let data = r.data(&store).map_err(|e| format!("{e:#}"))?;
            match data.and_then(|d| d.downcast_ref::<u32>()) {
                Some(&n) => Val::ExternRef(Some(n)),
                None => return Err("an externref the host did not create".to_string()),
            }
        }
        wasmtime::Val::AnyRef(None) => Val::AnyRef(None),
        wasmtime::Val::AnyRef(Some(r)) => Val::AnyRef(Some(any_ref_from_wt(&mut store, r)?)),
        other => {
            return Err(format!(
                "a value of a type wasmux cannot represent ({other:?})"
            ))
        }
    })
}

/// What the host may see of a non-null GC reference.
fn any_ref_from_wt(
    mut store: impl AsContextMut,
    r: &wasmtime::Rooted<wasmtime::AnyRef>,
) -> Result<AnyRef, String> {
    let err = |e: wasmtime::Error| format!("{e:#}");
    if let Some(i) = r.as_i31(&store).map_err(err)? {
        return Ok(AnyRef::I31(i.get_u32()));
    }
    if r.is_struct(&store).map_err(err)? {
        return Ok(AnyRef::Struct);
    }
    if r.is_array(&store).map_err(err)? {
        return Ok(AnyRef::Array);
    }
    // What is left is an external reference brought in with `any.convert_extern`.
    let external = ExternRef::convert_any(&mut store, *r).map_err(err)?;
    let data = external.data(&store).map_err(err)?;
    Ok(match data.and_then(|d| d.downcast_ref::<u32>()) {
        Some(&n) => AnyRef::Host(n),
        None => AnyRef::Other,
    })
}
