//! `verify` and `gc`.

use super::registry_args::{HomeArgs, RemoteArgs};
use anyhow::Result;
use clap::Args;
use std::process::ExitCode;

/// Re-hash every stored module and check every signature; name each corrupt release.
#[derive(Args)]
#[command(after_help = "Examples:\n  wasmux verify\n  wasmux verify --json\n  \
    wasmux verify --registry http://127.0.0.1:7878   # the server checks its own store\n\n\
    Exit status: 0 when the registry is consistent (unreferenced blobs and unfinished writes\n\
    left by an interrupted publish are reported but harmless: `wasmux gc` removes them);\n\
    1 when a release's module is corrupt or missing, a signature is wrong, or the index is\n\
    damaged.")]
pub struct VerifyArgs {
    #[command(flatten)]
    home: HomeArgs,
    #[command(flatten)]
    remote: RemoteArgs,
    #[arg(long)]
    json: bool,
}

/// Remove stored modules no release refers to, and unfinished writes.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  wasmux gc --dry-run\n  wasmux gc --json\n\n\
    Yanked releases keep their modules: a lockfile may still pin them."
)]
pub struct GcArgs {
    #[command(flatten)]
    home: HomeArgs,
    /// Report what would be removed, remove nothing.
    #[arg(long)]
    dry_run: bool,
    #[arg(long)]
    json: bool,
}

pub fn verify(args: VerifyArgs) -> Result<ExitCode> {
    let report = match args.remote.remote()? {
        Some(remote) => remote.verify()?,
        None => args.home.open()?.verify()?,
    };
    if args.json {
        let mut json = serde_json::to_value(&report)?;
        json["consistent"] = report.is_consistent().into();
        outln!("{json}");
    } else {
        for p in &report.problems {
            outln!("{} {}: {}", p.kind, p.release, p.detail);
        }
        let leftovers = report.unreferenced_blobs.len() + report.temp_files;
        outln!(
            "{} releases, {} modules checked: {}{}",
            report.releases,
            report.blobs_checked,
            if report.is_consistent() {
                "consistent".to_string()
            } else {
                format!("{} problems", report.problems.len())
            },
            if leftovers > 0 {
                format!(
                    " ({} unreferenced modules, {} unfinished writes; `wasmux gc` removes them)",
                    report.unreferenced_blobs.len(),
                    report.temp_files
                )
            } else {
                String::new()
            }
        );
    }
    Ok(if report.is_consistent() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn gc(args: GcArgs) -> Result<ExitCode> {
    let mut registry = args.home.open()?;
    let report = registry.gc(args.dry_run)?;
    if args.json {
        outln!("{}", serde_json::to_value(report)?);
    } else {
        outln!(
            "{} {} unreferenced modules and {} unfinished writes ({} bytes)",
            if args.dry_run {
                "would remove"
            } else {
                "removed"
            },
            report.blobs_removed,
            report.temp_files_removed,
            report.bytes_freed
        );
    }
    Ok(ExitCode::SUCCESS)
}
