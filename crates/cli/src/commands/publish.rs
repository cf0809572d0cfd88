use super::registry_args::{short, HomeArgs, RemoteArgs};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmux_registry::{KeyPair, Package, PublishPolicy, Published};

/// Publish a package: validate its module against the publish policy and store it.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux publish ./math                       # the directory holding wasmux.toml\n  \
    wasmux publish ./math/math.wasm --key alice # sign with the key made by `wasmux key generate alice`\n  \
    wasmux publish ./math --policy publish.toml\n  \
    wasmux publish ./math --registry http://127.0.0.1:7878   # the server's policy decides\n  \
    wasmux publish ./math --forbid-feature threads --forbid-feature simd --max-size 1MiB \\\n    \
      --allow-import wasi_snapshot_preview1 --require-export memory\n\n\
    The policy is HOME/policy.toml when it exists, else --policy FILE, with the flags added:\n\
    allowed_imports = [..]     import modules allowed besides the [dependencies] (absent: any)\n\
    max_size = \"10MiB\"         largest module\n\
    forbidden_features = [..]  proposals the module must not use (threads, simd, gc, ...)\n\
    required_exports = [..]    exports the module must have\n\
    require_signed = true      refuse unsigned releases (also checked by `wasmux run`)\n\
    A refused publish lists every reason. The same version with the same bytes again is a\n\
    no-op; with other bytes it is refused.")]
pub struct PublishArgs {
    #[command(flatten)]
    home: HomeArgs,
    #[command(flatten)]
    remote: RemoteArgs,
    /// Sign the release with this key (from HOME/keys).
    #[arg(long, value_name = "NAME")]
    key: Option<String>,
    /// A publish policy file (TOML), instead of HOME/policy.toml.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Allow imports from this module (repeatable).
    #[arg(long = "allow-import", value_name = "MODULE")]
    allow_imports: Vec<String>,
    /// Refuse modules larger than SIZE (e.g. 1MiB).
    #[arg(long, value_name = "SIZE", value_parser = wasmux::parse_size)]
    max_size: Option<u64>,
    /// Refuse modules using this proposal (repeatable): threads, simd, gc, ...
    #[arg(long = "forbid-feature", value_name = "FEATURE")]
    forbid_features: Vec<String>,
    /// Refuse modules without this export (repeatable).
    #[arg(long = "require-export", value_name = "NAME")]
    require_exports: Vec<String>,
    /// Refuse to publish without --key.
    #[arg(long)]
    require_signed: bool,
    /// Print the release as JSON.
    #[arg(long)]
    json: bool,
    /// A package directory, its wasmux.toml, or the module file its manifest names.
    #[arg(value_name = "DIR|MODULE")]
    path: PathBuf,
}

pub fn run(args: PublishArgs) -> Result<ExitCode> {
    let mut registry = args.home.open()?;
    if let Some(remote) = args.remote.remote()? {
        if args.policy.is_some()
            || !args.allow_imports.is_empty()
            || args.max_size.is_some()
            || !args.forbid_features.is_empty()
            || !args.require_exports.is_empty()
            || args.require_signed
        {
            anyhow::bail!(
                "{}: the server's publish policy decides what it accepts; --policy and the \
                 policy flags are for publishing to the local registry",
                remote.url()
            );
        }
        let package = Package::read(&args.path)?;
        let signature = match &args.key {
            Some(key) => Some(package.sign(&KeyPair::load(registry.home(), key)?)),
            None => None,
        };
        let published = remote.publish(&package, signature)?;
        return report(args.json, args.key.as_deref(), &published);
    }
    let mut policy = match &args.policy {
        Some(file) => PublishPolicy::from_file(file)?,
        None => registry.home_policy()?,
    };
    let flags = PublishPolicy {
        allowed_imports: (!args.allow_imports.is_empty()).then_some(args.allow_imports),
        max_size: args.max_size,
        forbidden_features: args.forbid_features,
        required_exports: args.require_exports,
        require_signed: args.require_signed,
    };
    // Checked through the same parser as the file, so a flag's unknown feature reads alike.
    for name in &flags.forbidden_features {
        PublishPolicy::parse(
            &format!("forbidden_features = [{name:?}]"),
            "--forbid-feature",
        )?;
    }
    policy.merge(flags);
    let published = registry.publish(&args.path, &policy, args.key.as_deref())?;
    report(args.json, args.key.as_deref(), &published)
}

fn report(json: bool, key: Option<&str>, published: &Published) -> Result<ExitCode> {
    let r = &published.release;
    if json {
        let mut json = serde_json::to_value(r)?;
        json["new"] = published.new.into();
        outln!("{json}");
    } else if published.new {
        let signed = match key {
            Some(key) => format!(", signed by {key}"),
            None => String::new(),
        };
        outln!(
            "published {} (sha256 {}, {} bytes{signed})",
            r.id(),
            short(&r.digest),
            r.size
        );
    } else {
        outln!("{} is already published with these bytes", r.id());
    }
    Ok(ExitCode::SUCCESS)
}
