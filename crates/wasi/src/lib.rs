//! WASI preview1 (`wasi_snapshot_preview1`) for wasmux, written once on [`HostFunc`] so that
//! every engine runs the same implementation, with a deny-by-default [`Policy`].
//!
//! A guest gets nothing it was not given: no files (only preopened directories, through
//! cap-std, with no way out by `..`, absolute paths or symlinks), no environment variables, no
//! sockets. Clocks and randomness are granted by default and can be denied. A
//! [`PolicyHandle`] (from [`WasiCtx::policy_handle`]) changes the grants while the guest runs;
//! each change takes effect at the guest's next host call.
//!
//! Errnos chosen where WASI leaves a choice:
//! - a change under a read-only mount (write, create, rename, link, unlink, truncate,
//!   set-times): `EROFS`;
//! - a capability not granted (clock, randomness, a path outside every preopen, a symlink
//!   pointing out of its directory): `ENOTCAPABLE`;
//! - a pointer outside guest memory: `EFAULT`; more than 1024 iovecs or subscriptions: `EINVAL`.
//!
//! [`HostFunc`]: wasmux_core::HostFunc

mod abi;
pub mod audit;
mod ctx;
pub mod errno;
mod error;
mod funcs;
mod live;
mod mem;
pub mod policy;
mod quota;
mod stdio;
mod sys;
mod table;

pub use audit::{AuditEvent, AuditLevel, AuditSink};
pub use ctx::{Mode, WasiCtx};
pub use errno::Errno;
pub use error::WasiError;
pub use funcs::{host_funcs, MODULE};
pub use live::PolicyHandle;
pub use policy::{Policy, PolicyError};
pub use stdio::{Pipe, Stdio};
