//! Scatter and gather with host memory bounded by a constant, whatever the guest asks for:
//! reads go straight into guest memory, and writes go straight from it, small iovecs being
//! gathered into one buffer of at most [`CHUNK`] bytes so that many of them still cost few
//! system calls. A guest handing 1,024 iovecs that each cover its whole memory makes the host
//! allocate nothing more than that buffer.

use crate::errno::Errno;
use crate::mem::{iovecs_len, Mem};
use std::io;

/// The most a write gathers before handing it on.
pub const CHUNK: usize = 64 * 1024;

/// Why a transfer stopped early: the bytes moved so far, and the error, which the caller
/// reports only if nothing moved (as POSIX does for a short `writev`).
pub struct Partial {
    pub moved: usize,
    pub error: Errno,
}

/// The bytes moved, whether or not the transfer ended early.
pub fn moved(result: &Result<usize, Partial>) -> usize {
    match result {
        Ok(n) => *n,
        Err(p) => p.moved,
    }
}

/// The bytes moved, or the error when none could be.
pub fn settle(result: Result<usize, Partial>) -> Result<usize, Errno> {
    match result {
        Ok(n) => Ok(n),
        Err(Partial { moved, .. }) if moved > 0 => Ok(moved),
        Err(Partial { error, .. }) => Err(error),
    }
}

/// Writes the iovecs in order through `write`, which takes bytes and says how many it took;
/// stops at the first short write. Returns the bytes taken.
pub fn write_iovecs(
    mem: &Mem,
    iovs: &[(u32, u32)],
    mut write: impl FnMut(&[u8]) -> io::Result<usize>,
) -> Result<usize, Partial> {
    let mut moved = 0;
    let mut buffer: Vec<u8> = Vec::new();
    // Hands `data` on; `Ok(false)` when it was not all taken, so nothing more may follow.
    let mut send = |data: &[u8], moved: &mut usize| -> Result<bool, Partial> {
        let mut done = 0;
        while done < data.len() {
            match write(&data[done..]) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    *moved += done;
                    return Err(Partial {
                        moved: *moved,
                        error: error.into(),
                    });
                }
            }
        }
        *moved += done;
        Ok(done == data.len())
    };
    // The buffer is only worth it for several iovecs, and never larger than they are.
    // `Mem::iovecs` keeps the total within a u32.
    let total = iovecs_len(iovs) as usize;
    let gather = iovs.len() > 1;
    for &(ptr, len) in iovs {
        // `iovecs` checked every range already; an error here cannot happen, but a fault
        // must not become a panic.
        let data = mem
            .slice(ptr, len)
            .map_err(|error| Partial { moved, error })?;
        if !gather {
            send(data, &mut moved)?;
            return Ok(moved);
        }
        if buffer.len() + data.len() > CHUNK && !buffer.is_empty() {
            if !send(&buffer, &mut moved)? {
                return Ok(moved);
            }
            buffer.clear();
        }
        if data.len() >= CHUNK {
            if !send(data, &mut moved)? {
                return Ok(moved);
            }
        } else {
            if buffer.capacity() == 0 {
                buffer.reserve_exact(CHUNK.min(total));
            }
            buffer.extend_from_slice(data);
        }
    }
    if !buffer.is_empty() {
        send(&buffer, &mut moved)?;
    }
    Ok(moved)
}

/// Reads into the iovecs in order, straight into guest memory, through `read`, which fills
/// what it can of a slice. With `fill`, each iovec is filled before the next one is started
/// and a short count means the end (files); without it one read of the first non-empty iovec
/// is all (pipes, terminals and sockets return what they have, and waiting for more would
/// block the guest).
pub fn read_iovecs(
    mem: &mut Mem,
    iovs: &[(u32, u32)],
    fill: bool,
    mut read: impl FnMut(&mut [u8]) -> io::Result<usize>,
) -> Result<usize, Partial> {
    let mut moved = 0;
    for &(ptr, len) in iovs {
        if len == 0 {
            continue;
        }
        let slice = mem
            .slice_mut(ptr, len)
            .map_err(|error| Partial { moved, error })?;
        let mut done = 0;
        while done < slice.len() {
            match read(&mut slice[done..]) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    return Err(Partial {
                        moved: moved + done,
                        error: error.into(),
                    })
                }
            }
            if !fill {
                break;
            }
        }
        moved += done;
        if !fill || done < slice.len() {
            break;
        }
    }
    Ok(moved)
}
