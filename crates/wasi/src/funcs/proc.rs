//! `proc_exit`, `proc_raise`, `sched_yield`.

use super::{Args, Call, Fail, Res};
use crate::errno::Errno;
use wasmux_core::HostError;

/// Ends the guest: the facade reports `Error::Exit(code)` on every engine.
pub fn proc_exit(_: &mut Call, a: &Args) -> Res {
    Err(Fail::Host(HostError::Exit(a.u32(0) as i32)))
}

/// Signals are not part of the sandbox model.
pub fn proc_raise(_: &mut Call, _: &Args) -> Res {
    Err(Errno::NOTSUP.into())
}

pub fn sched_yield(_: &mut Call, _: &Args) -> Res {
    std::thread::yield_now();
    Ok(())
}
