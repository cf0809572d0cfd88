//! Grants that can change while a guest runs, and the [`PolicyHandle`] that changes them.
//!
//! They live outside the context's lock, in atomics and small locks of their own: a guest
//! blocked in a host call (a read on stdin, a poll) holds the context, and a revocation must
//! not wait for it. Every host call reads them afresh, so a change takes effect at the next
//! call, and open descriptors are covered too, since each refers to its mount's state.

use crate::error::WasiError;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A preopened directory's live mode, shared by every descriptor opened below it.
#[derive(Debug)]
pub(crate) struct MountState {
    pub guest: String,
    /// The host directory, canonical, so that overlapping mounts can be told apart by path.
    pub host: PathBuf,
    readonly: AtomicBool,
    /// Set once the mode was changed through a handle, so the audit names the right rule.
    changed: AtomicBool,
}

impl MountState {
    pub fn new(guest: &str, host: PathBuf, readonly: bool) -> Arc<MountState> {
        Arc::new(MountState {
            guest: guest.to_string(),
            host,
            readonly: AtomicBool::new(readonly),
            changed: AtomicBool::new(false),
        })
    }

    pub fn readonly(&self) -> bool {
        self.readonly.load(Ordering::SeqCst)
    }

    /// The rule that refuses a change below this mount, for the audit.
    pub fn rule(&self) -> String {
        if self.changed.load(Ordering::SeqCst) {
            format!("fs {}: write revoked while running", self.guest)
        } else {
            format!("fs {}: mounted ro", self.guest)
        }
    }

    fn set_readonly(&self, yes: bool) {
        self.readonly.store(yes, Ordering::SeqCst);
        self.changed.store(true, Ordering::SeqCst);
    }
}

/// The grants every host call consults.
#[derive(Debug)]
pub(crate) struct Live {
    clock: AtomicBool,
    random: AtomicBool,
    env: Mutex<Vec<(String, String)>>,
    mounts: Mutex<Vec<Arc<MountState>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data behind a poisoned lock is still a valid list: grants must keep working.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Default for Live {
    fn default() -> Self {
        Live {
            clock: AtomicBool::new(true),
            random: AtomicBool::new(true),
            env: Mutex::new(Vec::new()),
            mounts: Mutex::new(Vec::new()),
        }
    }
}

impl Live {
    pub fn clock(&self) -> bool {
        self.clock.load(Ordering::SeqCst)
    }

    pub fn random(&self) -> bool {
        self.random.load(Ordering::SeqCst)
    }

    pub fn set_clock(&self, yes: bool) {
        self.clock.store(yes, Ordering::SeqCst);
    }

    pub fn set_random(&self, yes: bool) {
        self.random.store(yes, Ordering::SeqCst);
    }

    pub fn env(&self) -> Vec<(String, String)> {
        lock(&self.env).clone()
    }

    /// Sets `key`, replacing an earlier value.
    pub fn set_env(&self, key: String, value: String) {
        let mut env = lock(&self.env);
        match env.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => env.push((key, value)),
        }
    }

    pub fn add_mount(&self, mount: Arc<MountState>) {
        lock(&self.mounts).push(mount);
    }

    /// The other mounts whose host directory is `host` or lies below it: where they overlap
    /// a mount reaching `host`, they decide instead of it.
    pub fn mounts_within(&self, host: &Path, except: &Arc<MountState>) -> Vec<Arc<MountState>> {
        lock(&self.mounts)
            .iter()
            .filter(|m| !Arc::ptr_eq(m, except) && m.host.starts_with(host))
            .cloned()
            .collect()
    }

    fn mounts(&self, guest: &str) -> Result<Vec<Arc<MountState>>, WasiError> {
        let found: Vec<_> = lock(&self.mounts)
            .iter()
            .filter(|m| m.guest == guest)
            .cloned()
            .collect();
        if found.is_empty() {
            return Err(WasiError::NoMount(guest.to_string()));
        }
        Ok(found)
    }
}

/// Changes what a running guest may do; each change takes effect at its next host call.
/// Cheap to clone, and usable from any thread (also while the guest is blocked in a call).
///
/// ```
/// use wasmux_wasi::{Mode, WasiCtx};
/// let dir = std::env::temp_dir();
/// let ctx = WasiCtx::new().preopen_dir(&dir, "/tmp", Mode::Rw)?;
/// let policy = ctx.policy_handle();
/// // ... hand `ctx` to a runtime, start the guest, then from any thread:
/// policy.revoke_write("/tmp")?;
/// # Ok::<(), wasmux_wasi::WasiError>(())
/// ```
#[derive(Clone, Debug)]
pub struct PolicyHandle(pub(crate) Arc<Live>);

impl PolicyHandle {
    /// Makes the mount at `guest` read-only: creating, writing (also through descriptors
    /// already open), renaming, removing below it now get `EROFS`.
    pub fn revoke_write(&self, guest: &str) -> Result<(), WasiError> {
        self.0
            .mounts(guest)?
            .iter()
            .for_each(|m| m.set_readonly(true));
        Ok(())
    }

    /// Makes the mount at `guest` writable again. Files opened read-only stay so; new opens
    /// may write.
    pub fn grant_write(&self, guest: &str) -> Result<(), WasiError> {
        self.0
            .mounts(guest)?
            .iter()
            .for_each(|m| m.set_readonly(false));
        Ok(())
    }

    /// Sets an environment variable for later `environ_get` calls. Most guests read their
    /// environment once at start, so this mostly matters before the first call.
    pub fn grant_env(&self, key: impl Into<String>, value: impl Into<String>) {
        self.0.set_env(key.into(), value.into());
    }

    /// Removes an environment variable from later `environ_get` calls.
    pub fn revoke_env(&self, key: &str) {
        lock(&self.0.env).retain(|(k, _)| k != key);
    }

    /// Grants or denies the clocks (`ENOTCAPABLE` when denied).
    pub fn allow_clock(&self, yes: bool) {
        self.0.set_clock(yes);
    }

    /// Grants or denies randomness (`ENOTCAPABLE` when denied).
    pub fn allow_random(&self, yes: bool) {
        self.0.set_random(yes);
    }
}
