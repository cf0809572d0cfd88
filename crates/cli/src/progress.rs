//! A spinner on stderr for work that can take a while: validating and compiling a large module
//! before a guest starts, or the cargo build of `wasmux build`. It shows only on a terminal
//! (indicatif hides it otherwise), and is cleared before the guest runs, so the guest's own
//! output is never mixed with it.

use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

/// Modules smaller than this are compiled before a spinner would be seen.
const WORTH_SHOWING: u64 = 1 << 20;

pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    /// A spinner for a module of `bytes` bytes; none for small modules.
    pub fn for_module(bytes: u64, message: String) -> Spinner {
        if bytes < WORTH_SHOWING {
            return Spinner(None);
        }
        let bar = ProgressBar::new_spinner();
        // The template is fixed and valid; should indicatif ever refuse it, the default is fine.
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(100));
        Spinner(Some(bar))
    }

    /// A spinner for work of unknown length (a cargo build), whatever the input's size.
    pub fn always(message: String) -> Spinner {
        Spinner::for_module(WORTH_SHOWING, message)
    }

    pub fn set_message(&self, message: String) {
        if let Some(bar) = &self.0 {
            bar.set_message(message);
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// `12.3 MiB`, for messages.
pub fn size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
