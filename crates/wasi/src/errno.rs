//! WASI errno values and the mapping from host I/O errors to them.

use std::io;

/// A WASI preview1 errno (the `errno` enum of `wasi_snapshot_preview1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub u16);

impl Errno {
    pub const SUCCESS: Errno = Errno(0);
    pub const TOOBIG: Errno = Errno(1);
    pub const ACCES: Errno = Errno(2);
    pub const AGAIN: Errno = Errno(6);
    pub const BADF: Errno = Errno(8);
    pub const BUSY: Errno = Errno(10);
    pub const EXIST: Errno = Errno(20);
    pub const FAULT: Errno = Errno(21);
    pub const FBIG: Errno = Errno(22);
    pub const ILSEQ: Errno = Errno(25);
    pub const INVAL: Errno = Errno(28);
    pub const IO: Errno = Errno(29);
    pub const ISDIR: Errno = Errno(31);
    pub const LOOP: Errno = Errno(32);
    pub const MLINK: Errno = Errno(34);
    pub const NAMETOOLONG: Errno = Errno(37);
    pub const NOENT: Errno = Errno(44);
    pub const NOMEM: Errno = Errno(48);
    pub const NOSPC: Errno = Errno(51);
    pub const NOSYS: Errno = Errno(52);
    pub const NOTCONN: Errno = Errno(53);
    pub const NOTDIR: Errno = Errno(54);
    pub const NOTEMPTY: Errno = Errno(55);
    pub const NOTSOCK: Errno = Errno(57);
    pub const NOTSUP: Errno = Errno(58);
    pub const OVERFLOW: Errno = Errno(61);
    pub const PERM: Errno = Errno(63);
    pub const PIPE: Errno = Errno(64);
    pub const ROFS: Errno = Errno(69);
    pub const SPIPE: Errno = Errno(70);
    pub const XDEV: Errno = Errno(75);
    pub const NOTCAPABLE: Errno = Errno(76);

    /// The errno every policy denial returns: a capability the guest was not granted
    /// (clocks, randomness, sockets, paths outside every preopen).
    pub const DENIED: Errno = Errno::NOTCAPABLE;
}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Self {
        if let Some(errno) = e.raw_os_error().and_then(crate::sys::errno_from_os) {
            return errno;
        }
        // cap-std reports an attempt to leave the sandbox as a bare PermissionDenied.
        match e.kind() {
            io::ErrorKind::PermissionDenied => Errno::NOTCAPABLE,
            io::ErrorKind::NotFound => Errno::NOENT,
            io::ErrorKind::AlreadyExists => Errno::EXIST,
            io::ErrorKind::InvalidInput => Errno::INVAL,
            io::ErrorKind::InvalidData => Errno::ILSEQ,
            io::ErrorKind::Unsupported => Errno::NOTSUP,
            io::ErrorKind::WouldBlock => Errno::AGAIN,
            io::ErrorKind::BrokenPipe => Errno::PIPE,
            io::ErrorKind::NotConnected => Errno::NOTCONN,
            io::ErrorKind::OutOfMemory => Errno::NOMEM,
            io::ErrorKind::IsADirectory => Errno::ISDIR,
            io::ErrorKind::NotADirectory => Errno::NOTDIR,
            io::ErrorKind::DirectoryNotEmpty => Errno::NOTEMPTY,
            io::ErrorKind::ReadOnlyFilesystem => Errno::ROFS,
            _ => Errno::IO,
        }
    }
}
