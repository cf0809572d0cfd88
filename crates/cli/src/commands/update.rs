use super::registry_args::{short, HomeArgs};
use crate::table;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Resolve a package's [dependencies] to the newest compatible versions and write wasmux.lock.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  wasmux update              # the package in this directory\n  \
    wasmux update ./app --json\n  \
    wasmux run --lock ./app/wasmux.lock acme/math@^1 --invoke add 1 2\n\n\
    Yanked versions are not chosen; a lockfile that already pins one keeps running with it\n\
    until the next update. A conflict is explained: which requirement clashed with which."
)]
pub struct UpdateArgs {
    #[command(flatten)]
    home: HomeArgs,
    /// Refuse unsigned releases and releases signed by untrusted keys.
    #[arg(long)]
    require_signed: bool,
    #[arg(long)]
    json: bool,
    /// The package directory (with wasmux.toml).
    #[arg(default_value = ".", value_name = "DIR")]
    dir: PathBuf,
}

pub fn run(args: UpdateArgs) -> Result<ExitCode> {
    let registry = args.home.open()?;
    let require_signed = args.require_signed || registry.home_policy()?.require_signed;
    let (path, lock) = registry.update(&args.dir, require_signed)?;
    if args.json {
        outln!("{}", serde_json::to_value(&lock)?);
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = lock
        .packages
        .iter()
        .map(|p| {
            vec![
                p.name.to_string(),
                p.version.to_string(),
                short(&p.sha256).to_string(),
            ]
        })
        .collect();
    table::print(&["NAME", "VERSION", "SHA256"], &rows);
    outln!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}
