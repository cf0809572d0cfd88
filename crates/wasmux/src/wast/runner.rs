//! The state a script builds up in its one [`Linker`]: instances by name, registered modules,
//! and module definitions. Linking, the limits (one fuel tank for the script's store, a
//! deadline per call) and the start function are the linker's, as for any embedder.

use super::spectest;
use crate::linker::{LinkedInstance, Linker};
use crate::prepared::PreparedModule;
use crate::runtime::Runtime;
use std::collections::HashMap;
use std::sync::Arc;
use wasmux_core::{Engine, Error, Limits, Trap, Val};
use wast::token::Id;
use wast::WastInvoke;

/// An instance, or why there is none, so that every directive using it fails with the cause.
pub(crate) type Slot = Result<LinkedInstance, String>;

/// A module compiled for the script's engine and limits.
pub(crate) type Compiled = PreparedModule;

/// A step that could not even be attempted (a module it needs failed, a value wasmux cannot
/// express) is an `Err(String)`; what the engine did is the inner `Result`.
pub(crate) type Attempt<T> = Result<Result<T, Error>, String>;

pub(crate) struct Runner<'a> {
    script: &'a str,
    runtime: Runtime,
    linker: Linker,
    /// The most recent module, which directives without a module name refer to.
    current: Option<Slot>,
    named: HashMap<String, Slot>,
    /// Names registered for an instance that failed, and why: imports from them fail so.
    failed: HashMap<String, String>,
    definitions: HashMap<String, Result<Compiled, String>>,
    last_definition: Option<Result<Compiled, String>>,
    /// The trap the last call or instantiation ended with, for the directive's report.
    last_trap: Option<Trap>,
}

impl<'a> Runner<'a> {
    pub(crate) fn new(
        engine: &'a Arc<dyn Engine>,
        script: &'a str,
        limits: &Limits,
        extend: Option<&super::Extend>,
    ) -> Result<Self, Error> {
        let mut builder = Runtime::builder()
            .made_engine(engine.clone())
            .limits(limits.clone());
        if let Some(extend) = extend {
            builder = (extend.0)(builder);
        }
        let runtime = spectest::funcs(builder).build()?;
        let mut linker = runtime.linker()?;
        spectest::define(&mut linker);
        Ok(Runner {
            script,
            runtime,
            linker,
            current: None,
            named: HashMap::new(),
            failed: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
            last_trap: None,
        })
    }

    /// Validates an encoded script module, rewrites it as the engine and the limits require
    /// and compiles it, as [`Runtime::prepare`] does for anyone.
    pub(crate) fn compile(&self, bytes: Vec<u8>, at: &str) -> Result<Compiled, String> {
        let name = self.module_name(at);
        self.runtime
            .prepare_bytes(&name, &bytes)
            .map_err(|e| e.to_string())
    }

    /// How a module at `at` is named in errors: `script:line:column`.
    pub(crate) fn module_name(&self, at: &str) -> String {
        format!("{}:{at}", self.script)
    }

    pub(crate) fn instantiate(&mut self, module: &Compiled) -> Attempt<LinkedInstance> {
        for import in &module.0.code.imports {
            if let Some(why) = self.failed.get(&import.module) {
                return Err(format!("imports from `{}`: {why}", import.module));
            }
        }
        let instance = self.linker.instantiate_unnamed(module);
        Ok(self.observed(instance))
    }

    /// Notes the trap a call or instantiation ended with.
    fn observed<T>(&mut self, result: Result<T, Error>) -> Result<T, Error> {
        if let Err(e) = &result {
            self.last_trap = e.as_trap();
        }
        result
    }

    /// The trap the directive just run ended with, if any; starts afresh for the next one.
    pub(crate) fn take_trap(&mut self) -> Option<Trap> {
        self.last_trap.take()
    }

    /// Fuel consumed so far by the whole store; `None` when fuel is not metered.
    pub(crate) fn fuel_used(&mut self) -> Result<Option<u64>, Error> {
        let Some(fuel) = self.runtime.limits().fuel else {
            return Ok(None);
        };
        let full = fuel.min(i64::MAX as u64);
        // No tank before the first metered module: nothing consumed yet.
        let left = self.linker.fuel_remaining().unwrap_or(full);
        Ok(Some(full.saturating_sub(left)))
    }

    /// Records a new module instance (or its failure) as the current one.
    pub(crate) fn set_current(&mut self, id: Option<Id<'_>>, slot: Slot) {
        if let Some(id) = id {
            self.named.insert(id.name().to_string(), slot.clone());
        }
        self.current = Some(slot);
    }

    pub(crate) fn define(&mut self, id: Option<Id<'_>>, module: Result<Compiled, String>) {
        if let Some(id) = id {
            self.definitions
                .insert(id.name().to_string(), module.clone());
        }
        self.last_definition = Some(module);
    }

    pub(crate) fn definition(&self, id: Option<Id<'_>>) -> Result<Compiled, String> {
        let found = match id {
            Some(id) => self.definitions.get(id.name()),
            None => self.last_definition.as_ref(),
        };
        found
            .cloned()
            .unwrap_or_else(|| Err("no such module definition".into()))
    }

    pub(crate) fn register(&mut self, name: &str, module: Option<Id<'_>>) -> Result<(), String> {
        match self.slot(module) {
            Ok(instance) => {
                self.failed.remove(name);
                self.linker
                    .register(name, instance)
                    .map_err(|e| e.to_string())
            }
            Err(why) => {
                self.failed.insert(name.to_string(), why.clone());
                Err(why)
            }
        }
    }

    /// The instance a directive names, or the current one.
    pub(crate) fn instance(&self, module: Option<Id<'_>>) -> Result<LinkedInstance, String> {
        self.slot(module)
    }

    fn slot(&self, module: Option<Id<'_>>) -> Slot {
        let slot = match module {
            Some(id) => self.named.get(id.name()),
            None => self.current.as_ref(),
        };
        slot.cloned()
            .unwrap_or_else(|| Err("no such module instance".into()))
    }

    pub(crate) fn invoke(&mut self, call: &WastInvoke<'_>) -> Attempt<Vec<Val>> {
        let instance = self.instance(call.module)?;
        let Some(ty) = self.linker.func_type(instance, call.name) else {
            let exported = self
                .linker
                .exports(instance)
                .map_err(|e| e.to_string())?
                .iter()
                .any(|e| e.name == call.name);
            return Err(if exported {
                // Adapters leave out signatures wasmux values cannot express.
                format!(
                    "`{}` has a signature wasmux values cannot express",
                    call.name
                )
            } else {
                format!("no exported function `{}`", call.name)
            });
        };
        let args = super::values::args(&call.args, &ty.params)?;
        let result = self.linker.call(instance, call.name, &args);
        Ok(self.observed(result))
    }

    pub(crate) fn global(&mut self, module: Option<Id<'_>>, name: &str) -> Result<Val, String> {
        let instance = self.instance(module)?;
        self.linker
            .global(instance, name)
            .ok_or_else(|| format!("no exported global `{name}`"))
    }
}
