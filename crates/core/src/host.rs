//! Host functions written once, callable from guests on every engine.

use crate::error::{Error, Trap};
use crate::prelude::*;
use crate::types::{FuncType, Val};
use alloc::sync::Arc;
#[cfg(feature = "std")]
use core::any::Any;
use core::fmt;
#[cfg(feature = "std")]
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a host function sees of the guest that called it.
pub trait Caller {
    /// The caller's linear memory: the one it exports as [`CALLER_MEMORY`] (`memory`, as WASI
    /// requires), on every engine; `None` when it exports no memory by that name, even if it
    /// has one.
    fn memory(&mut self) -> Option<&mut [u8]>;

    /// How a host function that blocks for long (a sleep, a wait for a connection) learns
    /// that the guest must stop: it calls [`Interrupt::check`] between short waits. `None` when
    /// nothing can interrupt this guest.
    fn interrupt(&self) -> Option<Interrupt> {
        None
    }
}

/// The export name under which a guest lends its memory to host functions.
pub const CALLER_MEMORY: &str = "memory";

/// Tells a blocking host function whether the guest it serves must stop (a timeout expired,
/// a cancel handle fired). Cheap to clone.
#[derive(Clone)]
pub struct Interrupt(Arc<dyn Fn() -> Result<(), HostError> + Send + Sync>);

impl Interrupt {
    pub fn new(check: impl Fn() -> Result<(), HostError> + Send + Sync + 'static) -> Self {
        Interrupt(Arc::new(check))
    }

    /// `Err` with the trap that stops the guest, when it must stop now.
    pub fn check(&self) -> Result<(), HostError> {
        (self.0)()
    }
}

impl fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Interrupt")
    }
}

/// Why a host function did not return normally.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// Stop the guest with this trap kind (how timeouts, cancellation and fuel exhaustion reach
    /// the guest on engines that lack them natively).
    #[error("{0}")]
    Trap(Trap),
    /// The guest asked to exit with this status (`proc_exit`).
    #[error("exit with status {0}")]
    Exit(i32),
    /// Any other failure; surfaces as `Trap::HostError` with this message.
    #[error("{0}")]
    Message(String),
}

impl From<HostError> for Error {
    fn from(e: HostError) -> Self {
        match e {
            HostError::Trap(t) => Error::trap(t),
            HostError::Exit(code) => Error::Exit(code),
            HostError::Message(m) => Error::trap_with(Trap::HostError, m),
        }
    }
}

pub type HostFuncImpl =
    dyn Fn(&mut dyn Caller, &[Val], &mut [Val]) -> Result<(), HostError> + Send + Sync;

/// A host function: its type and its body. Cheap to clone; the same value can be registered in
/// any number of stores on any engine. The body is private so that every call goes through
/// [`HostFunc::call`] and its guarantees.
#[derive(Clone)]
pub struct HostFunc {
    pub ty: FuncType,
    func: Arc<HostFuncImpl>,
}

impl HostFunc {
    pub fn new(
        ty: FuncType,
        func: impl Fn(&mut dyn Caller, &[Val], &mut [Val]) -> Result<(), HostError>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        HostFunc {
            ty,
            func: Arc::new(func),
        }
    }

    /// Calls the function, checking that it filled its results with values of the right types
    /// (a host bug must not become a guest-visible type confusion).
    ///
    /// Never panics: a panic in the body becomes `HostError::Message("host function panicked:
    /// ...")`. Engines call host functions from frames no unwind may cross (wasm frames, wasm3's
    /// C interpreter), and a buggy host function must stop the guest, not the host, so this is
    /// the one place where panics are caught for every engine. (Builds without `std` have no
    /// unwinding: a panic there aborts.)
    pub fn call(
        &self,
        caller: &mut dyn Caller,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), HostError> {
        self.call_catching_panics(caller, params, results)?;
        for (i, (v, ty)) in results.iter().zip(&self.ty.results).enumerate() {
            if v.ty() != *ty {
                return Err(HostError::Message(format!(
                    "host function result {i} has type {}, its signature says {ty}",
                    v.ty()
                )));
            }
        }
        Ok(())
    }
}

impl HostFunc {
    /// Without the standard library there is no unwinding to catch: targets without it abort
    /// on panic (`panic = "abort"`), which stops the host with the guest.
    fn call_catching_panics(
        &self,
        caller: &mut dyn Caller,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), HostError> {
        #[cfg(not(feature = "std"))]
        return (self.func)(caller, params, results);
        #[cfg(feature = "std")]
        match catch_unwind(AssertUnwindSafe(|| (self.func)(caller, params, results))) {
            Ok(outcome) => outcome,
            Err(payload) => {
                let message = format!("host function panicked: {}", panic_text(&*payload));
                drop_quietly(payload);
                Err(HostError::Message(message))
            }
        }
    }
}

#[cfg(feature = "std")]
fn panic_text(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(no message)"
    }
}

#[cfg(feature = "std")]
/// Drops a panic payload. Its destructor may itself panic, which would unwind out of
/// [`HostFunc::call`]; such a payload is leaked instead.
fn drop_quietly(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(again);
    }
}

impl fmt::Debug for HostFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostFunc{}", self.ty)
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    struct NoMemory;

    impl Caller for NoMemory {
        fn memory(&mut self) -> Option<&mut [u8]> {
            None
        }
    }

    /// A panic payload whose destructor panics too.
    struct Bomb;

    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("payload destructor");
        }
    }

    #[test]
    fn a_payload_that_panics_when_dropped_does_not_unwind() {
        let f = HostFunc::new(FuncType::default(), |_, _, _| std::panic::panic_any(Bomb));
        let outcome = f.call(&mut NoMemory, &[], &mut []);
        assert_eq!(
            outcome,
            Err(HostError::Message(
                "host function panicked: (no message)".into()
            ))
        );
    }
}
