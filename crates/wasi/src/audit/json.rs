//! Audit events as JSON lines, one object per line, for a file or a standard stream.

use super::{AuditLevel, AuditSink};
use std::io::Write;
use std::sync::Mutex;

impl AuditSink {
    /// Writes each event as one JSON line to `out` (see [`AuditEvent`] for the fields), flushed
    /// line by line so that a reader following the log sees every call as it happens.
    ///
    /// [`AuditEvent`]: super::AuditEvent
    pub fn json_lines(level: AuditLevel, out: impl Write + Send + 'static) -> Self {
        let out = Mutex::new(out);
        AuditSink::new(level, move |event| {
            if let Ok(mut line) = serde_json::to_vec(event) {
                line.push(b'\n');
                let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
                // Auditing must never stop the guest: a failed write is dropped.
                let _ = out.write_all(&line).and_then(|()| out.flush());
            }
        })
    }
}
