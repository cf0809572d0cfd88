//! `poll_oneoff`: waits until a subscribed descriptor is ready or the earliest clock is due;
//! the wait itself is `wait::wait_until`'s (unlocked, and ended by the guest's limits).

use super::clock::now_ns;
use super::wait::{wait_until, Want};
use super::{Args, Call, Res};
use crate::abi::{clockid, EVENT_SIZE, SUBSCRIPTION_SIZE};
use crate::errno::Errno;
use crate::mem::MAX_VECTORS;
use crate::sys::OwnedWaitable;
use std::time::{Duration, Instant};

const TAG_CLOCK: u8 = 0;
const TAG_FD_READ: u8 = 1;
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
    // Host descriptors to wait on, and the (userdata, tag) each one answers.
    let mut waiting: Vec<(OwnedWaitable, Want)> = Vec::new();
    let mut answers: Vec<(u64, u8)> = Vec::new();
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
            let want = if tag == TAG_FD_READ {
                Want::Read
            } else {
                Want::Write
            };
            match call.st.table.host_fd(fd) {
                Ok(Some(host)) => {
                    waiting.push((host, want));
                    answers.push((userdata, tag));
                }
                // In-memory streams and directories are always ready (and, on Windows, stdin, pipes
                // and files, which cannot be waited on there).
                Ok(None) => ready.push(event(Errno::SUCCESS)),
                Err(e) => ready.push(event(e)),
            }
        } else {
            ready.push(event(Errno::INVAL));
        }
    }
    // Descriptors ready now are reported with the rest; only when nothing is ready does the
    // call wait, for a descriptor or the earliest clock.
    let deadline = if !ready.is_empty() {
        Some(Instant::now())
    } else {
        // A clock too far off for the host to represent is waited for until the guest stops.
        let first = timers.iter().map(|t| t.0).min();
        first.and_then(|ns| Instant::now().checked_add(Duration::from_nanos(ns)))
    };
    let became_ready = if waiting.is_empty() && !ready.is_empty() {
        Vec::new()
    } else {
        wait_until(call, &waiting, deadline)?
    };
    for (&(userdata, tag), ok) in answers.iter().zip(became_ready) {
        if ok {
            ready.push(Event {
                userdata,
                error: Errno::SUCCESS,
                tag,
            });
        }
    }
    if ready.is_empty() {
        // The wait ended at the earliest clock: report every clock that is due.
        let first = timers.iter().map(|t| t.0).min().unwrap_or(0);
        for &(_, userdata) in timers.iter().filter(|t| t.0 <= first) {
            ready.push(Event {
                userdata,
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
