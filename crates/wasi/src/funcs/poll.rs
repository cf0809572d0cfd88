//! `poll_oneoff`: clock subscriptions sleep; file and socket subscriptions are reported ready
//! at once (regular files always are).

use super::clock::now_ns;
use super::{Args, Call, Fail, Res};
use crate::abi::{clockid, EVENT_SIZE, SUBSCRIPTION_SIZE};
use crate::errno::Errno;
use crate::mem::MAX_VECTORS;
use std::time::{Duration, Instant};

const TAG_CLOCK: u8 = 0;
const ABSTIME: u16 = 1;

struct Event {
    userdata: u64,
    error: Errno,
    tag: u8,
}

pub fn poll_oneoff(call: &mut Call, a: &Args) -> Res {
    let (input, output, n, nevents) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3));
    if n == 0 || n > MAX_VECTORS {
        return Err(Errno::INVAL.into());
    }
    call.mem.check_array(input, n, SUBSCRIPTION_SIZE)?;
    call.mem.check_array(output, n, EVENT_SIZE)?;
    call.mem.slice(nevents, 4)?;
    let mut ready = Vec::new();
    // (deadline in nanoseconds from now, userdata) of each clock that has to be waited for.
    let mut timers: Vec<(u64, u64)> = Vec::new();
    for i in 0..n {
        let at = input + i * SUBSCRIPTION_SIZE;
        let userdata = call.mem.read_u64(at)?;
        let tag = call.mem.slice(at + 8, 1)?[0];
        let event = |error| Event {
            userdata,
            error,
            tag,
        };
        if tag == TAG_CLOCK {
            if !call.st.live.clock() {
                ready.push(event(Errno::DENIED));
                continue;
            }
            let id = call.mem.read_u32(at + 16)?;
            let timeout = call.mem.read_u64(at + 24)?;
            let flags = call.mem.read_u16(at + 40)?;
            let wait = if flags & ABSTIME != 0 {
                match now_ns(id) {
                    Ok(now) => timeout.saturating_sub(now),
                    Err(e) => {
                        ready.push(event(e));
                        continue;
                    }
                }
            } else if id <= clockid::THREAD_CPUTIME {
                timeout
            } else {
                ready.push(event(Errno::INVAL));
                continue;
            };
            timers.push((wait, userdata));
        } else if tag <= 2 {
            let fd = call.mem.read_u32(at + 16)?;
            let error = match call.st.table.get(fd) {
                Ok(_) => Errno::SUCCESS,
                Err(e) => e,
            };
            ready.push(event(error));
        } else {
            ready.push(event(Errno::INVAL));
        }
    }
    if ready.is_empty() {
        // Nothing is ready: wait for the earliest clock, then report every clock that is due.
        let first = timers.iter().map(|t| t.0).min().unwrap_or(0);
        sleep(call, Duration::from_nanos(first))?;
        for (wait, userdata) in timers.iter().filter(|t| t.0 <= first) {
            let _ = wait;
            ready.push(Event {
                userdata: *userdata,
                error: Errno::SUCCESS,
                tag: TAG_CLOCK,
            });
        }
    }
    for (i, e) in ready.iter().enumerate() {
        let mut b = [0u8; EVENT_SIZE as usize];
        b[0..8].copy_from_slice(&e.userdata.to_le_bytes());
        b[8..10].copy_from_slice(&e.error.0.to_le_bytes());
        b[10] = e.tag;
        call.mem.write(output + i as u32 * EVENT_SIZE, &b)?;
    }
    call.mem.write_u32(nevents, ready.len() as u32)?;
    Ok(())
}

/// The longest stretch a sleep goes without asking whether the guest must stop.
const SLICE: Duration = Duration::from_millis(5);

/// Sleeps for `length`, in slices, stopping the guest early when its timeout expires or it is
/// cancelled (a guest asleep in `poll_oneoff` runs no code that could check).
fn sleep(call: &Call, length: Duration) -> Result<(), Fail> {
    // A sleep too long for the clock to represent lasts until the guest is stopped.
    let end = Instant::now().checked_add(length);
    loop {
        let now = Instant::now();
        let left = match end {
            Some(end) if now >= end => return Ok(()),
            Some(end) => end - now,
            None => SLICE,
        };
        if let Some(interrupt) = &call.interrupt {
            interrupt.check().map_err(Fail::Host)?;
        }
        std::thread::sleep(left.min(SLICE));
    }
}
