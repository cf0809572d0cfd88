//! What `wasmux run` runs: a module file, or a registry release (`ns/name@req`) resolved with
//! its dependencies, checked (digest, signature) and run with its manifest's capabilities
//! narrowing the command line's policy.

use super::registry_args::HomeArgs;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use wasmux::wasi::Policy;
use wasmux_registry::{DependencyModule, ErrorKind, Lockfile, PackageRef};

#[derive(Args, Debug, Default)]
pub struct RegistryRunArgs {
    #[command(flatten)]
    home: HomeArgs,
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
    pub bytes: Vec<u8>,
    /// The manifest's entry, for a release that names one.
    pub entry: Option<String>,
    pub policy: Policy,
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
        });
    }
    let reference = PackageRef::parse(&text)?;
    let registry = args.home.open()?;
    // A typo of a file name reads as a package name too: say where it was looked for.
    let not_a_file = || {
        format!(
            "{text} is not a file, so it was looked up in the registry {}",
            registry.home().root().display()
        )
    };
    let require_signed = args.require_signed || registry.home_policy()?.require_signed;
    let resolution = match &args.lock {
        Some(file) => registry.resolve_locked(&reference, &Lockfile::read(file)?, require_signed),
        None => registry.resolve(&reference, require_signed),
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
    let bytes = registry.module_bytes(&root)?;
    link(&root.id(), registry.dependency_modules(&resolution)?)?;
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
    })
}

/// Where the facade's linker plugs in (issue 10, point 7): `deps` are the dependencies'
/// modules in instantiation order, each with the import module name its dependents use.
/// Until the linker exists, a release with dependencies is refused here, before anything runs.
fn link(root: &str, deps: Vec<DependencyModule>) -> Result<()> {
    if deps.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = deps.iter().map(|d| d.release.id()).collect();
    bail!(
        "{root} imports from {}: linking dependencies is not available yet",
        names.join(", ")
    )
}
