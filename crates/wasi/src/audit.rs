//! Audit events: one per WASI call, when an embedder asks for them. With no sink installed the
//! call path only tests an `Option`, so auditing off costs nothing measurable.

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
    pub func: &'static str,
    /// The arguments that matter: fds, sizes, and the paths the call named.
    pub args: String,
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

    pub(crate) fn record(&self, event: AuditEvent) {
        if self.level == AuditLevel::All || !event.allowed {
            (self.sink)(&event);
        }
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
