//! Timeouts and cancellation, delivered the same way on every engine: the instrumented module
//! calls the host check function periodically, and the check decides whether the guest goes on.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use wasmux_core::{Error, FuncType, HostError, HostFunc, Interrupt, Trap};
use wasmux_instrument::{CHECK_IMPORT, OUT_OF_FUEL_IMPORT, RUNTIME_MODULE};

/// Shared between an instance, its check function, and any number of cancel handles.
#[derive(Debug, Default)]
pub(crate) struct InterruptState {
    cancelled: AtomicBool,
    deadline: Mutex<Option<Instant>>,
    /// How many times the guest reached the check function; lets tests and stats see that
    /// checks happen.
    checks: AtomicU64,
}

impl InterruptState {
    pub(crate) fn set_deadline(&self, deadline: Option<Instant>) {
        *self.deadline.lock().unwrap_or_else(|p| p.into_inner()) = deadline;
    }

    /// Starts or ends a call: a cancel belongs to the call it was made during, so one that
    /// arrived too late for its call, or between calls, never stops the next one.
    pub(crate) fn call_boundary(&self, deadline: Option<Instant>) {
        self.cancelled.store(false, Ordering::Release);
        self.set_deadline(deadline);
    }

    fn check(&self) -> Result<(), HostError> {
        self.checks.fetch_add(1, Ordering::Relaxed);
        if self.cancelled.swap(false, Ordering::AcqRel) {
            return Err(HostError::Trap(Trap::Interrupted));
        }
        let deadline = *self.deadline.lock().unwrap_or_else(|p| p.into_inner());
        match deadline {
            Some(d) if Instant::now() >= d => Err(HostError::Trap(Trap::Timeout)),
            _ => Ok(()),
        }
    }

    pub(crate) fn checks(&self) -> u64 {
        self.checks.load(Ordering::Relaxed)
    }
}

/// Stops a running guest from any thread. Cheap to clone.
#[derive(Clone, Debug)]
pub struct CancelHandle(pub(crate) Arc<InterruptState>);

impl CancelHandle {
    /// The call running now stops with `Trap::Interrupted` at its next check (within
    /// `wasmux_instrument::CHECK_INTERVAL` loop iterations or calls). With no call running it
    /// does nothing: a cancel never carries over to a later call.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::Release);
    }
}

/// The host function behind the import `wasmux_rt.<name>` that instrumentation added.
pub(crate) fn runtime_func(name: &str, state: &Arc<InterruptState>) -> Result<HostFunc, Error> {
    match name {
        CHECK_IMPORT => Ok(check_func(state.clone())),
        OUT_OF_FUEL_IMPORT => Ok(out_of_fuel_func()),
        other => Err(Error::UnresolvedImports(vec![format!(
            "{RUNTIME_MODULE}::{other} (reserved for wasmux)"
        )])),
    }
}

/// The host function behind `wasmux_rt.check`.
fn check_func(state: Arc<InterruptState>) -> HostFunc {
    HostFunc::new(FuncType::default(), move |_, _, _| state.check())
}

/// The same check, for host functions that block (see `Caller::interrupt`).
pub(crate) fn interrupt_for_host(state: Arc<InterruptState>) -> Interrupt {
    Interrupt::new(move || state.check())
}

/// The host function behind `wasmux_rt.out_of_fuel`.
fn out_of_fuel_func() -> HostFunc {
    HostFunc::new(FuncType::default(), |_, _, _| {
        Err(HostError::Trap(Trap::OutOfFuel))
    })
}
