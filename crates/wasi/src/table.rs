//! The descriptor table: what each guest fd stands for.

use crate::abi::rights;
use crate::errno::Errno;
use crate::live::MountState;
use crate::stdio::{StdStream, Stdio};
use crate::sys::{self, OwnedWaitable};
use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

/// A directory the guest reaches, with what it may do there.
#[derive(Debug)]
pub struct DirEntry {
    pub dir: cap_std::fs::Dir,
    /// The guest path of a preopened directory (what `fd_prestat_dir_name` reports).
    pub preopen: Option<String>,
    /// The mount that decides for this directory (the most specific one holding it); its
    /// mode can change while running.
    pub mount: Arc<MountState>,
    /// Where the directory is below the mount's host directory, symlinks resolved.
    pub at: std::path::PathBuf,
}

#[derive(Debug)]
pub struct FileEntry {
    pub file: std::fs::File,
    /// The WASI fdflags in force: `append` and the sync flags are honoured on every write,
    /// `nonblock` is recorded (regular files never block).
    pub flags: u16,
    /// The mount the file was opened below: while it is read-only, every change is refused,
    /// metadata included.
    pub mount: Arc<MountState>,
    /// A regular file, read to the end of each buffer; anything else (a FIFO, a device) may
    /// have to be waited for and returns what it has.
    pub regular: bool,
}

impl FileEntry {
    pub fn append(&self) -> bool {
        self.flags & crate::abi::fdflags::APPEND != 0
    }

    /// Makes a write durable as the sync flags ask: `sync` and `rsync` data and metadata,
    /// `dsync` the data.
    pub fn sync_after_write(&self) -> std::io::Result<()> {
        use crate::abi::fdflags::{DSYNC, RSYNC, SYNC};
        if self.flags & (SYNC | RSYNC) != 0 {
            self.file.sync_all()
        } else if self.flags & DSYNC != 0 {
            self.file.sync_data()
        } else {
            Ok(())
        }
    }
}

#[derive(Debug)]
pub enum Entry {
    Stdio(StdStream, Stdio),
    File(FileEntry),
    Dir(DirEntry),
    Listener(TcpListener),
    Socket(TcpStream),
}

/// What a descriptor may do (`base`) and what descriptors opened through it may get
/// (`inheriting`): WASI's rights. They only ever shrink, and each call checks the one it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rights {
    pub base: u64,
    pub inheriting: u64,
}

impl Rights {
    /// What an entry of this kind may do when nobody narrowed it.
    pub fn full(entry: &Entry) -> Rights {
        let (base, inheriting) = match entry {
            Entry::Stdio(StdStream::In, _) => (rights::FD_READ | rights::STREAM, 0),
            Entry::Stdio(..) => (rights::FD_WRITE | rights::STREAM, 0),
            Entry::File(_) => (rights::FILE, 0),
            Entry::Dir(_) => (rights::DIRECTORY, rights::DIRECTORY | rights::FILE),
            Entry::Listener(_) => (rights::SOCK_ACCEPT | rights::STREAM, 0),
            Entry::Socket(_) => (
                rights::FD_READ | rights::FD_WRITE | rights::SOCK_SHUTDOWN | rights::STREAM,
                0,
            ),
        };
        Rights { base, inheriting }
    }

    /// Whether `self` grants nothing beyond `other`.
    pub fn within(self, other: Rights) -> bool {
        self.base & !other.base == 0 && self.inheriting & !other.inheriting == 0
    }
}

#[derive(Debug)]
struct Slot {
    entry: Entry,
    rights: Rights,
    /// The guest's `nonblock` fdflag for descriptors other than files (which keep theirs in
    /// [`FileEntry::flags`]): a read or write that would wait says `EAGAIN` instead.
    nonblock: bool,
}

impl Slot {
    fn new(entry: Entry, rights: Rights) -> Slot {
        Slot {
            entry,
            rights,
            nonblock: false,
        }
    }
}

/// Guest fds; 0, 1 and 2 are the standard streams, preopens follow from 3 in order.
#[derive(Debug, Default)]
pub struct Table {
    entries: BTreeMap<u32, Slot>,
}

/// More descriptors than this and `path_open` says `EMFILE`-like `NFILE`: a guest cannot make
/// the host exhaust its own descriptors.
pub const MAX_FDS: usize = 4096;

impl Table {
    /// Puts `entry` at `fd` with every right its kind has.
    pub fn insert_at(&mut self, fd: u32, entry: Entry) {
        let rights = Rights::full(&entry);
        self.entries.insert(fd, Slot::new(entry, rights));
    }

    /// Puts an entry at the lowest free fd, with every right its kind has.
    pub fn push(&mut self, entry: Entry) -> Result<u32, Errno> {
        let rights = Rights::full(&entry);
        self.push_with(entry, rights)
    }

    /// Puts an entry at the lowest free fd with `rights`, which cannot exceed its kind's.
    pub fn push_with(&mut self, entry: Entry, rights: Rights) -> Result<u32, Errno> {
        if self.entries.len() >= MAX_FDS {
            return Err(Errno(41)); // nfile
        }
        let full = Rights::full(&entry);
        let rights = Rights {
            base: rights.base & full.base,
            inheriting: rights.inheriting & full.inheriting,
        };
        // fds are dense from 0, so the first gap is found by counting up the sorted keys.
        let mut fd = 0;
        for &used in self.entries.keys() {
            if used != fd {
                break;
            }
            fd += 1;
        }
        self.entries.insert(fd, Slot::new(entry, rights));
        Ok(fd)
    }

    pub fn get(&mut self, fd: u32) -> Result<&mut Entry, Errno> {
        self.entries
            .get_mut(&fd)
            .map(|s| &mut s.entry)
            .ok_or(Errno::BADF)
    }

    /// The entry at `fd`, if its base rights include every one of `needed`; else `EBADF` for
    /// reading and writing, `ENOTCAPABLE` for the rest.
    pub fn with_right(&mut self, fd: u32, needed: u64) -> Result<&mut Entry, Errno> {
        let slot = self.entries.get_mut(&fd).ok_or(Errno::BADF)?;
        if slot.rights.base & needed != needed {
            // Reading or writing a descriptor not open for it is `EBADF` in POSIX too.
            let data = rights::FD_READ | rights::FD_WRITE;
            return Err(if needed & data != 0 {
                Errno::BADF
            } else {
                Errno::NOTCAPABLE
            });
        }
        Ok(&mut slot.entry)
    }

    pub fn rights(&self, fd: u32) -> Result<Rights, Errno> {
        self.entries.get(&fd).map(|s| s.rights).ok_or(Errno::BADF)
    }

    /// Narrows the rights of `fd`; asking for any right it lacks is `NOTCAPABLE`.
    pub fn set_rights(&mut self, fd: u32, rights: Rights) -> Result<(), Errno> {
        let slot = self.entries.get_mut(&fd).ok_or(Errno::BADF)?;
        if !rights.within(slot.rights) {
            return Err(Errno::NOTCAPABLE);
        }
        slot.rights = rights;
        Ok(())
    }

    /// Whether the guest asked `fd` not to wait (`nonblock`).
    pub fn nonblocking(&self, fd: u32) -> bool {
        match self.entries.get(&fd) {
            Some(Slot {
                entry: Entry::File(f),
                ..
            }) => f.flags & crate::abi::fdflags::NONBLOCK != 0,
            Some(slot) => slot.nonblock,
            None => false,
        }
    }

    /// Records the guest's `nonblock` flag for a descriptor that is not a file.
    pub fn set_nonblock(&mut self, fd: u32, yes: bool) -> Result<(), Errno> {
        self.entries.get_mut(&fd).ok_or(Errno::BADF)?.nonblock = yes;
        Ok(())
    }

    /// A duplicate of the host descriptor behind `fd`, to wait on while the table is not
    /// locked (the guest may close `fd` meanwhile); `None` for what never waits.
    pub fn host_fd(&self, fd: u32) -> Result<Option<OwnedWaitable>, Errno> {
        let slot = self.entries.get(&fd).ok_or(Errno::BADF)?;
        let host = match &slot.entry {
            Entry::Stdio(which, stdio) => stdio.host_fd(*which),
            Entry::File(f) => sys::file(&f.file),
            Entry::Listener(l) => sys::socket(l),
            Entry::Socket(s) => sys::socket(s),
            Entry::Dir(_) => None,
        };
        match host {
            Some(host) => Ok(Some(sys::to_owned(host).map_err(Errno::from)?)),
            None => Ok(None),
        }
    }

    pub fn remove(&mut self, fd: u32) -> Result<Entry, Errno> {
        self.entries.remove(&fd).map(|s| s.entry).ok_or(Errno::BADF)
    }

    /// Moves the descriptor at `from` (with its rights) to `to`, closing what `to` held; both
    /// must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        if !self.entries.contains_key(&from) || !self.entries.contains_key(&to) {
            return Err(Errno::BADF);
        }
        if from != to {
            let slot = self.entries.remove(&from).ok_or(Errno::BADF)?;
            self.entries.insert(to, slot);
        }
        Ok(())
    }

    /// The file at `fd`, if it has every right of `needed`.
    pub fn file_with(&mut self, fd: u32, needed: u64) -> Result<&mut FileEntry, Errno> {
        Self::as_file(self.with_right(fd, needed)?)
    }

    fn as_file(entry: &mut Entry) -> Result<&mut FileEntry, Errno> {
        match entry {
            Entry::File(f) => Ok(f),
            Entry::Dir(_) => Err(Errno::ISDIR),
            _ => Err(Errno::SPIPE),
        }
    }

    /// The directory at `fd`, if it has every right of `needed`.
    pub fn dir_with(&mut self, fd: u32, needed: u64) -> Result<&mut DirEntry, Errno> {
        // A file where a directory is needed is `ENOTDIR`, whatever its rights.
        if !matches!(self.get(fd)?, Entry::Dir(_)) {
            return Err(Errno::NOTDIR);
        }
        Self::as_dir(self.with_right(fd, needed)?)
    }

    fn as_dir(entry: &mut Entry) -> Result<&mut DirEntry, Errno> {
        match entry {
            Entry::Dir(d) => Ok(d),
            _ => Err(Errno::NOTDIR),
        }
    }
}
