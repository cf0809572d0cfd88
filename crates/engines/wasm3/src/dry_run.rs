//! Surfaces wasm3's own parse and compile errors when a module is compiled, not when a guest
//! first calls the function wasm3 cannot handle (wasm3 compiles functions lazily).

use crate::locate;
use crate::trap::message;
use std::ptr;
use wasm3::wasm3_sys as ffi;
use wasmux_core::Error;

/// Value-stack bytes for the scratch runtime; nothing runs in it.
const SCRATCH_STACK: u32 = 64 * 1024;

/// Parses `wasm` with wasm3 and compiles every function body, then discards the result.
/// Must run on the native stack of `stack::on_native_stack`: compilation recurses per block.
/// A refused function is searched for the instruction wasm3 could not take, so the error
/// names it and its byte offset.
pub(crate) fn dry_run(wasm: &[u8]) -> Result<(), Error> {
    let refusal = match compile(wasm, None)? {
        None => return Ok(()),
        Some(refusal) => refusal,
    };
    let Some((func, imports)) = refusal.func else {
        return Err(crate::module::unsupported(format!(
            "this module: wasm3 refused it: {}",
            refusal.message
        )));
    };
    let defined = (func - imports) as usize;
    let mut compiles = |variant: &[u8]| matches!(compile(variant, Some(func)), Ok(None));
    match locate::refused_instruction(wasm, defined, &mut compiles) {
        Some(found) => Err(Error::RefusedCode {
            engine: "wasm3".to_string(),
            file: String::new(),
            func: Some(func),
            offset: Some(found.offset),
            op: found.op,
            reason: refusal.message,
        }),
        None => Err(crate::module::unsupported(format!(
            "this module: wasm3 refused it: {} (function {func})",
            refusal.message
        ))),
    }
}

/// What wasm3 said, and the function it said it about with the module's import count.
struct Refusal {
    message: String,
    func: Option<(u32, u32)>,
}

/// Parses `wasm` and compiles every defined function, or only `only`; `Ok(None)` when wasm3
/// accepts all of it.
fn compile(wasm: &[u8], only: Option<u32>) -> Result<Option<Refusal>, Error> {
    let len = u32::try_from(wasm.len())
        .map_err(|_| crate::module::unsupported("modules of 4 GiB or more"))?;
    // SAFETY: every pointer comes from wasm3 and is freed once, in reverse order of creation.
    // The module is attached to the runtime only for compilation (which takes code pages from
    // it) and detached before freeing, as wasm3 frees only modules it loaded itself.
    unsafe {
        let env = ffi::m3_NewEnvironment();
        if env.is_null() {
            return Err(out_of_memory());
        }
        let runtime = ffi::m3_NewRuntime(env, SCRATCH_STACK, ptr::null_mut());
        if runtime.is_null() {
            ffi::m3_FreeEnvironment(env);
            return Err(out_of_memory());
        }
        let mut module: ffi::IM3Module = ptr::null_mut();
        let mut result = ffi::m3_ParseModule(env, &mut module, wasm.as_ptr(), len);
        let mut failed_func = None;
        if result.is_null() {
            (*module).runtime = runtime;
            // wasm3 refuses to compile calls to imports it has not seen linked; marking them
            // as belonging to the module is what linking would do, minus the callback, which
            // nothing here runs.
            let imports = (*module).numImports;
            for i in 0..imports {
                (*(*module).functions.add(i as usize)).module = module;
            }
            let range = match only {
                Some(i) => i..i.saturating_add(1).min((*module).numFunctions),
                None => imports..(*module).numFunctions,
            };
            for i in range {
                let func = (*module).functions.add(i as usize);
                if (*func).compiled.is_null() {
                    result = ffi::Compile_Function(func);
                    if !result.is_null() {
                        failed_func = Some((i, imports));
                        break;
                    }
                }
            }
            (*module).runtime = ptr::null_mut();
            ffi::m3_FreeModule(module);
        }
        ffi::m3_FreeRuntime(runtime);
        ffi::m3_FreeEnvironment(env);
        if result.is_null() {
            return Ok(None);
        }
        Ok(Some(Refusal {
            message: message(result),
            func: failed_func,
        }))
    }
}

fn out_of_memory() -> Error {
    Error::engine("wasm3", "out of memory")
}
