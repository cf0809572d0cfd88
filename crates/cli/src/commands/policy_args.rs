//! The policy flags of `run`: what the guest is granted, as flags and/or a policy file. Flags
//! add to the file and override it where both name the same thing.

use super::stdio_args::StdioArg;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use wasmux::wasi::{AuditLevel, Mode, Policy, Stdio, WasiCtx};

#[derive(Args, Debug, Default)]
pub struct PolicyArgs {
    /// Grant a host directory: HOST[::GUEST][:ro]. GUEST defaults to HOST ("." or an absolute
    /// path); read-write unless :ro.
    #[arg(long = "dir", value_name = "HOST[::GUEST][:ro]")]
    dirs: Vec<String>,
    /// Set a guest environment variable: K=V, or K alone to copy the host's value (if set).
    #[arg(long = "env", value_name = "K[=V]")]
    envs: Vec<String>,
    /// Copy a host environment variable into the guest when the host has it.
    #[arg(long = "env-inherit", value_name = "K")]
    env_inherit: Vec<String>,
    /// Listen on ADDR (ip:port) and hand the socket to the guest as a preopened descriptor.
    #[arg(long = "listen", value_name = "ADDR")]
    listen: Vec<String>,
    /// Bytes the guest may add to the host's filesystem, e.g. 100MiB; past it, writes get
    /// ENOSPC (and an audit event). Overrides the policy file's [limits] disk.
    #[arg(long, value_name = "SIZE", value_parser = wasmux::parse_size)]
    max_disk: Option<u64>,
    /// Refuse the clocks (ENOTCAPABLE).
    #[arg(long)]
    deny_clock: bool,
    /// Refuse randomness (ENOTCAPABLE).
    #[arg(long)]
    deny_random: bool,
    /// The guest's stdin: inherit (default), null, or a file to read.
    #[arg(long, value_name = "inherit|null|FILE")]
    stdin: Option<StdioArg>,
    /// The guest's stdout: inherit (default), null, or a file to create.
    #[arg(long, value_name = "inherit|null|FILE")]
    stdout: Option<StdioArg>,
    /// The guest's stderr: inherit (default), null, or a file to create.
    #[arg(long, value_name = "inherit|null|FILE")]
    stderr: Option<StdioArg>,
    /// A policy file (TOML: [fs], [env], [net], [clock], [random], [limits], [audit]).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Append one JSON line per audited WASI call to FILE, or write them to stderr with "-"
    /// (see --audit-level).
    #[arg(long, value_name = "FILE|-")]
    audit: Option<PathBuf>,
    /// Which calls are audited: only those the policy refused (default), or all.
    #[arg(long, value_enum, value_name = "LEVEL")]
    audit_level: Option<AuditLevelArg>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AuditLevelArg {
    All,
    Denied,
}

impl PolicyArgs {
    /// The policy file (if any) with the flags applied on top; checked before any guest runs.
    pub fn policy(&self) -> Result<Policy> {
        let mut policy = match &self.policy {
            Some(path) => Policy::from_file(path)?,
            None => Policy::default(),
        };
        for spec in &self.dirs {
            let (host, guest, mode) = parse_dir(spec)?;
            policy.mount(guest, host, mode);
        }
        for spec in &self.envs {
            match spec.split_once('=') {
                Some((k, v)) => {
                    policy.env.set.insert(k.to_string(), v.to_string());
                }
                None => {
                    if let Ok(v) = std::env::var(spec) {
                        policy.env.set.insert(spec.clone(), v);
                    }
                }
            }
        }
        for key in &self.env_inherit {
            if !policy.env.inherit.contains(key) {
                policy.env.inherit.push(key.clone());
            }
        }
        for addr in &self.listen {
            addr.parse::<std::net::SocketAddr>()
                .with_context(|| format!("--listen {addr}: expected ip:port"))?;
            policy.listen(addr.clone());
        }
        if let Some(bytes) = self.max_disk {
            policy.limits.disk = Some(bytes);
        }
        if self.deny_clock {
            policy.clock.allow = Some(false);
        }
        if self.deny_random {
            policy.random.allow = Some(false);
        }
        if let Some(file) = &self.audit {
            policy.audit.file = Some(file.clone());
        }
        if let Some(level) = self.audit_level {
            policy.audit.level = Some(match level {
                AuditLevelArg::All => AuditLevel::All,
                AuditLevelArg::Denied => AuditLevel::Denied,
            });
        }
        Ok(policy)
    }

    /// The context for the guest: the policy's grants, `argv` and the standard streams (the
    /// host's own unless redirected).
    pub fn wasi_ctx(&self, policy: &Policy, argv: Vec<String>) -> Result<WasiCtx> {
        let open = |arg: &Option<StdioArg>, input: bool| -> Result<Stdio> {
            arg.as_ref().map_or(Ok(Stdio::Inherit), |a| a.open(input))
        };
        Ok(policy
            .wasi_ctx()?
            .args(argv)
            .stdin(open(&self.stdin, true)?)
            .stdout(open(&self.stdout, false)?)
            .stderr(open(&self.stderr, false)?))
    }
}

/// `HOST[::GUEST][:ro]`, wasmtime's spelling; `:rw` is accepted for symmetry.
fn parse_dir(spec: &str) -> Result<(PathBuf, String, Mode)> {
    let (rest, mode) = if let Some(r) = spec.strip_suffix(":ro") {
        (r, Mode::Ro)
    } else if let Some(r) = spec.strip_suffix(":rw") {
        (r, Mode::Rw)
    } else {
        (spec, Mode::Rw)
    };
    let (host, guest) = rest.split_once("::").unwrap_or((rest, rest));
    if host.is_empty() || guest.is_empty() {
        bail!("--dir {spec}: expected HOST[::GUEST][:ro]");
    }
    if !(guest.starts_with('/') || guest == ".") {
        bail!(
            "--dir {spec}: the guest path {guest:?} must be absolute or \".\" \
             (e.g. --dir {host}::/{})",
            Path::new(host)
                .file_name()
                .map_or("data".into(), |n| n.to_string_lossy())
        );
    }
    if !Path::new(host).is_dir() {
        bail!("--dir {spec}: host directory {host} does not exist");
    }
    Ok((PathBuf::from(host), guest.to_string(), mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_specs_follow_wasmtime() {
        let tmp = std::env::temp_dir();
        let t = tmp.display().to_string();
        let (h, g, m) = parse_dir(&t).unwrap();
        assert_eq!((h, g.as_str(), m), (tmp.clone(), t.as_str(), Mode::Rw));
        let (_, g, m) = parse_dir(&format!("{t}::/data:ro")).unwrap();
        assert_eq!((g.as_str(), m), ("/data", Mode::Ro));
        let (_, g, m) = parse_dir(".").unwrap();
        assert_eq!((g.as_str(), m), (".", Mode::Rw));
        assert!(parse_dir("relative-name").is_err());
        assert!(parse_dir("/no/such/dir::/x").is_err());
        assert!(parse_dir("::/x").is_err());
    }
}
