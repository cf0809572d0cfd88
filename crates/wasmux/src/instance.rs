//! A running module: calls with argument checks, limits, cancellation and per-call statistics.

use crate::group::{Group, Member};
use crate::interrupt::CancelHandle;
use crate::prepared::PreparedModule;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

use wasmux_core::{Error, ExportType, FuncType, Val};

/// What one call cost; `wasmux run --stats` prints it as one JSON line.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CallStats {
    pub engine: String,
    /// `None` unless a fuel limit is set (fuel is only counted when metered).
    pub fuel_consumed: Option<u64>,
    pub wall_us: u64,
    pub peak_memory_bytes: u64,
    pub host_calls: u64,
}

/// An exported function of one instance, looked up once with [`Instance::func`] and called
/// with [`Instance::call_func`], which skips the lookup by name that [`Instance::call`] does.
#[derive(Clone, Debug)]
pub struct Func {
    instance: u64,
    index: usize,
    name: String,
    ty: FuncType,
}

impl Func {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn ty(&self) -> &FuncType {
        &self.ty
    }
}

/// Tells instances apart, so that a `Func` of one is refused by another.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(0);

/// One instance in a store of its own (a linker's group of one).
pub struct Instance {
    group: Group,
    member: Member,
    serial: u64,
}

impl Instance {
    pub(crate) fn new(prepared: &PreparedModule) -> Result<Instance, Error> {
        let mut group = Group::new(prepared.runtime())?;
        let member = group.add(prepared, None)?;
        Ok(Instance::from_group(group, member))
    }

    /// `member` of `group` as the instance its calls go to.
    pub(crate) fn from_group(group: Group, member: Member) -> Instance {
        Instance {
            group,
            member,
            serial: NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The exports a guest offers (wasmux's own instrumentation exports are hidden).
    pub fn exports(&self) -> Vec<ExportType> {
        self.member.guest_exports(self.group.store.as_ref())
    }

    fn guest_func(&self, name: &str) -> Result<usize, Error> {
        self.member.guest_func(self.group.store.as_ref(), name)
    }

    pub fn func_type(&self, name: &str) -> Option<FuncType> {
        let index = self.guest_func(name).ok()?;
        Some(self.member.funcs[index].ty.clone())
    }

    /// Looks up an exported function once, for repeated calls with [`Instance::call_func`].
    pub fn func(&self, name: &str) -> Result<Func, Error> {
        let index = self.guest_func(name)?;
        Ok(Func {
            instance: self.serial,
            index,
            name: name.to_string(),
            ty: self.member.funcs[index].ty.clone(),
        })
    }

    /// Calls a function looked up with [`Instance::func`], after checking the arguments.
    pub fn call_func(&mut self, func: &Func, args: &[Val]) -> Result<Vec<Val>, Error> {
        if func.instance != self.serial {
            return Err(Error::ForeignFunc {
                name: func.name.clone(),
            });
        }
        check_args(&func.name, &func.ty, args)?;
        self.group.call(&self.member, func.index, args)
    }

    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(self.group.interrupt.clone())
    }

    /// Remaining fuel, when a fuel limit is set.
    pub fn fuel_remaining(&mut self) -> Option<u64> {
        self.group.fuel_remaining()
    }

    /// Refills the tank; only meaningful when the runtime has a fuel limit.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<(), Error> {
        self.group.set_fuel(fuel)
    }

    /// How often the guest has reached an interrupt check so far.
    pub fn interrupt_checks(&self) -> u64 {
        self.group.interrupt.checks()
    }

    /// What the last call cost. The memory size is read now: memory cannot shrink and does
    /// not change between calls, so it is the peak the call reached.
    pub fn last_call_stats(&mut self) -> CallStats {
        self.group.last_call_stats()
    }

    /// A core dump of the trap `error` ended the last call with, in the tool-conventions
    /// format (<https://github.com/WebAssembly/tool-conventions/blob/main/Coredump.md>): the
    /// instance's memory as it is now, and the trap's frames. `None` if `error` is not a trap.
    /// Frames carry no locals or operand stack; see the crate's `coredump` module for the
    /// other limits.
    pub fn core_dump(&mut self, error: &Error) -> Option<Vec<u8>> {
        let backtrace = error.backtrace()?;
        let called = self.group.last.instance.unwrap_or(self.member.id);
        Some(self.group.core_dump(called, backtrace))
    }

    /// Calls an exported function after checking the arguments against its signature.
    pub fn call(&mut self, func: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let index = self.guest_func(func)?;
        check_args(func, &self.member.funcs[index].ty, args)?;
        self.group.call(&self.member, index, args)
    }

    /// Calls an export a [`Pass`](crate::pass::Pass) added for the host's own use (its name
    /// starts with `__wasmux_`; the guest's own exports are called with [`Instance::call`]).
    pub fn call_hidden(&mut self, func: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let index = match self.member.by_name.get(func) {
            Some(&index) if func.starts_with(crate::group::HIDDEN) => index,
            _ => {
                return Err(Error::UnknownExport {
                    name: func.to_string(),
                    available: vec![],
                })
            }
        };
        check_args(func, &self.member.funcs[index].ty, args)?;
        self.group.call(&self.member, index, args)
    }

    /// Parses command-line strings as the arguments of `func`, then calls it.
    pub fn call_with_strings(&mut self, func: &str, args: &[String]) -> Result<Vec<Val>, Error> {
        let vals = self.parse_args(func, args)?;
        self.call(func, &vals)
    }

    /// Command-line strings parsed as the arguments of `func`, once, for calls to come.
    pub fn parse_args(&self, func: &str, args: &[String]) -> Result<Vec<Val>, Error> {
        let ty = &self.member.funcs[self.guest_func(func)?].ty;
        check_count(func, ty, args.len())?;
        ty.params
            .iter()
            .zip(args)
            .enumerate()
            .map(|(i, (t, a))| {
                Val::parse(*t, a).map_err(|message| Error::ArgumentType {
                    func: func.to_string(),
                    index: i,
                    expected: t.to_string(),
                    given: message,
                })
            })
            .collect()
    }
}

fn check_count(func: &str, ty: &FuncType, given: usize) -> Result<(), Error> {
    if ty.params.len() == given {
        return Ok(());
    }
    Err(Error::ArgumentCount {
        func: func.to_string(),
        expected: ty.params.len(),
        given,
        signature: ty.to_string(),
    })
}

pub(crate) fn check_args(func: &str, ty: &FuncType, args: &[Val]) -> Result<(), Error> {
    check_count(func, ty, args.len())?;
    for (i, (want, got)) in ty.params.iter().zip(args).enumerate() {
        if *want != got.ty() {
            return Err(Error::ArgumentType {
                func: func.to_string(),
                index: i,
                expected: want.to_string(),
                given: got.ty().to_string(),
            });
        }
    }
    Ok(())
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("engine", &self.group.runtime.engine().info().name)
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}
