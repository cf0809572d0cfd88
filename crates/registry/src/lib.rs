//! wasmux-registry: published WebAssembly modules, stored by content (sha256) under a home
//! directory with a SQLite index of names, versions, dependencies, signatures and yanks.
//!
//! - [`Registry::publish`] validates a package against a [`PublishPolicy`], stores its
//!   module crash-safely (temporary file, fsync, rename) and indexes it in one transaction.
//! - [`Registry::resolve`] picks versions for a whole dependency graph with pubgrub, and
//!   explains a conflict in words; [`Registry::update`] writes them to `wasmux.lock`, and
//!   [`Registry::resolve_locked`] reproduces them.
//! - Releases may carry an ed25519 signature over name, version and digest ([`signing`]).
//!
//! Yanked versions: never chosen by a new resolution, but a lockfile that pins one still
//! resolves (as cargo does), and `gc` keeps their blobs.

mod blobs;
mod error;
pub mod failpoint;
mod graph;
mod home;
mod index;
mod lockfile;
mod maintenance;
mod manifest;
mod name;
mod package;
mod policy;
mod ranges;
mod registry;
mod release;
pub mod remote;
mod resolve;
pub mod signing;
mod source;
mod validate;

pub use blobs::digest;
pub use error::{Error, ErrorKind, Result};
pub use graph::{DependencyModule, Resolution, ResolvedPackage};
pub use home::{default_home, Home};
pub use lockfile::{LockedPackage, Lockfile, LOCK_FILE};
pub use maintenance::{GcReport, Problem, VerifyReport};
pub use manifest::{Manifest, MANIFEST_FILE};
pub use name::{PackageName, PackageRef};
pub use package::Package;
pub use policy::PublishPolicy;
pub use registry::{Published, Registry};
pub use release::{Release, ReleaseSignature};
pub use signing::{KeyPair, SignatureStatus, TrustedKeys};
pub use source::ReleaseSource;
