//! Audit events as `tracing` events, for embedders that already collect their logs that way.

use super::{AuditEvent, AuditLevel, AuditSink};

/// The target of every audit event, for subscribers' filters (`wasmux::audit=warn`).
pub const TARGET: &str = "wasmux::audit";

impl AuditSink {
    /// Emits each event through `tracing`, target [`TARGET`], at INFO for allowed calls and WARN
    /// for refused ones. Fields: `instance`, `func`, `fd`, `path` (and `path2` for calls naming
    /// two), `bytes`, `decision` (`allowed` or `denied`), `rule`, `errno`, `duration_ns`; those
    /// a call does not have are left out.
    ///
    /// ```
    /// use wasmux_wasi::{AuditLevel, AuditSink, WasiCtx};
    /// let ctx = WasiCtx::new().audit(AuditSink::tracing(AuditLevel::All));
    /// ```
    pub fn tracing(level: AuditLevel) -> Self {
        AuditSink::new(level, emit)
    }
}

fn emit(e: &AuditEvent) {
    // A callsite's level is fixed when it is compiled, hence one `event!` per level.
    macro_rules! event {
        ($level:expr, $decision:literal) => {
            tracing::event!(
                target: TARGET,
                $level,
                instance = e.instance,
                func = e.func,
                fd = e.fd,
                path = e.paths.first().map(String::as_str),
                path2 = e.paths.get(1).map(String::as_str),
                bytes = e.bytes,
                decision = $decision,
                rule = e.rule.as_deref(),
                errno = e.errno,
                duration_ns = u64::try_from(e.duration.as_nanos()).unwrap_or(u64::MAX),
            )
        };
    }
    if e.allowed {
        event!(tracing::Level::INFO, "allowed");
    } else {
        event!(tracing::Level::WARN, "denied");
    }
}
