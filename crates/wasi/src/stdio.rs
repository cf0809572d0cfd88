//! Where a guest's stdin, stdout and stderr go.

use crate::abi::filetype;
use crate::sys::{self, Waitable};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};

/// One standard stream of a guest.
#[derive(Debug, Default)]
pub enum Stdio {
    /// The host process's own stream.
    Inherit,
    /// Reads see end of file; writes are discarded.
    #[default]
    Null,
    /// A host file, opened by the embedder.
    File(File),
    /// An in-memory buffer shared with the embedder: input to read, or output to inspect.
    Pipe(Pipe),
}

/// An in-memory byte stream, cheap to clone: clones share the bytes. Reads consume from the
/// front, writes append at the end.
#[derive(Clone, Debug, Default)]
pub struct Pipe(Arc<Mutex<VecDeque<u8>>>);

impl Pipe {
    pub fn new() -> Self {
        Pipe::default()
    }

    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Pipe(Arc::new(Mutex::new(bytes.into().into())))
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<u8>> {
        // A poisoned lock still holds valid bytes: the stream must keep working.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The bytes not yet read.
    pub fn contents(&self) -> Vec<u8> {
        self.lock().iter().copied().collect()
    }

    pub fn contents_string(&self) -> String {
        String::from_utf8_lossy(&self.contents()).into_owned()
    }
}

/// Which standard stream an [`Stdio::Inherit`] stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdStream {
    In,
    Out,
    Err,
}

impl Stdio {
    /// The WASI file type a guest sees: a character device for a terminal (so that the guest's
    /// `isatty` is true exactly when the host's is), else unknown, as wasmtime reports.
    pub(crate) fn filetype(&self, which: StdStream) -> u8 {
        use std::io::IsTerminal;
        let tty = match (self, which) {
            (Stdio::Inherit, StdStream::In) => io::stdin().is_terminal(),
            (Stdio::Inherit, StdStream::Out) => io::stdout().is_terminal(),
            (Stdio::Inherit, StdStream::Err) => io::stderr().is_terminal(),
            _ => false,
        };
        if tty {
            filetype::CHARACTER_DEVICE
        } else {
            filetype::UNKNOWN
        }
    }

    /// The host descriptor a read or write may have to wait on; `None` for in-memory and
    /// null streams, which never wait (and, on Windows, for what cannot be waited on: see
    /// `sys`).
    pub(crate) fn host_fd(&self, which: StdStream) -> Option<Waitable<'_>> {
        match self {
            Stdio::Inherit => sys::std_stream(which),
            Stdio::File(f) => sys::file(f),
            _ => None,
        }
    }

    /// Reads what is there; `WouldBlock` when a host stream has nothing yet, so that the
    /// caller waits without blocking (the host's stdin is shared with other processes and
    /// cannot be switched to non-blocking mode itself).
    pub(crate) fn read(&mut self, which: StdStream, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(fd) = self.host_fd(which) {
            if !crate::funcs::ready(fd, crate::funcs::Want::Read)? {
                return Err(io::ErrorKind::WouldBlock.into());
            }
        }
        match self {
            Stdio::Inherit if which == StdStream::In => sys::read_stdin(buf),
            Stdio::Inherit | Stdio::Null => Ok(0),
            Stdio::File(f) => f.read(buf),
            Stdio::Pipe(p) => {
                let mut q = p.lock();
                let n = buf.len().min(q.len());
                for (dst, src) in buf.iter_mut().zip(q.drain(..n)) {
                    *dst = src;
                }
                Ok(n)
            }
        }
    }

    pub(crate) fn write(&mut self, which: StdStream, data: &[u8]) -> io::Result<usize> {
        match self {
            Stdio::Inherit => match which {
                StdStream::Err => io::stderr().write_all(data),
                _ => {
                    let mut out = io::stdout().lock();
                    out.write_all(data).and_then(|_| out.flush())
                }
            }
            .map(|_| data.len()),
            Stdio::Null => Ok(data.len()),
            Stdio::File(f) => f.write_all(data).map(|_| data.len()),
            Stdio::Pipe(p) => {
                p.lock().extend(data);
                Ok(data.len())
            }
        }
    }
}
