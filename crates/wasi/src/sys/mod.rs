//! What differs between host systems, in one place: the rest of the crate is written once
//! over these functions and types.
//!
//! - waiting: the handle a read or write may wait on ([`Waitable`]), for which streams there
//!   is one, and reading the host's stdin;
//! - files: reads and writes at an offset that leave the file position alone, and the flag a
//!   file is opened with so that opening never waits;
//! - metadata: device, inode and link numbers, and times;
//! - errors: the host's error numbers as WASI errnos.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;

/// A file's device, inode and link count, as WASI's `filestat` reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FileIds {
    pub dev: u64,
    pub ino: u64,
    pub nlink: u64,
}

/// A file's access, modification and status-change times, in nanoseconds since 1970.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FileTimes {
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}
