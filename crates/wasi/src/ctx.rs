//! `WasiCtx`: everything a guest is given (arguments, environment, preopened directories,
//! standard streams, listening sockets, clocks, randomness), configured before it starts.

use crate::audit::AuditSink;
use crate::error::WasiError;
use crate::live::{Live, MountState, PolicyHandle};
use crate::quota::DiskQuota;
use crate::stdio::{StdStream, Stdio};
use crate::table::{DirEntry, Entry, Table};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How a preopened directory is mounted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Read-only: every change (write, create, rename, unlink, truncate, set-times) gets
    /// `EROFS`.
    #[default]
    Ro,
    Rw,
}

/// What a guest may reach. Nothing is granted by default except clocks and randomness.
#[derive(Debug)]
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) table: Table,
    /// Clocks, randomness, environment and mount modes: what a [`PolicyHandle`] can change.
    pub(crate) live: Arc<Live>,
    pub(crate) audit: Option<AuditSink>,
    /// What the guest may still add to the host's filesystem; unlimited when `None`.
    pub(crate) disk: Option<DiskQuota>,
    next_preopen: u32,
    instance: u64,
}

/// The next context's [`WasiCtx::instance_id`]; numbers start at 1.
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

impl Default for WasiCtx {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtx {
    pub fn new() -> Self {
        let mut table = Table::default();
        table.insert_at(0, Entry::Stdio(StdStream::In, Stdio::Null));
        table.insert_at(1, Entry::Stdio(StdStream::Out, Stdio::Null));
        table.insert_at(2, Entry::Stdio(StdStream::Err, Stdio::Null));
        WasiCtx {
            args: Vec::new(),
            table,
            live: Arc::default(),
            audit: None,
            disk: None,
            next_preopen: 3,
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// This context's number, unique in the process; audit events carry it as `instance`.
    /// Instances of a runtime that shares one context (`RuntimeBuilder::wasi_shared`) share its
    /// number; with `RuntimeBuilder::wasi` each instance has a context, and a number, of its own.
    pub fn instance_id(&self) -> u64 {
        self.instance
    }

    /// The guest's argv, program name first.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn env(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.live.set_env(key.into(), value.into());
        self
    }

    pub fn stdin(mut self, stdio: Stdio) -> Self {
        self.table.insert_at(0, Entry::Stdio(StdStream::In, stdio));
        self
    }

    pub fn stdout(mut self, stdio: Stdio) -> Self {
        self.table.insert_at(1, Entry::Stdio(StdStream::Out, stdio));
        self
    }

    pub fn stderr(mut self, stdio: Stdio) -> Self {
        self.table.insert_at(2, Entry::Stdio(StdStream::Err, stdio));
        self
    }

    /// Grants `host` to the guest as `guest` (an absolute guest path, or "." for the guest's
    /// working directory). Preopens get fds 3, 4, ... in the order they are added.
    pub fn preopen_dir(
        mut self,
        host: impl AsRef<Path>,
        guest: &str,
        mode: Mode,
    ) -> Result<Self, WasiError> {
        if !(guest.starts_with('/') || guest == ".") {
            return Err(WasiError::GuestPath(guest.to_string()));
        }
        let dir = cap_std::fs::Dir::open_ambient_dir(host.as_ref(), cap_std::ambient_authority())
            .map_err(|source| WasiError::OpenDir {
            path: host.as_ref().to_path_buf(),
            guest: guest.to_string(),
            source,
        })?;
        // Overlapping mounts are told apart by their canonical host paths.
        let canonical =
            std::fs::canonicalize(host.as_ref()).map_err(|source| WasiError::OpenDir {
                path: host.as_ref().to_path_buf(),
                guest: guest.to_string(),
                source,
            })?;
        let mount = MountState::new(guest, canonical, mode == Mode::Ro);
        self.live.add_mount(mount.clone());
        self.add_preopen(Entry::Dir(DirEntry {
            dir,
            preopen: Some(guest.to_string()),
            mount,
            at: PathBuf::new(),
        }));
        Ok(self)
    }

    /// Hands the guest a listening socket it can `sock_accept` on (WASI preview1 cannot open
    /// sockets itself).
    pub fn listener(mut self, listener: TcpListener) -> Self {
        self.add_preopen(Entry::Listener(listener));
        self
    }

    fn add_preopen(&mut self, entry: Entry) {
        self.table.insert_at(self.next_preopen, entry);
        self.next_preopen += 1;
    }

    /// Clocks are granted by default; denied, `clock_*` and clock subscriptions return
    /// `ENOTCAPABLE`.
    pub fn allow_clock(self, yes: bool) -> Self {
        self.live.set_clock(yes);
        self
    }

    /// Randomness is granted by default; denied, `random_get` returns `ENOTCAPABLE`.
    pub fn allow_random(self, yes: bool) -> Self {
        self.live.set_random(yes);
        self
    }

    /// A handle that changes this context's grants while a guest runs (see [`PolicyHandle`]).
    /// It covers directories preopened later as well.
    pub fn policy_handle(&self) -> PolicyHandle {
        PolicyHandle(self.live.clone())
    }

    /// Lets the guest add at most `bytes` to the host's filesystem (writes past a file's
    /// end, `fd_allocate`, larger sizes); past it, `ENOSPC`, and an audit event.
    pub fn max_disk(mut self, bytes: u64) -> Self {
        self.disk = Some(DiskQuota::new(bytes));
        self
    }

    /// Sends one event per WASI call to `sink` (at its level: every call, or the refused ones).
    pub fn audit(mut self, sink: AuditSink) -> Self {
        self.audit = Some(sink);
        self
    }
}
