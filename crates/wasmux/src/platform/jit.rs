//! Whether this process may generate native code and run it.

use serde::Serialize;

/// Set to `off` (or `0`, `deny`) to forbid native code generation in this process, as an
/// operator may to shrink the attack surface: `--engine auto` then picks an interpreter and
/// the JIT variants are refused by name.
pub const JIT_ENV: &str = "WASMUX_JIT";

/// Whether native code may be generated and run here, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Jit {
    pub allowed: bool,
    /// Why not; `None` when allowed.
    pub reason: Option<String>,
}

pub(super) fn detect() -> Jit {
    let denied = |reason: String| Jit {
        allowed: false,
        reason: Some(reason),
    };
    if let Ok(value) = std::env::var(JIT_ENV) {
        if matches!(value.as_str(), "off" | "0" | "deny" | "no") {
            return denied(format!("{JIT_ENV}={value} forbids it"));
        }
    }
    if cfg!(any(
        target_os = "ios",
        target_os = "tvos",
        target_os = "watchos"
    )) {
        return denied("the OS does not let applications map executable memory".into());
    }
    match probe() {
        Ok(()) => Jit {
            allowed: true,
            reason: None,
        },
        Err(e) => denied(format!(
            "the system refuses to make memory executable ({e}), as SELinux's deny_execmem \
             or PaX MPROTECT do"
        )),
    }
}

/// Maps one writable page and asks for it to become executable, as the JIT engines do with
/// their code; a system that forbids writable-then-executable memory refuses here.
#[cfg(unix)]
fn probe() -> std::io::Result<()> {
    // SAFETY: an anonymous private mapping of one page, changed and unmapped here only; no
    // pointer into it escapes.
    unsafe {
        let len = 4096;
        let page = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANON,
            -1,
            0,
        );
        if page == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let made = libc::mprotect(page, len, libc::PROT_READ | libc::PROT_EXEC);
        let result = if made == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        };
        libc::munmap(page, len);
        result
    }
}

/// Windows refuses executable memory only under Arbitrary Code Guard, which a process opts
/// into; wasmux does not, so it is not probed.
#[cfg(not(unix))]
fn probe() -> std::io::Result<()> {
    Ok(())
}
