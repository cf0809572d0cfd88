//! Unix (Linux first): descriptors are polled with `poll`, files read at an offset with
//! `pread`/`pwrite`, and metadata carries `st_dev`, `st_ino` and `st_nlink` itself.

use super::{FileIds, FileTimes};
use crate::errno::Errno;
use crate::stdio::StdStream;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::FileExt;

/// A host descriptor a call can wait on, borrowed.
pub(crate) type Waitable<'a> = BorrowedFd<'a>;
/// A host descriptor a call can wait on, owned: a duplicate, so that the guest may close its
/// own while the call waits.
pub(crate) type OwnedWaitable = OwnedFd;

/// The host process's own standard stream.
pub(crate) fn std_stream(which: StdStream) -> Option<Waitable<'static>> {
    Some(match which {
        StdStream::In => rustix::stdio::stdin(),
        StdStream::Out => rustix::stdio::stdout(),
        StdStream::Err => rustix::stdio::stderr(),
    })
}

/// A host file: a FIFO or a device may have to be waited for.
pub(crate) fn file(f: &File) -> Option<Waitable<'_>> {
    Some(f.as_fd())
}

/// A socket or a listener.
pub(crate) fn socket(s: &impl AsFd) -> Option<Waitable<'_>> {
    Some(s.as_fd())
}

pub(crate) fn to_owned(w: Waitable<'_>) -> io::Result<OwnedWaitable> {
    w.try_clone_to_owned()
}

pub(crate) fn borrow(w: &OwnedWaitable) -> Waitable<'_> {
    w.as_fd()
}

/// Reads the host's stdin descriptor itself: the standard library's buffer would hold bytes
/// that waiting on the descriptor cannot see.
pub(crate) fn read_stdin(buf: &mut [u8]) -> io::Result<usize> {
    Ok(rustix::io::read(rustix::stdio::stdin(), buf)?)
}

pub(crate) fn read_at(f: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    f.read_at(buf, at)
}

pub(crate) fn write_at(f: &File, data: &[u8], at: u64) -> io::Result<usize> {
    f.write_at(data, at)
}

/// Opening a FIFO for reading waits for a writer: the host must never wait in a system call,
/// so files are opened non-blocking and their reads wait for data instead (see `fd_read`).
/// Regular files ignore the flag.
pub(crate) fn open_without_waiting(opts: &mut cap_std::fs::OpenOptions) {
    use cap_std::fs::OpenOptionsExt;
    opts.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
}

pub(crate) fn file_ids(m: &cap_std::fs::Metadata) -> FileIds {
    use cap_std::fs::MetadataExt;
    FileIds {
        dev: m.dev(),
        ino: m.ino(),
        nlink: m.nlink(),
    }
}

pub(crate) fn file_times(m: &cap_std::fs::Metadata) -> FileTimes {
    use cap_std::fs::MetadataExt;
    FileTimes {
        atim: ns(m.atime(), m.atime_nsec()),
        mtim: ns(m.mtime(), m.mtime_nsec()),
        ctim: ns(m.ctime(), m.ctime_nsec()),
    }
}

fn ns(secs: i64, nsec: i64) -> u64 {
    (secs.max(0) as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(nsec.max(0) as u64)
}

/// Host (Linux) errno numbers differ from WASI's; translate the ones file operations produce.
pub(crate) fn errno_from_os(code: i32) -> Option<Errno> {
    Some(match code {
        1 => Errno::PERM,
        2 => Errno::NOENT,
        9 => Errno::BADF,
        11 => Errno::AGAIN,
        12 => Errno::NOMEM,
        13 => Errno::ACCES,
        14 => Errno::FAULT,
        17 => Errno::EXIST,
        18 => Errno::XDEV,
        20 => Errno::NOTDIR,
        21 => Errno::ISDIR,
        22 => Errno::INVAL,
        27 => Errno::FBIG,
        28 => Errno::NOSPC,
        29 => Errno::SPIPE,
        30 => Errno::ROFS,
        31 => Errno::MLINK,
        32 => Errno::PIPE,
        36 => Errno::NAMETOOLONG,
        38 => Errno::NOSYS,
        39 => Errno::NOTEMPTY,
        40 => Errno::LOOP,
        75 => Errno::OVERFLOW,
        95 => Errno::NOTSUP,
        _ => Errno::IO,
    })
}
