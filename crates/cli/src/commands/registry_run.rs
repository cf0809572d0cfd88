//! What `wasmux run` runs: a module file, or a registry release (`ns/name@req`) resolved with
//! its dependencies, checked (digest, signature) and run with its manifest's capabilities
//! narrowing the command line's policy.

use super::registry_args::{HomeArgs, RemoteArgs};
use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmux::wasi::Policy;
use wasmux_registry::{DependencyModule, ErrorKind, Lockfile, PackageRef};

#[derive(Args, Debug, Default)]
pub struct RegistryRunArgs {
    #[command(flatten)]
    home: HomeArgs,
    // For NAME@REQ with --registry: resolved on the server, and what the local registry lacks
    // installed into it (digests and signatures checked), then run from there.
    #[command(flatten)]
    remote: RemoteArgs,
    /// For NAME@REQ: run exactly the versions this lockfile pins (see `wasmux update`); a
    /// digest that differs from the registry's is an error.
    #[arg(long, value_name = "FILE")]
    lock: Option<PathBuf>,
    /// For NAME@REQ: refuse unsigned releases and those signed by untrusted keys (also
    /// set by require_signed in the registry's policy.toml).
    #[arg(long)]
    require_signed: bool,
}

/// The module to run, and how.
pub struct Target {
    /// The file, or `ns/name@version` for a release: in messages, and argv[0]'s source.
    pub path: PathBuf,
    pub bytes: Arc<[u8]>,
    /// The manifest's entry, for a release that names one.
    pub entry: Option<String>,
    pub policy: Policy,
    /// A release's dependencies, in instantiation order, each with the import module name
    /// its dependents use; empty for a module file.
    pub deps: Vec<DependencyModule>,
}

/// `module` as a file when one exists, else as a registry reference when it reads as one.
pub fn target(module: &Path, args: &RegistryRunArgs, policy: Policy) -> Result<Target> {
    let text = module.to_string_lossy();
    if module.exists() || !PackageRef::looks_like(&text) {
        return Ok(Target {
            path: module.to_path_buf(),
            bytes: super::cache_args::read(module)?,
            entry: None,
            policy,
            deps: Vec::new(),
        });
    }
    let reference = PackageRef::parse(&text)?;
    let mut registry = args.home.open()?;
    let remote = args.remote.remote()?;
    // A typo of a file name reads as a package name too: say where it was looked for.
    let looked_in = match &remote {
        Some(remote) => format!("on the registry server {}", remote.url()),
        None => format!("in the registry {}", registry.home().root().display()),
    };
    let not_a_file = || format!("{text} is not a file, so it was looked up {looked_in}");
    let require_signed = args.require_signed || registry.home_policy()?.require_signed;
    let lock = args.lock.as_deref().map(Lockfile::read).transpose()?;
    let resolution = match (&remote, &lock) {
        (Some(remote), lock) => registry.install(remote, &reference, lock.as_ref(), require_signed),
        (None, Some(lock)) => registry.resolve_locked(&reference, lock, require_signed),
        (None, None) => registry.resolve(&reference, require_signed),
    };
    let resolution = match resolution {
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(e).with_context(not_a_file),
        other => other?,
    };
    let root = resolution
        .root()
        .context("the resolution is empty")?
        .release
        .clone();
    let bytes = Arc::from(registry.module_bytes(&root)?);
    let deps = registry.dependency_modules(&resolution)?;
    let policy = match &root.capabilities {
        None => policy,
        Some(text) => {
            let what = format!("the [capabilities] of {}", root.id());
            // Host paths in a published manifest are read against where it runs.
            let wanted = Policy::parse(text, &what, Path::new("."))?;
            policy
                .narrow(&wanted)
                .with_context(|| format!("{what} ask for more than this run grants"))?
        }
    };
    Ok(Target {
        path: PathBuf::from(root.id()),
        bytes,
        entry: root.entry.clone(),
        policy,
        deps,
    })
}
