//! The state a script builds up in its one store: instances by name, registered modules, and
//! how a module's imports are found among them.

use super::limited::Limited;
use super::modules;
use super::spectest::Spectest;
use std::collections::HashMap;
use std::sync::Arc;
use wasmux_core::{
    CompiledModule, Engine, Error, Import, ImportValue, InstanceId, Limits, Store, Trap, Val,
};
use wasmux_instrument::{FUEL_IMPORT, RUNTIME_MODULE};
use wast::token::Id;
use wast::WastInvoke;

/// An instance, or why there is none, so that every directive using it fails with the cause.
pub(crate) type Slot = Result<InstanceId, String>;

/// A module compiled for the script's engine, with the imports it needs.
#[derive(Clone)]
pub(crate) struct Compiled {
    module: Arc<dyn CompiledModule>,
    imports: Vec<(String, String)>,
}

/// A step that could not even be attempted (a module it needs failed, a value wasmux cannot
/// express) is an `Err(String)`; what the engine did is the inner `Result`.
pub(crate) type Attempt<T> = Result<Result<T, Error>, String>;

pub(crate) struct Runner<'a> {
    engine: &'a Arc<dyn Engine>,
    script: &'a str,
    store: Box<dyn Store>,
    spectest: Spectest,
    /// The most recent module, which directives without a module name refer to.
    current: Option<Slot>,
    named: HashMap<String, Slot>,
    registered: HashMap<String, Slot>,
    definitions: HashMap<String, Result<Compiled, String>>,
    last_definition: Option<Result<Compiled, String>>,
    limited: Limited,
    /// The trap the last call or instantiation ended with, for the directive's report.
    last_trap: Option<Trap>,
}

impl<'a> Runner<'a> {
    pub(crate) fn new(
        engine: &'a Arc<dyn Engine>,
        script: &'a str,
        limits: &Limits,
    ) -> Result<Self, Error> {
        Ok(Runner {
            engine,
            script,
            store: engine.new_store(&Default::default())?,
            spectest: Spectest::default(),
            current: None,
            named: HashMap::new(),
            registered: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
            limited: Limited::new(engine.as_ref(), limits),
            last_trap: None,
        })
    }

    /// Validates an encoded script module, rewrites it as the engine and the limits require
    /// (what `wasmux::prepare` and `Runtime::instantiate` do) and compiles it.
    pub(crate) fn compile(&self, bytes: Vec<u8>, at: &str) -> Result<Compiled, String> {
        let name = self.module_name(at);
        crate::module::validate(&name, &bytes).map_err(|e| e.to_string())?;
        let prepared = crate::prepare::prepare_with(
            self.engine.as_ref(),
            &name,
            &bytes,
            self.limited.rewrite(),
        )
        .map_err(|e| e.to_string())?;
        Ok(Compiled {
            module: prepared.compiled,
            // Rewriting may add imports (the runtime's check and out-of-fuel functions).
            imports: modules::import_names(&prepared.bytes)?,
        })
    }

    /// How a module at `at` is named in errors: `script:line:column`.
    pub(crate) fn module_name(&self, at: &str) -> String {
        format!("{}:{at}", self.script)
    }

    pub(crate) fn instantiate(&mut self, module: &Compiled) -> Attempt<InstanceId> {
        let imports = match self.resolve(&module.imports)? {
            Ok(imports) => imports,
            Err(e) => return Ok(Err(e)),
        };
        let (store, limited) = (&mut self.store, &mut self.limited);
        let instance = limited.timed(|| store.instantiate(module.module.as_ref(), &imports));
        let instance = instance.and_then(|id| limited.started(store.as_mut(), id));
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
        self.limited.used(self.store.as_mut())
    }

    /// Finds every import in `spectest` or a registered instance, naming what is missing.
    fn resolve(&mut self, wanted: &[(String, String)]) -> Attempt<Vec<Import>> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for (module, name) in wanted {
            let value = if module == RUNTIME_MODULE && name == FUEL_IMPORT {
                match self.limited.tank(self.store.as_mut()) {
                    Ok(tank) => Some(ImportValue::Extern(tank)),
                    Err(e) => return Ok(Err(e)),
                }
            } else if module == RUNTIME_MODULE && self.limited.instrumented() {
                match self.limited.runtime_func(name) {
                    Ok(func) => Some(ImportValue::Func(func)),
                    Err(e) => return Ok(Err(e)),
                }
            } else if module == "spectest" && !self.registered.contains_key(module) {
                match self.spectest.import(self.store.as_mut(), name) {
                    Ok(v) => v,
                    Err(e) => return Ok(Err(e)),
                }
            } else {
                match self.registered.get(module) {
                    Some(Ok(instance)) => {
                        let instance = *instance;
                        self.store.export(instance, name).map(ImportValue::Extern)
                    }
                    Some(Err(why)) => return Err(format!("imports from `{module}`: {why}")),
                    None => None,
                }
            };
            match value {
                Some(value) => found.push(Import {
                    module: module.clone(),
                    name: name.clone(),
                    value,
                }),
                None => missing.push(format!("{module}::{name}")),
            }
        }
        if missing.is_empty() {
            Ok(Ok(found))
        } else {
            Ok(Err(Error::UnresolvedImports(missing)))
        }
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
        let slot = self.slot(module);
        self.registered.insert(name.to_string(), slot.clone());
        slot.map(|_| ())
    }

    /// The instance a directive names, or the current one.
    pub(crate) fn instance(&self, module: Option<Id<'_>>) -> Result<InstanceId, String> {
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
        let Some(ty) = self.store.func_type(instance, call.name) else {
            let exported = self
                .store
                .exports(instance)
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
        let store = &mut self.store;
        let result = self
            .limited
            .timed(|| store.call(instance, call.name, &args));
        Ok(self.observed(result))
    }

    pub(crate) fn global(&mut self, module: Option<Id<'_>>, name: &str) -> Result<Val, String> {
        let instance = self.instance(module)?;
        self.store
            .global_get(instance, name)
            .ok_or_else(|| format!("no exported global `{name}`"))
    }
}
