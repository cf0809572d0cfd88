//! Calls that wait on the outside world (stdin, a pipe, a FIFO, a socket) wait here, never in
//! a blocking system call: in slices, asking between them whether the guest must stop (its
//! timeout expired, it was cancelled), and with the shared context unlocked, so that other
//! instances sharing it carry on meanwhile. On Windows only sockets can be waited on: stdin,
//! pipes and files are read directly there, and such a read can wait in the system call (see
//! `sys/windows.rs`).

use super::{Call, Fail};
use crate::errno::Errno;
use crate::sys::{self, OwnedWaitable, Waitable};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use std::io;
use std::time::{Duration, Instant};

/// The longest stretch a wait goes without asking whether the guest must stop.
pub const SLICE: Duration = Duration::from_millis(5);

/// What a descriptor is waited for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    Read,
    Write,
}

impl Want {
    fn flags(self) -> PollFlags {
        match self {
            Want::Read => PollFlags::IN,
            Want::Write => PollFlags::OUT,
        }
    }
}

/// Whether `fd` can be read or written now without blocking. A hang-up or an error counts as
/// ready: the read or write that follows reports it.
pub fn ready(fd: Waitable, want: Want) -> io::Result<bool> {
    Ok(poll_some(&mut [(fd, want)], Duration::ZERO)?
        .iter()
        .any(|&r| r))
}

/// Polls `fds` for at most `timeout`; which of them are ready.
fn poll_some(fds: &mut [(Waitable, Want)], timeout: Duration) -> io::Result<Vec<bool>> {
    let mut polled: Vec<PollFd> = fds
        .iter()
        .map(|(fd, want)| PollFd::new(fd, want.flags()))
        .collect();
    let timeout = Timespec {
        tv_sec: timeout.as_secs() as _,
        tv_nsec: timeout.subsec_nanos() as _,
    };
    loop {
        match poll(&mut polled, Some(&timeout)) {
            Ok(_) => break,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(polled.iter().map(|p| !p.revents().is_empty()).collect())
}

/// Runs `attempt` until it stops answering `EAGAIN` (would block), waiting in between until
/// the host descriptor behind guest fd `fd` is ready. A guest that set `nonblock` on `fd` gets
/// the `EAGAIN` instead.
pub fn retrying<T>(
    call: &mut Call,
    fd: u32,
    want: Want,
    mut attempt: impl FnMut(&mut Call) -> Result<T, Fail>,
) -> Result<T, Fail> {
    loop {
        match attempt(call) {
            Err(Fail::Errno(Errno::AGAIN)) if !call.st.table.nonblocking(fd) => {}
            other => return other,
        }
        let Some(host) = call.st.table.host_fd(fd)? else {
            return Err(Errno::AGAIN.into());
        };
        wait_until(call, &[(host, want)], None)?;
    }
}

/// Waits, with the context unlocked, until one of `fds` is ready or `deadline` passes (a
/// deadline already past looks once without waiting); which of them are ready. The guest's stop request ends the wait with its trap.
pub fn wait_until(
    call: &mut Call,
    fds: &[(OwnedWaitable, Want)],
    deadline: Option<Instant>,
) -> Result<Vec<bool>, Fail> {
    let interrupt = call.interrupt.clone();
    call.unlocked(|| loop {
        if let Some(interrupt) = &interrupt {
            interrupt.check().map_err(Fail::Host)?;
        }
        let slice = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()).min(SLICE),
            None => SLICE,
        };
        if fds.is_empty() {
            std::thread::sleep(slice);
        } else {
            let mut borrowed: Vec<(Waitable, Want)> = fds
                .iter()
                .map(|(fd, want)| (sys::borrow(fd), *want))
                .collect();
            let ready = poll_some(&mut borrowed, slice)?;
            if ready.iter().any(|&r| r) {
                return Ok(ready);
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(vec![false; fds.len()]);
        }
    })
}
