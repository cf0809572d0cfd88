//! Audit events: one per WASI call, when an embedder asks for them, sent to a function of its
//! own, to a JSON-lines writer ([`AuditSink::json_lines`]) or to `tracing`
//! ([`AuditSink::tracing`]). With no sink installed the call path tests one `Option`, so auditing
//! off costs nothing measurable.

mod json;
mod trace;

pub use trace::TARGET;

use crate::errno::Errno;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Which calls produce an event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditLevel {
    /// Only calls the policy refused.
    #[default]
    Denied,
    All,
}

/// What one WASI call did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditEvent {
    /// The WASI context that made the call ([`WasiCtx::instance_id`]), so that the events of
    /// guests writing to one log can be told apart.
    ///
    /// [`WasiCtx::instance_id`]: crate::WasiCtx::instance_id
    pub instance: u64,
    pub func: &'static str,
    /// The arguments that matter: fds, sizes, and the paths the call named.
    pub args: String,
    /// The descriptor the call acts on (the first one, for calls naming two).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fd: Option<u32>,
    /// The paths the call named, as the guest wrote them. Already quoted at the end of `args`,
    /// so not repeated in the JSON lines.
    #[serde(skip)]
    pub paths: Vec<String>,
    /// The bytes a read, write or random fill moved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// False when the policy refused the call (a capability not granted, a read-only mount).
    pub allowed: bool,
    pub errno: u16,
    /// For a refusal, the rule that refused it (e.g. `fs /data: mounted ro`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub duration: Duration,
}

pub type AuditFn = dyn Fn(&AuditEvent) + Send + Sync;

#[derive(Clone)]
pub struct AuditSink {
    pub level: AuditLevel,
    pub sink: Arc<AuditFn>,
}

impl AuditSink {
    pub fn new(level: AuditLevel, sink: impl Fn(&AuditEvent) + Send + Sync + 'static) -> Self {
        AuditSink {
            level,
            sink: Arc::new(sink),
        }
    }

    /// Whether a call with this outcome is reported; asked before the event is built, so that
    /// at level `denied` an allowed call formats nothing.
    pub(crate) fn wants(&self, allowed: bool) -> bool {
        self.level == AuditLevel::All || !allowed
    }

    pub(crate) fn record(&self, event: &AuditEvent) {
        (self.sink)(event);
    }
}

impl fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditSink({:?})", self.level)
    }
}

/// The errnos that mean "the policy said no" rather than "the operation failed".
pub(crate) fn is_denial(errno: Errno) -> bool {
    matches!(
        errno,
        Errno::NOTCAPABLE | Errno::ROFS | Errno::ACCES | Errno::PERM
    )
}
