//! What each kind of script directive means, checked through the wasmux API.

use super::modules::{encode, encode_wat};
use super::runner::{Attempt, Runner};
use super::traps::expected_trap;
use super::values::{check_results, describe_val};
use wasmux_core::{Error, Val};
use wast::{QuoteWat, WastDirective, WastExecute};

/// The directive's keyword, for reports.
pub(crate) fn kind(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}

/// Whether the directive may run guest code: a call, or an instantiation (start functions).
pub(crate) fn runs_code(d: &WastDirective<'_>) -> bool {
    match d {
        WastDirective::Module(_) | WastDirective::ModuleInstance { .. } => true,
        WastDirective::AssertReturn { exec, .. }
        | WastDirective::AssertTrap { exec, .. }
        | WastDirective::AssertException { exec, .. } => !matches!(exec, WastExecute::Get { .. }),
        _ => calls(d),
    }
}

/// Whether the directive calls an exported function.
pub(crate) fn calls(d: &WastDirective<'_>) -> bool {
    match d {
        WastDirective::Invoke(_) | WastDirective::AssertExhaustion { .. } => true,
        WastDirective::AssertReturn { exec, .. }
        | WastDirective::AssertTrap { exec, .. }
        | WastDirective::AssertException { exec, .. } => matches!(exec, WastExecute::Invoke(_)),
        _ => false,
    }
}

impl Runner<'_> {
    /// Runs one directive; `Err` says why it failed. `at` is its `line:column`.
    pub(crate) fn run(&mut self, d: &mut WastDirective<'_>, at: &str) -> Result<(), String> {
        match d {
            WastDirective::Module(module) => self.module(module, at),
            WastDirective::ModuleDefinition(module) => {
                let id = module.name();
                let compiled = encode(module).and_then(|bytes| self.compile(bytes, at));
                let result = compiled.as_ref().map(|_| ()).map_err(Clone::clone);
                self.define(
                    id,
                    compiled.map_err(|e| format!("module at {at} failed: {e}")),
                );
                result
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let slot = match self.definition(*module) {
                    Ok(compiled) => self.instantiate(&compiled).and_then(flatten),
                    Err(e) => Err(e),
                };
                let result = slot.as_ref().map(|_| ()).map_err(Clone::clone);
                self.set_current(
                    *instance,
                    slot.map_err(|e| format!("module instance at {at} failed: {e}")),
                );
                result
            }
            WastDirective::Register { name, module, .. } => self.register(name, *module),
            WastDirective::Invoke(call) => flatten(self.invoke(call)?).map(|_| ()),
            WastDirective::AssertReturn { exec, results, .. } => match self.execute(exec, at)? {
                Ok(values) => check_results(&values, results),
                Err(e) => Err(format!("expected a result, got error: {e}")),
            },
            WastDirective::AssertTrap { exec, message, .. } => {
                let outcome = self.execute(exec, at)?;
                expect_trap(outcome, message)
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                expect_trap(self.invoke(call)?, message)
            }
            WastDirective::AssertException { exec, .. } => match self.execute(exec, at)? {
                Ok(values) => Err(format!(
                    "returned [{}], expected an exception",
                    list(&values)
                )),
                // wasmux has no error kind for an exception escaping the guest; adapters report
                // it as an engine error that says so.
                Err(Error::Engine { message, .. }) if message.contains("exception") => Ok(()),
                Err(e) => Err(format!("expected an uncaught exception, got {e}")),
            },
            WastDirective::AssertInvalid {
                module, message, ..
            }
            | WastDirective::AssertMalformed {
                module, message, ..
            } => self.expect_rejected(module, message, at),
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => {
                let compiled = encode_wat(module)
                    .and_then(|bytes| self.compile(bytes, at))
                    .map_err(|e| format!("module did not compile: {e}"))?;
                match self.instantiate(&compiled)? {
                    Ok(_) => Err(format!("module linked, expected `{message}`")),
                    Err(e @ Error::Trap { .. }) => {
                        Err(format!("expected a link error `{message}`, got {e}"))
                    }
                    Err(_) => Ok(()),
                }
            }
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. }
            | WastDirective::AssertSuspension { .. }
            | WastDirective::Thread(_)
            | WastDirective::Wait { .. } => Err(format!(
                "`{}` is not supported by the wasmux runner",
                kind(d)
            )),
        }
    }

    fn module(&mut self, module: &mut QuoteWat<'_>, at: &str) -> Result<(), String> {
        let id = module.name();
        let slot = encode(module)
            .and_then(|bytes| self.compile(bytes, at))
            .and_then(|compiled| self.instantiate(&compiled).and_then(flatten));
        let result = slot.as_ref().map(|_| ()).map_err(Clone::clone);
        self.set_current(id, slot.map_err(|e| format!("module at {at} failed: {e}")));
        result
    }

    /// The values an action produced; instantiating a module produces none.
    fn execute(&mut self, exec: &mut WastExecute<'_>, at: &str) -> Attempt<Vec<Val>> {
        match exec {
            WastExecute::Invoke(call) => self.invoke(call),
            WastExecute::Get { module, global, .. } => Ok(Ok(vec![self.global(*module, global)?])),
            WastExecute::Wat(wat) => {
                let compiled = encode_wat(wat)
                    .and_then(|bytes| self.compile(bytes, at))
                    .map_err(|e| format!("module did not compile: {e}"))?;
                Ok(self.instantiate(&compiled)?.map(|_| Vec::new()))
            }
        }
    }

    /// `assert_invalid` and `assert_malformed`: wasmux must refuse the module before any
    /// engine runs it, at parsing or validation.
    fn expect_rejected(
        &mut self,
        module: &mut QuoteWat<'_>,
        message: &str,
        at: &str,
    ) -> Result<(), String> {
        let bytes = match encode(module) {
            Ok(bytes) => bytes,
            Err(_) => return Ok(()),
        };
        let name = self.module_name(at);
        match crate::module::validate(&name, &bytes) {
            Err(Error::InvalidModule { .. } | Error::InvalidText { .. }) => Ok(()),
            Err(e) => Err(format!("expected `{message}`, got a different error: {e}")),
            Ok(()) => Err(format!("module validated, expected `{message}`")),
        }
    }
}

fn flatten<T>(r: Result<T, Error>) -> Result<T, String> {
    r.map_err(|e| e.to_string())
}

fn expect_trap(outcome: Result<Vec<Val>, Error>, message: &str) -> Result<(), String> {
    let expected = expected_trap(message);
    match (outcome, expected) {
        (Ok(values), _) => Err(format!(
            "returned [{}], expected trap `{message}`",
            list(&values)
        )),
        (Err(e), Some(trap)) if e.as_trap() == Some(trap) => Ok(()),
        // `Error::Instantiation` carries no trap kind, only the engine's words; they pass when
        // they name the fault the spec's way or wasmux's way.
        (Err(Error::Instantiation(text)), Some(trap))
            if text.contains(message) || text.contains(trap.name()) =>
        {
            Ok(())
        }
        (Err(e), Some(trap)) => Err(format!("expected trap {trap:?} (`{message}`), got {e}")),
        (Err(e), None) => Err(format!(
            "wasmux has no trap kind for `{message}`; the engine gave: {e}"
        )),
    }
}

fn list(values: &[Val]) -> String {
    values
        .iter()
        .map(describe_val)
        .collect::<Vec<_>>()
        .join(", ")
}
