//! The descriptor table: what each guest fd stands for.

use crate::errno::Errno;
use crate::live::MountState;
use crate::stdio::{StdStream, Stdio};
use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

/// A directory the guest reaches, with what it may do there.
#[derive(Debug)]
pub struct DirEntry {
    pub dir: cap_std::fs::Dir,
    /// The guest path of a preopened directory (what `fd_prestat_dir_name` reports).
    pub preopen: Option<String>,
    /// The mount this directory is reached through; its mode can change while running.
    pub mount: Arc<MountState>,
}

#[derive(Debug)]
pub struct FileEntry {
    pub file: std::fs::File,
    pub readable: bool,
    pub writable: bool,
    pub append: bool,
    /// The mount the file was opened below: while it is read-only, every change is refused,
    /// metadata included.
    pub mount: Arc<MountState>,
}

#[derive(Debug)]
pub enum Entry {
    Stdio(StdStream, Stdio),
    File(FileEntry),
    Dir(DirEntry),
    Listener(TcpListener),
    Socket(TcpStream),
}

/// Guest fds; 0, 1 and 2 are the standard streams, preopens follow from 3 in order.
#[derive(Debug, Default)]
pub struct Table {
    entries: BTreeMap<u32, Entry>,
}

/// More descriptors than this and `path_open` says `EMFILE`-like `NFILE`: a guest cannot make
/// the host exhaust its own descriptors.
pub const MAX_FDS: usize = 4096;

impl Table {
    pub fn insert_at(&mut self, fd: u32, entry: Entry) -> Option<Entry> {
        self.entries.insert(fd, entry)
    }

    /// Puts an entry at the lowest free fd.
    pub fn push(&mut self, entry: Entry) -> Result<u32, Errno> {
        if self.entries.len() >= MAX_FDS {
            return Err(Errno(41)); // nfile
        }
        let mut fd = 0;
        while self.entries.contains_key(&fd) {
            fd += 1;
        }
        self.entries.insert(fd, entry);
        Ok(fd)
    }

    pub fn get(&mut self, fd: u32) -> Result<&mut Entry, Errno> {
        self.entries.get_mut(&fd).ok_or(Errno::BADF)
    }

    pub fn remove(&mut self, fd: u32) -> Result<Entry, Errno> {
        self.entries.remove(&fd).ok_or(Errno::BADF)
    }

    pub fn contains(&self, fd: u32) -> bool {
        self.entries.contains_key(&fd)
    }

    pub fn file(&mut self, fd: u32) -> Result<&mut FileEntry, Errno> {
        match self.get(fd)? {
            Entry::File(f) => Ok(f),
            Entry::Dir(_) => Err(Errno::ISDIR),
            _ => Err(Errno::SPIPE),
        }
    }

    pub fn dir(&mut self, fd: u32) -> Result<&mut DirEntry, Errno> {
        match self.get(fd)? {
            Entry::Dir(d) => Ok(d),
            _ => Err(Errno::NOTDIR),
        }
    }
}
