//! `list`, `info` and `yank`: what the registry holds.

use super::registry_args::{short, HomeArgs, RemoteArgs};
use crate::table;
use anyhow::{bail, Result};
use clap::Args;
use std::process::ExitCode;
use wasmux_registry::{signing, PackageName, PackageRef, Release, SignatureStatus, TrustedKeys};

/// List every published release.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  wasmux list\n  wasmux list --json\n  wasmux list --home ./registry\n  wasmux list --registry http://127.0.0.1:7878"
)]
pub struct ListArgs {
    #[command(flatten)]
    home: HomeArgs,
    #[command(flatten)]
    remote: RemoteArgs,
    /// One JSON array of releases instead of a table.
    #[arg(long)]
    json: bool,
}

/// Describe a package: its newest release matching REQ and every version.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  wasmux info acme/math\n  wasmux info acme/math@^1.2 --json\n  wasmux info acme/math --registry http://127.0.0.1:7878"
)]
pub struct InfoArgs {
    #[command(flatten)]
    home: HomeArgs,
    #[command(flatten)]
    remote: RemoteArgs,
    #[arg(long)]
    json: bool,
    /// namespace/name, optionally @requirement (e.g. acme/math@^1.2).
    #[arg(value_name = "NAME[@REQ]")]
    package: String,
}

/// Yank a release: new resolutions skip it, lockfiles that pin it still run.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  wasmux yank acme/math@1.2.0\n  wasmux yank --undo acme/math@1.2.0\n  WASMUX_REGISTRY_TOKEN=... wasmux yank acme/math@1.2.0 --registry http://127.0.0.1:7878"
)]
pub struct YankArgs {
    #[command(flatten)]
    home: HomeArgs,
    #[command(flatten)]
    remote: RemoteArgs,
    /// Restore a yanked release.
    #[arg(long)]
    undo: bool,
    /// namespace/name@version, an exact version.
    #[arg(value_name = "NAME@VERSION")]
    release: String,
}

/// The SIGNED column: the trusted key's name, or why the release does not count as signed.
fn signed(trusted: &TrustedKeys, release: &Release) -> String {
    match signing::check(release, trusted, false) {
        Ok(SignatureStatus::Trusted(key)) => format!("by {key}"),
        Ok(SignatureStatus::Untrusted) => "untrusted key".into(),
        Ok(SignatureStatus::Unsigned) => "no".into(),
        Err(_) => "WRONG".into(),
    }
}

fn json_of(trusted: &TrustedKeys, release: &Release) -> Result<serde_json::Value> {
    let mut json = serde_json::to_value(release)?;
    json["signed"] = signed(trusted, release).into();
    Ok(json)
}

pub fn list(args: ListArgs) -> Result<ExitCode> {
    let registry = args.home.open()?;
    let releases = match args.remote.remote()? {
        Some(remote) => remote.list()?,
        None => registry.list()?,
    };
    let trusted = registry.trusted_keys()?;
    if args.json {
        let all: Result<Vec<_>> = releases.iter().map(|r| json_of(&trusted, r)).collect();
        outln!("{}", serde_json::Value::Array(all?));
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = releases
        .iter()
        .map(|r| {
            vec![
                r.name.to_string(),
                r.version.to_string(),
                r.size.to_string(),
                short(&r.digest).to_string(),
                signed(&trusted, r),
                if r.yanked { "yes" } else { "" }.to_string(),
            ]
        })
        .collect();
    table::print(
        &["NAME", "VERSION", "BYTES", "SHA256", "SIGNED", "YANKED"],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

pub fn info(args: InfoArgs) -> Result<ExitCode> {
    let registry = args.home.open()?;
    let reference = PackageRef::parse(&args.package)?;
    let releases = match args.remote.remote()? {
        Some(remote) => remote.info(&reference)?,
        None => registry.info(&reference)?,
    };
    let trusted = registry.trusted_keys()?;
    if args.json {
        let all: Result<Vec<_>> = releases.iter().map(|r| json_of(&trusted, r)).collect();
        outln!("{}", serde_json::json!({ "releases": all? }));
        return Ok(ExitCode::SUCCESS);
    }
    let newest = releases
        .iter()
        .rev()
        .find(|r| !r.yanked)
        .unwrap_or(releases.last().expect("info returns at least one release"));
    let deps: Vec<String> = newest
        .dependencies
        .iter()
        .map(|(n, r)| format!("{n} {r}"))
        .collect();
    let versions: Vec<String> = releases
        .iter()
        .map(|r| {
            if r.yanked {
                format!("{} (yanked)", r.version)
            } else {
                r.version.to_string()
            }
        })
        .collect();
    outln!("{}", newest.id());
    let field = |k: &str, v: &str| outln!("  {k:<13}{}", if v.is_empty() { "-" } else { v });
    field("description", &newest.description);
    field("license", &newest.license);
    field(
        "module",
        &format!("sha256 {} ({} bytes)", newest.digest, newest.size),
    );
    field("entry", newest.entry.as_deref().unwrap_or("_start"));
    field("dependencies", &deps.join(", "));
    field(
        "capabilities",
        &newest
            .capabilities
            .as_deref()
            .unwrap_or("")
            .trim()
            .replace('\n', "; "),
    );
    field("signed", &signed(&trusted, newest));
    field("yanked", if newest.yanked { "yes" } else { "no" });
    field("versions", &versions.join(", "));
    Ok(ExitCode::SUCCESS)
}

pub fn yank(args: YankArgs) -> Result<ExitCode> {
    let Some((name, version)) = args.release.split_once('@') else {
        bail!(
            "{}: expected NAME@VERSION, e.g. acme/math@1.2.0",
            args.release
        );
    };
    let name = PackageName::parse(name)?;
    let version = semver::Version::parse(version).map_err(|e| {
        anyhow::anyhow!(
            "{}: {version:?} is not an exact version ({e})",
            args.release
        )
    })?;
    match args.remote.remote()? {
        Some(remote) => remote.yank(&name, &version, !args.undo)?,
        None => args.home.open()?.yank(&name, &version, !args.undo)?,
    }
    outln!(
        "{} {name}@{version}",
        if args.undo { "restored" } else { "yanked" }
    );
    Ok(ExitCode::SUCCESS)
}
