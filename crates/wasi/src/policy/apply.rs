//! Turning a policy into a [`WasiCtx`]: only what it grants.

use super::{Policy, PolicyError};
use crate::audit::{AuditLevel, AuditSink};
use crate::ctx::WasiCtx;
use crate::error::WasiError;

impl Policy {
    /// A context granting exactly this policy (arguments and stdio are the embedder's to add).
    pub fn wasi_ctx(&self) -> Result<WasiCtx, PolicyError> {
        let mut ctx = WasiCtx::new()
            .allow_clock(self.clock.allowed())
            .allow_random(self.random.allowed());
        for (guest, mount) in &self.fs {
            ctx = ctx.preopen_dir(mount.host.get_ref(), guest, mount.mode)?;
        }
        for key in &self.env.inherit {
            if let Ok(value) = std::env::var(key) {
                ctx = ctx.env(key, value);
            }
        }
        for (key, value) in &self.env.set {
            ctx = ctx.env(key, value);
        }
        for addr in &self.net.listen {
            let listener = std::net::TcpListener::bind(addr.get_ref()).map_err(|source| {
                WasiError::Listen {
                    addr: addr.get_ref().clone(),
                    source,
                }
            })?;
            ctx = ctx.listener(listener);
        }
        if let Some(bytes) = self.limits.disk {
            ctx = ctx.max_disk(bytes);
        }
        if let Some(path) = &self.audit.file {
            let level = self.audit.level.unwrap_or(AuditLevel::Denied);
            // "-" is the usual name for a standard stream; stdout is the guest's, so stderr.
            let sink = if path.as_os_str() == "-" {
                AuditSink::json_lines(level, std::io::stderr())
            } else {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| PolicyError::AuditFile {
                        file: path.display().to_string(),
                        source,
                    })?;
                AuditSink::json_lines(level, file)
            };
            ctx = ctx.audit(sink);
        }
        Ok(ctx)
    }
}
