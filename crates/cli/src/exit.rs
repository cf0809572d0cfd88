//! How failures become messages and exit statuses.

use std::process::ExitCode;
use wasmux::Error;

/// A guest trap exits like wasmtime's CLI does on Unix: 128 + SIGABRT.
pub const TRAP_STATUS: u8 = 134;

/// Prints the error chain and picks the exit status: the guest's own status for an exit, 134
/// for a trap, 1 for everything else.
pub fn report(err: &anyhow::Error) -> ExitCode {
    match err.downcast_ref::<Error>() {
        Some(Error::Exit(code)) => ExitCode::from(*code as u8),
        Some(Error::Trap { .. }) => {
            eprintln!("error: {err:#}");
            ExitCode::from(TRAP_STATUS)
        }
        _ => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
