//! The `wasi_snapshot_preview1` functions, each written once as a plain Rust function over the
//! shared state and bounds-checked guest memory, and wrapped here into engine-neutral
//! [`HostFunc`]s.

mod args;
mod clock;
mod dir;
mod fd;
mod links;
mod overlap;
mod path;
mod poll;
mod proc;
mod sock;
mod stat;
mod vectored;
mod wait;

pub(crate) use wait::{ready, Want};

use crate::audit::{is_denial, AuditEvent, AuditSink};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::mem::Mem;
use parking_lot::{Mutex, MutexGuard};
use std::sync::Arc;
use std::time::Instant;
use wasmux_core::{FuncType, HostError, HostFunc, Interrupt, Val, ValType};

/// The longest path a guest may name, as Linux's `PATH_MAX`.
const PATH_MAX: u32 = 4096;

/// The import module name of WASI preview1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Why a WASI function did not succeed: an errno for the guest, or a host error that stops it
/// (only `proc_exit` uses the latter).
pub(crate) enum Fail {
    Errno(Errno),
    Host(HostError),
}

impl From<Errno> for Fail {
    fn from(e: Errno) -> Self {
        Fail::Errno(e)
    }
}

impl From<std::io::Error> for Fail {
    fn from(e: std::io::Error) -> Self {
        Fail::Errno(e.into())
    }
}

pub(crate) type Res = Result<(), Fail>;

/// The parameters of a call, read as the unsigned values WASI means.
pub(crate) struct Args<'a>(&'a [Val]);

impl Args<'_> {
    /// The facade checks parameter types against the signature before calling, so a mismatch
    /// cannot happen; it reads as 0 rather than panicking all the same.
    pub fn u32(&self, i: usize) -> u32 {
        match self.0.get(i) {
            Some(Val::I32(v)) => *v as u32,
            _ => 0,
        }
    }

    pub fn u64(&self, i: usize) -> u64 {
        match self.0.get(i) {
            Some(Val::I64(v)) => *v as u64,
            _ => 0,
        }
    }
}

/// A call in progress: the guest's state and memory, and (when auditing) the paths it named.
/// What a call gets from the engine's caller.
struct Guest<'a> {
    memory: Option<&'a mut [u8]>,
    interrupt: Option<Interrupt>,
}

pub(crate) struct Call<'a> {
    /// The shared context, locked for the call; [`Call::unlocked`] lets go of it while waiting.
    pub st: MutexGuard<'a, WasiCtx>,
    pub mem: Mem<'a>,
    pub paths: Option<Vec<String>>,
    /// Set by a function that refuses the call: the rule that refused it, for the audit.
    pub rule: Option<String>,
    /// Set by a function that moves data: how many bytes, for the audit. A plain store, so
    /// functions set it whether or not anyone audits.
    pub bytes: Option<u64>,
    /// Lets a function that waits (`poll_oneoff`) stop when the guest must stop.
    pub interrupt: Option<Interrupt>,
}

impl<'a> Call<'a> {
    /// A call on `st`; `audited` calls remember the paths they name.
    fn new(st: MutexGuard<'a, WasiCtx>, guest: Guest<'a>, audited: bool) -> Self {
        Call {
            st,
            mem: Mem::new(guest.memory),
            paths: audited.then(Vec::new),
            rule: None,
            bytes: None,
            interrupt: guest.interrupt,
        }
    }

    /// Runs `wait` with the context unlocked: a guest waiting on a pipe or a socket must not
    /// stop the other instances that share its context.
    pub fn unlocked<T>(&mut self, wait: impl FnOnce() -> T) -> T {
        MutexGuard::unlocked(&mut self.st, wait)
    }

    /// Records the bytes a read or write moved, for the audit.
    pub fn moved(&mut self, n: usize) {
        self.bytes = Some(n as u64);
    }

    /// Remembers a path for the audit event; nothing when auditing is off.
    pub fn note(&mut self, path: &str) {
        if let Some(p) = &mut self.paths {
            p.push(path.to_string());
        }
    }

    /// Reads a guest path and notes it for the audit. One longer than the host's `PATH_MAX`
    /// could never be opened: it is refused before the host copies it (or the audit logs it).
    pub fn path(&mut self, ptr: u32, len: u32) -> Result<String, Errno> {
        if len > PATH_MAX {
            return Err(Errno::NAMETOOLONG);
        }
        let s = self.mem.str(ptr, len)?;
        self.note(&s);
        Ok(s)
    }
}

type Body = fn(&mut Call, &Args) -> Res;

const I: ValType = ValType::I32;
const L: ValType = ValType::I64;

/// Every function: name, parameter types, body. All return an errno except `proc_exit`.
const FUNCS: &[(&str, &[ValType], Body)] = &[
    ("args_get", &[I, I], args::args_get),
    ("args_sizes_get", &[I, I], args::args_sizes_get),
    ("environ_get", &[I, I], args::environ_get),
    ("environ_sizes_get", &[I, I], args::environ_sizes_get),
    ("clock_res_get", &[I, I], clock::clock_res_get),
    ("clock_time_get", &[I, L, I], clock::clock_time_get),
    ("random_get", &[I, I], clock::random_get),
    ("fd_advise", &[I, L, L, I], fd::fd_advise),
    ("fd_allocate", &[I, L, L], fd::fd_allocate),
    ("fd_close", &[I], fd::fd_close),
    ("fd_datasync", &[I], fd::fd_datasync),
    ("fd_fdstat_get", &[I, I], fd::fd_fdstat_get),
    ("fd_fdstat_set_flags", &[I, I], fd::fd_fdstat_set_flags),
    ("fd_fdstat_set_rights", &[I, L, L], fd::fd_fdstat_set_rights),
    ("fd_filestat_get", &[I, I], fd::fd_filestat_get),
    ("fd_filestat_set_size", &[I, L], fd::fd_filestat_set_size),
    (
        "fd_filestat_set_times",
        &[I, L, L, I],
        fd::fd_filestat_set_times,
    ),
    ("fd_pread", &[I, I, I, L, I], fd::fd_pread),
    ("fd_prestat_get", &[I, I], dir::fd_prestat_get),
    ("fd_prestat_dir_name", &[I, I, I], dir::fd_prestat_dir_name),
    ("fd_pwrite", &[I, I, I, L, I], fd::fd_pwrite),
    ("fd_read", &[I, I, I, I], fd::fd_read),
    ("fd_readdir", &[I, I, I, L, I], dir::fd_readdir),
    ("fd_renumber", &[I, I], fd::fd_renumber),
    ("fd_seek", &[I, L, I, I], fd::fd_seek),
    ("fd_sync", &[I], fd::fd_sync),
    ("fd_tell", &[I, I], fd::fd_tell),
    ("fd_write", &[I, I, I, I], fd::fd_write),
    (
        "path_create_directory",
        &[I, I, I],
        path::path_create_directory,
    ),
    (
        "path_filestat_get",
        &[I, I, I, I, I],
        path::path_filestat_get,
    ),
    (
        "path_filestat_set_times",
        &[I, I, I, I, L, L, I],
        path::path_filestat_set_times,
    ),
    ("path_link", &[I, I, I, I, I, I, I], path::path_link),
    ("path_open", &[I, I, I, I, I, L, L, I, I], path::path_open),
    ("path_readlink", &[I, I, I, I, I, I], path::path_readlink),
    (
        "path_remove_directory",
        &[I, I, I],
        path::path_remove_directory,
    ),
    ("path_rename", &[I, I, I, I, I, I], path::path_rename),
    ("path_symlink", &[I, I, I, I, I], path::path_symlink),
    ("path_unlink_file", &[I, I, I], path::path_unlink_file),
    ("poll_oneoff", &[I, I, I, I], poll::poll_oneoff),
    ("proc_exit", &[I], proc::proc_exit),
    ("proc_raise", &[I], proc::proc_raise),
    ("sched_yield", &[], proc::sched_yield),
    ("sock_accept", &[I, I, I], sock::sock_accept),
    ("sock_recv", &[I, I, I, I, I, I], sock::sock_recv),
    ("sock_send", &[I, I, I, I, I], sock::sock_send),
    ("sock_shutdown", &[I, I], sock::sock_shutdown),
];

/// Every WASI preview1 function as `(module, name, HostFunc)`, sharing one context. Instances
/// created from the same functions share that context (its fd table and streams).
pub fn host_funcs(mut ctx: WasiCtx) -> Vec<(&'static str, &'static str, HostFunc)> {
    // The sink is fixed before the guest runs, so each function keeps a handle of its own and a
    // call reads it without cloning it out of the shared state.
    let audit = ctx.audit.take();
    let state = Arc::new(Mutex::new(ctx));
    FUNCS
        .iter()
        .map(|&(name, params, body)| {
            let returns_errno = name != "proc_exit";
            let results: &[ValType] = if returns_errno { &[I] } else { &[] };
            let ty = FuncType::new(params.iter().copied(), results.iter().copied());
            let state = state.clone();
            let audit = audit.clone();
            let func = HostFunc::new(ty, move |caller, params, results| {
                let st = state.lock();
                let interrupt = caller.interrupt();
                let guest = Guest {
                    memory: caller.memory(),
                    interrupt,
                };
                let errno = run(name, body, st, audit.as_ref(), guest, params)?;
                if returns_errno {
                    results[0] = Val::I32(errno.0 as i32);
                }
                Ok(())
            });
            (MODULE, name, func)
        })
        .collect()
}

fn run(
    name: &'static str,
    body: Body,
    st: MutexGuard<'_, WasiCtx>,
    audit: Option<&AuditSink>,
    guest: Guest<'_>,
    params: &[Val],
) -> Result<Errno, HostError> {
    // Auditing off: this one branch is all it costs.
    let Some(audit) = audit else {
        let mut call = Call::new(st, guest, false);
        let outcome = body(&mut call, &Args(params));
        return errno(name, &call, outcome);
    };
    let started = Instant::now();
    let instance = st.instance_id();
    let mut call = Call::new(st, guest, true);
    let outcome = body(&mut call, &Args(params));
    let duration = started.elapsed();
    // `proc_exit` ends the guest through a host error; it is still a call, and audited as one.
    let (errno, stop) = match errno(name, &call, outcome) {
        Ok(errno) => (errno, None),
        Err(stop) => (Errno::SUCCESS, Some(stop)),
    };
    // A refusal names its rule; some (the disk quota's `ENOSPC`) have errnos that can also
    // come from the host.
    let allowed = !is_denial(errno) && call.rule.is_none();
    if audit.wants(allowed) {
        let paths = call.paths.take().unwrap_or_default();
        let mut args: Vec<String> = params.iter().map(|v| format!("{v}")).collect();
        args.extend(paths.iter().map(|p| format!("{p:?}")));
        audit.record(&AuditEvent {
            instance,
            func: name,
            args: args.join(" "),
            fd: fd_of(name, &Args(params)),
            paths,
            bytes: call.bytes,
            allowed,
            errno: errno.0,
            rule: call.rule.take(),
            duration,
        });
    }
    match stop {
        Some(stop) => Err(stop),
        None => Ok(errno),
    }
}

fn errno(name: &str, call: &Call, outcome: Res) -> Result<Errno, HostError> {
    if call.mem.missing() {
        return Err(HostError::Message(format!(
            "{MODULE}::{name} needs the guest's memory, but the guest exports no memory named \
             `{}`",
            wasmux_core::CALLER_MEMORY
        )));
    }
    match outcome {
        Ok(()) => Ok(Errno::SUCCESS),
        Err(Fail::Errno(e)) => Ok(e),
        Err(Fail::Host(h)) => Err(h),
    }
}

/// The descriptor a call acts on, for the audit: the first parameter of the `fd_`, `path_` and
/// `sock_` calls, but the third of `path_symlink` (its first is the link's target).
fn fd_of(name: &str, args: &Args) -> Option<u32> {
    if name == "path_symlink" {
        return Some(args.u32(2));
    }
    let on_fd = ["fd_", "path_", "sock_"]
        .iter()
        .any(|p| name.starts_with(p));
    on_fd.then(|| args.u32(0))
}
