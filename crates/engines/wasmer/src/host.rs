//! Host functions: a neutral `HostFunc` as a wasmer function, and the guest memory it sees.

use crate::convert::{from_value, func_type, to_value};
use wasmer::{AsStoreMut, Function, FunctionEnv, FunctionEnvMut, Memory, RuntimeError, Value};
use wasmux_core::{Caller, HostError, HostFunc, Val};

/// What host functions of one instance share. wasmer does not tell a host function which
/// instance called it, so the store fills in the instance's memory once it exists.
#[derive(Default)]
pub struct HostEnv {
    pub memory: Option<Memory>,
}

/// `None` when the function's type has values wasmer cannot carry (GC references).
pub fn host_function(
    store: &mut impl AsStoreMut,
    env: &FunctionEnv<HostEnv>,
    func: HostFunc,
) -> Option<Function> {
    let ty = func_type(&func.ty)?;
    Some(Function::new_with_env(
        store,
        env,
        ty,
        move |mut env, args| {
            call_host(&func, &mut env, args).map_err(|e| RuntimeError::user(Box::new(e)))
        },
    ))
}

fn call_host(
    func: &HostFunc,
    env: &mut FunctionEnvMut<HostEnv>,
    args: &[Value],
) -> Result<Vec<Value>, HostError> {
    let params = args
        .iter()
        .map(|v| from_value(env, v))
        .collect::<Option<Vec<Val>>>()
        .ok_or_else(|| HostError::Message("argument of a type wasmux cannot represent".into()))?;
    let mut results: Vec<Val> = func
        .ty
        .results
        .iter()
        .map(|t| Val::default_for(*t))
        .collect();
    let memory = env.data().memory.clone();
    let mut caller = WasmerCaller { memory, store: env };
    func.call(&mut caller, &params, &mut results)?;
    results
        .iter()
        .map(|v| {
            to_value(env, v).map_err(|_| {
                HostError::Message("a host function cannot return a non-null funcref".into())
            })
        })
        .collect()
}

struct WasmerCaller<'a, 'b> {
    memory: Option<Memory>,
    store: &'a mut FunctionEnvMut<'b, HostEnv>,
}

impl Caller for WasmerCaller<'_, '_> {
    fn memory(&mut self) -> Option<&mut [u8]> {
        let view = self.memory.as_ref()?.view(&*self.store);
        let (ptr, len) = (view.data_ptr(), view.data_size() as usize);
        if len == 0 {
            return Some(&mut []);
        }
        // SAFETY: `ptr..ptr+len` is the memory's current allocation. The slice borrows
        // `self`, which holds the only store handle of this call, so nothing can grow (and so
        // move) the memory or run guest code while the slice lives; a store, and so its
        // memories, belongs to one thread at a time.
        Some(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
    }
}
