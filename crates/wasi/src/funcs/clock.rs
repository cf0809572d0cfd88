//! Clocks and randomness: granted by default, deniable by policy (`ENOTCAPABLE`).

use super::{Args, Call, Res};
use crate::abi::clockid;
use crate::errno::Errno;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The monotonic clock counts from the first time any guest reads it, so its values are
/// small and say nothing about the host's uptime.
fn mono_base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// Nanoseconds now on a WASI clock, or `EINVAL` for clocks we do not offer.
pub(crate) fn now_ns(id: u32) -> Result<u64, Errno> {
    match id {
        clockid::REALTIME => Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)),
        // CPU-time clocks have no portable meaning across engines; the monotonic clock stands
        // in for them, as other runtimes do.
        clockid::MONOTONIC | clockid::PROCESS_CPUTIME | clockid::THREAD_CPUTIME => {
            Ok(mono_base().elapsed().as_nanos() as u64)
        }
        _ => Err(Errno::INVAL),
    }
}

pub fn clock_res_get(call: &mut Call, a: &Args) -> Res {
    if !call.st.live.clock() {
        call.rule = Some("clock: denied".into());
        return Err(Errno::DENIED.into());
    }
    now_ns(a.u32(0))?;
    call.mem.write_u64(a.u32(1), 1)?;
    Ok(())
}

pub fn clock_time_get(call: &mut Call, a: &Args) -> Res {
    if !call.st.live.clock() {
        call.rule = Some("clock: denied".into());
        return Err(Errno::DENIED.into());
    }
    let t = now_ns(a.u32(0))?;
    call.mem.write_u64(a.u32(2), t)?;
    Ok(())
}

pub fn random_get(call: &mut Call, a: &Args) -> Res {
    if !call.st.live.random() {
        call.rule = Some("random: denied".into());
        return Err(Errno::DENIED.into());
    }
    let buf = call.mem.slice_mut(a.u32(0), a.u32(1))?;
    getrandom::fill(buf).map_err(|_| Errno::IO)?;
    call.moved(a.u32(1) as usize);
    Ok(())
}
