//! `wasmux registry serve`: the local registry over HTTP, for `--registry URL` clients.

use super::registry_args::HomeArgs;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmux_registry::remote::{serve, ServerConfig};

/// Offer the registry to other machines (`wasmux registry serve`).
#[derive(Args)]
pub struct RegistryArgs {
    #[command(subcommand)]
    command: RegistryCommand,
}

#[derive(Subcommand)]
enum RegistryCommand {
    Serve(ServeArgs),
}

/// Serve this home's registry over HTTP until interrupted.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux registry serve                               # http://127.0.0.1:7878\n  \
    wasmux registry serve --listen 127.0.0.1:0          # any free port; the address is printed\n  \
    wasmux registry serve --token-file token.txt --max-upload 16MiB\n\n\
    Clients use it with --registry URL (or WASMUX_REGISTRY=URL) on publish, list, info, yank,\n\
    verify and run. Uploads are checked against their sha256, --max-upload and the publish\n\
    policy in HOME/policy.toml. With a token (--token-file, or WASMUX_REGISTRY_TOKEN),\n\
    publishing and yanking need it; reading never does. The server speaks plain HTTP: put a\n\
    TLS proxy in front of it to serve beyond this machine.")]
struct ServeArgs {
    #[command(flatten)]
    home: HomeArgs,
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878")]
    listen: String,
    /// Largest module accepted for publishing (e.g. 16MiB).
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = wasmux::parse_size)]
    max_upload: u64,
    /// A file holding the token that publishing and yanking need.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
}

pub fn run(args: RegistryArgs) -> Result<ExitCode> {
    let RegistryCommand::Serve(args) = args.command;
    let token = match &args.token_file {
        Some(file) => Some(
            std::fs::read_to_string(file)
                .with_context(|| format!("reading the token from {}", file.display()))?
                .trim()
                .to_string(),
        ),
        None => std::env::var("WASMUX_REGISTRY_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()),
    };
    if token.as_deref() == Some("") {
        anyhow::bail!("the token file is empty");
    }
    let home = args.home.dir()?;
    let registry = args.home.open()?;
    let listener = TcpListener::bind(&args.listen)
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() && token.is_none() {
        eprintln!(
            "wasmux registry: warning: listening on {addr} without a token: anyone who can \
             reach it can publish and yank"
        );
    }
    // Tests and scripts read the address from this line (port 0 picks a free one).
    eprintln!(
        "wasmux registry: serving {} on http://{addr}",
        home.display()
    );
    serve(
        listener,
        registry,
        ServerConfig {
            max_upload: args.max_upload,
            token,
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
