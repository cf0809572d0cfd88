//! The fast path for calls whose parameters and results are all numbers. `Func::call` looks up
//! the function's type and opens a rooting scope on every call, which is most of what a call of
//! a tiny function costs; a function whose numeric signature is known up front needs neither.

use crate::convert::func_type_from_wt;
use wasmtime::{Func, ValRaw};
use wasmux_core::{Val, ValType};

/// Arguments and results of most functions fit here without a heap allocation.
const INLINE: usize = 8;

pub(crate) struct RawFunc {
    func: Func,
    params: Box<[ValType]>,
    results: Box<[ValType]>,
}

fn numeric(ty: ValType) -> bool {
    matches!(
        ty,
        ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64 | ValType::V128
    )
}

impl RawFunc {
    /// `None` when a parameter or result is a reference (those need rooting).
    pub(crate) fn new(func: Func, ty: &wasmtime::FuncType) -> Option<RawFunc> {
        let ty = func_type_from_wt(ty)?;
        if !ty.params.iter().chain(&ty.results).all(|&t| numeric(t)) {
            return None;
        }
        Some(RawFunc {
            func,
            params: ty.params.into(),
            results: ty.results.into(),
        })
    }

    /// Calls the function, or returns `None` (having done nothing) when `args` do not match its
    /// parameters, so that the checked path can report the mismatch.
    pub(crate) fn call(
        &self,
        store: &mut wasmtime::Store<()>,
        args: &[Val],
    ) -> Option<wasmtime::Result<Vec<Val>>> {
        if args.len() != self.params.len()
            || args.iter().zip(&*self.params).any(|(a, t)| a.ty() != *t)
        {
            return None;
        }
        let slots = args.len().max(self.results.len());
        let mut inline = [ValRaw::i32(0); INLINE];
        let mut heap = Vec::new();
        let raw: &mut [ValRaw] = if slots <= INLINE {
            &mut inline[..slots]
        } else {
            heap.resize(slots, ValRaw::i32(0));
            &mut heap
        };
        for (slot, arg) in raw.iter_mut().zip(args) {
            *slot = match *arg {
                Val::I32(v) => ValRaw::i32(v),
                Val::I64(v) => ValRaw::i64(v),
                Val::F32(bits) => ValRaw::f32(bits),
                Val::F64(bits) => ValRaw::f64(bits),
                Val::V128(bits) => ValRaw::v128(bits),
                // Excluded by the type check above: every parameter type is numeric.
                Val::FuncRef(_) | Val::ExternRef(_) | Val::AnyRef(_) => return None,
            };
        }
        // SAFETY: `func` belongs to `store` (both come from the same adapter store); the slice
        // holds max(params, results) slots; the parameters were written with exactly the
        // function's parameter types (checked above); no parameter or result is a reference.
        let outcome = unsafe { self.func.call_unchecked(&mut *store, raw as *mut [ValRaw]) };
        Some(outcome.map(|()| {
            self.results
                .iter()
                .zip(raw.iter())
                .map(|(ty, r)| match ty {
                    ValType::I32 => Val::I32(r.get_i32()),
                    ValType::I64 => Val::I64(r.get_i64()),
                    ValType::F32 => Val::F32(r.get_f32()),
                    ValType::F64 => Val::F64(r.get_f64()),
                    _ => Val::V128(r.get_v128()),
                })
                .collect()
        }))
    }
}
