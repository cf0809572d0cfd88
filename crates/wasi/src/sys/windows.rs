//! Windows. Three things are done differently from Unix, each for a reason of the system:
//!
//! - Only sockets can be waited on. Winsock's `WSAPoll` takes sockets alone, and a console,
//!   a pipe or a file handle has no readiness to ask for without a read of its own. The
//!   host's stdin, files and the embedder's stdio files are therefore never waited on: they
//!   count as ready, and a read from a console or a pipe with nothing in it waits in the
//!   system call, where the guest's timeout or cancellation cannot end it until data or the
//!   end of the stream comes. `poll_oneoff` reports them ready at once.
//! - Reads and writes at an offset (`seek_read`/`seek_write`) move the file position, which
//!   WASI's `fd_pread`/`fd_pwrite` must leave alone: the position is put back after each.
//! - Metadata has no status-change time here; the last write time stands in for it. Device
//!   and inode numbers are the volume serial number and the file index.

use super::{FileIds, FileTimes};
use crate::errno::Errno;
use crate::stdio::StdStream;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::windows::fs::FileExt;
use std::os::windows::io::{AsSocket, BorrowedSocket, OwnedSocket};
use std::time::UNIX_EPOCH;

/// A host socket a call can wait on, borrowed.
pub(crate) type Waitable<'a> = BorrowedSocket<'a>;
/// A host socket a call can wait on, owned: a duplicate, so that the guest may close its own
/// while the call waits.
pub(crate) type OwnedWaitable = OwnedSocket;

/// The host's standard streams cannot be waited on (see the module's comment).
pub(crate) fn std_stream(_which: StdStream) -> Option<Waitable<'static>> {
    None
}

/// Files cannot be waited on (see the module's comment).
pub(crate) fn file(_f: &File) -> Option<Waitable<'_>> {
    None
}

/// A socket or a listener.
pub(crate) fn socket(s: &impl AsSocket) -> Option<Waitable<'_>> {
    Some(s.as_socket())
}

pub(crate) fn to_owned(w: Waitable<'_>) -> io::Result<OwnedWaitable> {
    w.try_clone_to_owned()
}

pub(crate) fn borrow(w: &OwnedWaitable) -> Waitable<'_> {
    w.as_socket()
}

/// Reads the host's stdin; it cannot be waited on first, so this waits until there is data or
/// the end of the stream.
pub(crate) fn read_stdin(buf: &mut [u8]) -> io::Result<usize> {
    io::stdin().lock().read(buf)
}

/// `seek_read` moves the file position: it is put back, as `pread` leaves it.
pub(crate) fn read_at(f: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    keeping_position(f, |f| f.seek_read(buf, at))
}

/// `seek_write` moves the file position: it is put back, as `pwrite` leaves it.
pub(crate) fn write_at(f: &File, data: &[u8], at: u64) -> io::Result<usize> {
    keeping_position(f, |f| f.seek_write(data, at))
}

fn keeping_position(
    mut f: &File,
    op: impl FnOnce(&File) -> io::Result<usize>,
) -> io::Result<usize> {
    let pos = f.stream_position()?;
    let result = op(f);
    f.seek(SeekFrom::Start(pos))?;
    result
}

/// Nothing to do: opening a file never waits on Windows (there are no FIFOs in its file
/// system; named pipes live outside it, under `\\.\pipe\`, which no preopen reaches).
pub(crate) fn open_without_waiting(_opts: &mut cap_std::fs::OpenOptions) {}

/// Metadata from an open handle carries the volume serial number, file index and link count;
/// metadata from a directory listing does not, and then they read as 0 (and one link).
pub(crate) fn file_ids(m: &cap_std::fs::Metadata) -> FileIds {
    use cap_primitives::fs::_WindowsByHandle;
    FileIds {
        dev: m.volume_serial_number().map_or(0, u64::from),
        ino: m.file_index().unwrap_or(0),
        nlink: m.number_of_links().map_or(1, u64::from),
    }
}

pub(crate) fn file_times(m: &cap_std::fs::Metadata) -> FileTimes {
    let ns = |t: io::Result<cap_std::time::SystemTime>| {
        t.ok()
            .and_then(|t| t.into_std().duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    };
    let mtim = ns(m.modified());
    FileTimes {
        atim: ns(m.accessed()),
        mtim,
        // No status-change time in Windows' file information as the standard library reads
        // it; the last write is the nearest (a change of contents is a change of status).
        ctim: mtim,
    }
}

/// Windows' system error codes (and Winsock's) that file and socket calls produce; `None`
/// leaves the error to its kind.
pub(crate) fn errno_from_os(code: i32) -> Option<Errno> {
    Some(match code {
        2 | 3 => Errno::NOENT,     // ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND
        5 => Errno::ACCES,         // ERROR_ACCESS_DENIED
        6 => Errno::BADF,          // ERROR_INVALID_HANDLE
        8 | 14 => Errno::NOMEM,    // ERROR_NOT_ENOUGH_MEMORY, ERROR_OUTOFMEMORY
        17 => Errno::XDEV,         // ERROR_NOT_SAME_DEVICE
        19 => Errno::ROFS,         // ERROR_WRITE_PROTECT
        32 | 33 => Errno::BUSY,    // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
        39 | 112 => Errno::NOSPC,  // ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL
        50 => Errno::NOTSUP,       // ERROR_NOT_SUPPORTED
        80 | 183 => Errno::EXIST,  // ERROR_FILE_EXISTS, ERROR_ALREADY_EXISTS
        87 => Errno::INVAL,        // ERROR_INVALID_PARAMETER
        109 | 232 => Errno::PIPE,  // ERROR_BROKEN_PIPE, ERROR_NO_DATA
        123 => Errno::NOENT,       // ERROR_INVALID_NAME
        131 => Errno::INVAL,       // ERROR_NEGATIVE_SEEK
        132 => Errno::SPIPE,       // ERROR_SEEK_ON_DEVICE
        145 => Errno::NOTEMPTY,    // ERROR_DIR_NOT_EMPTY
        206 => Errno::NAMETOOLONG, // ERROR_FILENAME_EXCED_RANGE
        267 => Errno::NOTDIR,      // ERROR_DIRECTORY
        1314 => Errno::PERM,       // ERROR_PRIVILEGE_NOT_HELD (symlinks need it, or developer mode)
        1921 => Errno::LOOP,       // ERROR_CANT_RESOLVE_FILENAME
        4390 => Errno::INVAL,      // ERROR_NOT_A_REPARSE_POINT (reading a link that is none)
        10035 => Errno::AGAIN,     // WSAEWOULDBLOCK
        10038 => Errno::NOTSOCK,   // WSAENOTSOCK
        10057 => Errno::NOTCONN,   // WSAENOTCONN
        _ => return None,
    })
}
