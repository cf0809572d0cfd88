//! `wasmux key`: signing keys and trusted public keys in the registry's home.

use super::registry_args::HomeArgs;
use crate::table;
use anyhow::Result;
use clap::{Args, Subcommand};
use std::process::ExitCode;
use wasmux_registry::{signing, Home, KeyPair, TrustedKeys};

/// Make signing keys and choose whose signatures are trusted.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux key generate alice       # HOME/keys/alice.secret, and trusts its public key\n  \
    wasmux key list --json\n  \
    wasmux key trust bob 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29\n  \
    wasmux publish ./math --key alice\n\n\
    Releases are signed with ed25519 over their name, version and sha256. `wasmux run` and\n\
    `wasmux update` check every signature; a wrong one is always an error, and with\n\
    --require-signed (or require_signed in HOME/policy.toml) an unsigned release or one\n\
    signed by a key not in HOME/trusted-keys is refused.")]
pub struct KeyArgs {
    #[command(flatten)]
    home: HomeArgs,
    #[command(subcommand)]
    command: KeyCommand,
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Make a new ed25519 key NAME; its public key is trusted in this home.
    Generate { name: String },
    /// The trusted public keys.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Trust a public key (hex, as `key generate` prints it) under NAME.
    Trust { name: String, public_key: String },
}

pub fn run(args: KeyArgs) -> Result<ExitCode> {
    let home = Home::new(args.home.dir()?);
    match args.command {
        KeyCommand::Generate { name } => {
            let key = KeyPair::generate(&home, &name)?;
            outln!("{}", key.public_hex());
            eprintln!(
                "wasmux: key {name} written to {}; its public key (above) is trusted here",
                home.keys().join(format!("{name}.secret")).display()
            );
        }
        KeyCommand::List { json } => {
            let keys = TrustedKeys::load(&home)?.list();
            if json {
                let list: Vec<_> = keys
                    .iter()
                    .map(|(n, k)| serde_json::json!({ "name": n, "public_key": k }))
                    .collect();
                outln!("{}", serde_json::Value::Array(list));
            } else {
                let rows: Vec<Vec<String>> = keys.into_iter().map(|(n, k)| vec![n, k]).collect();
                table::print(&["NAME", "PUBLIC KEY"], &rows);
            }
        }
        KeyCommand::Trust { name, public_key } => {
            signing::trust(&home, &name, &public_key)?;
            outln!("trusted {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
