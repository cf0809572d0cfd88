//! How failures become messages and exit statuses.

use std::process::ExitCode;
use wasmux::Error;

/// A guest trap exits like wasmtime's CLI does on Unix: 128 + SIGABRT.
pub const TRAP_STATUS: u8 = 134;

/// WASI preview1 gives proc_exit statuses below 126 to the environment; from 126 up (read as
/// unsigned, so -1 is 4294967295) it says proc_exit behaves like `unreachable`, since shells
/// use those statuses for "not executable", "not found" and signals.
pub const FIRST_INVALID_EXIT: u32 = 126;

/// Prints the error chain and picks the exit status: the guest's own status for a valid exit,
/// 134 for a trap or an invalid exit status, 1 for everything else.
pub fn report(err: &anyhow::Error) -> ExitCode {
    match err.downcast_ref::<Error>() {
        Some(Error::Exit(code)) if (*code as u32) < FIRST_INVALID_EXIT => {
            ExitCode::from(*code as u8)
        }
        Some(Error::Exit(code)) => {
            eprintln!(
                "error: the guest called proc_exit({code}); WASI statuses must be below \
                 {FIRST_INVALID_EXIT}, so this ends the guest like a trap"
            );
            ExitCode::from(TRAP_STATUS)
        }
        Some(Error::Trap { backtrace, .. }) => {
            eprintln!("error: {err:#}");
            if !backtrace.is_empty() {
                eprint!("wasm backtrace:\n{backtrace}");
            } else if matches!(err.downcast_ref::<Error>(), Some(Error::Trap { .. })) {
                eprintln!(
                    "note: no wasm backtrace: wasm3 and wasmi record one only with --backtrace, \
                     wasmer's Singlepass for fuel and timeout traps likewise"
                );
            }
            ExitCode::from(TRAP_STATUS)
        }
        _ => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
