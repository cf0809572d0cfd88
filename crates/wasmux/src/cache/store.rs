//! The cache directory: one file per entry, replaced whole, never edited in place.

use super::error::{CacheError, Rejection};
use super::format;
use super::key::{CacheKey, Entry};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) const ENTRY_EXTENSION: &str = "wxc";
/// Files being written start so; `clean` removes those a killed process left behind.
const TEMP_PREFIX: &str = ".tmp-";
/// Enough for any real header; listing reads no more of a file.
const HEADER_READ: u64 = 64 * 1024;

/// A directory of compiled modules, safe to share between processes.
#[derive(Clone, Debug)]
pub struct CompileCache {
    dir: PathBuf,
}

/// One file of the cache, as `list` sees it.
#[derive(Clone, Debug)]
pub struct ListedEntry {
    pub path: PathBuf,
    pub bytes: u64,
    /// The header, or why it cannot be read (the checksum is checked by `get` only).
    pub header: Result<format::Header, Rejection>,
}

/// How much a cache holds, or what `clean` removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheSize {
    pub files: u64,
    pub bytes: u64,
}

/// `$WASMUX_CACHE`, else `$XDG_CACHE_HOME/wasmux`, else `~/.cache/wasmux`. XDG asks that a
/// relative `XDG_CACHE_HOME` be ignored.
pub fn default_dir() -> Result<PathBuf, CacheError> {
    wasmux_core::dirs::user_dir("WASMUX_CACHE", "XDG_CACHE_HOME", &[".cache"])
        .ok_or(CacheError::NoDefaultDir)
}

impl CompileCache {
    /// The cache in `dir`. Nothing is touched until used: the directory is created by the
    /// first `put`, and a missing one reads as empty.
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        CompileCache { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path_of(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// The entry for `key`. `Ok(None)` if there is none; an entry that is corrupt, truncated,
    /// stale or written by another engine is `Err(CacheError::Rejected)` with the reason.
    /// Every `Err` is a miss: compile, then `put` replaces the entry.
    pub fn get(&self, key: &CacheKey) -> Result<Option<Entry>, CacheError> {
        let path = self.path_of(key);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if absent(&e) => return Ok(None),
            Err(source) => return Err(CacheError::Io { path, source }),
        };
        check(bytes, key)
            .map(Some)
            .map_err(|reason| CacheError::Rejected { path, reason })
    }

    /// [`CompileCache::get`] without reading the entry into memory: `use_entry` sees its
    /// metadata and code in place, in the file mapped read-only. A cached start reads tens of
    /// megabytes for a large program; mapping them spares a copy and the page faults of a
    /// fresh buffer.
    pub(crate) fn get_mapped<T>(
        &self,
        key: &CacheKey,
        use_entry: impl FnOnce(&[u8], &[u8]) -> T,
    ) -> Result<Option<T>, CacheError> {
        let path = self.path_of(key);
        let file = match fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if absent(&e) => return Ok(None),
            Err(source) => return Err(CacheError::Io { path, source }),
        };
        // SAFETY: entries are never written in place: `put` writes a new file and renames it
        // over the old one, so the mapped file keeps its contents while it is mapped. Only a
        // process truncating cache files by hand could change them under us, and the cache
        // directory is the user's own, as wasmtime's is.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|source| CacheError::Io {
            path: path.clone(),
            source,
        })?;
        let rejected = |reason| CacheError::Rejected {
            path: path.clone(),
            reason,
        };
        let (found, metadata, artifact) = format::verify(&map).map_err(rejected)?;
        matches_key(&found, key).map_err(rejected)?;
        Ok(Some(use_entry(&map[metadata], &map[artifact])))
    }

    /// Stores `entry` under `key`, replacing any entry there. Readers see the old file or the
    /// new one, never part of one. A cache that cannot be written gives an error with
    /// [`CacheError::is_unwritable`]: report it and carry on.
    pub fn put(&self, key: &CacheKey, entry: &Entry) -> Result<(), CacheError> {
        write_atomically(&self.dir, &key.file_name(), |f| {
            format::write(f, key, entry)
        })
    }

    /// Every entry file, with its header, in file name order.
    pub fn list(&self) -> Result<Vec<ListedEntry>, CacheError> {
        let mut listed = Vec::new();
        for (path, bytes) in self.files(|name| name.ends_with(&format!(".{ENTRY_EXTENSION}")))? {
            let mut head = Vec::new();
            File::open(&path)
                .and_then(|f| f.take(HEADER_READ).read_to_end(&mut head))
                .map_err(|source| CacheError::Io {
                    path: path.clone(),
                    source,
                })?;
            let header = format::read_header(&head).map(|(h, _)| h);
            listed.push(ListedEntry {
                path,
                bytes,
                header,
            });
        }
        Ok(listed)
    }

    /// Entry files and unfinished writes.
    pub fn size(&self) -> Result<CacheSize, CacheError> {
        let files = self.files(owned)?;
        Ok(CacheSize {
            files: files.len() as u64,
            bytes: files.iter().map(|(_, b)| b).sum(),
        })
    }

    /// Removes every entry file and unfinished write; other files in the directory stay, so a
    /// cache pointed at the wrong directory deletes nothing else.
    pub fn clean(&self) -> Result<CacheSize, CacheError> {
        let mut removed = CacheSize::default();
        for (path, bytes) in self.files(owned)? {
            match fs::remove_file(&path) {
                Ok(()) => {
                    removed.files += 1;
                    removed.bytes += bytes;
                }
                // Another process replaced or removed it meanwhile.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(CacheError::Io { path, source }),
            }
        }
        Ok(removed)
    }

    /// The regular files whose names `wanted` accepts, with their sizes, sorted by name.
    fn files(&self, wanted: impl Fn(&str) -> bool) -> Result<Vec<(PathBuf, u64)>, CacheError> {
        let io_error = |source| CacheError::Io {
            path: self.dir.clone(),
            source,
        };
        let dir = match fs::read_dir(&self.dir) {
            Ok(dir) => dir,
            Err(e) if absent(&e) => return Ok(Vec::new()),
            Err(e) => return Err(io_error(e)),
        };
        let mut files = Vec::new();
        for item in dir {
            let item = item.map_err(io_error)?;
            let name = item.file_name();
            if !wanted(&name.to_string_lossy()) {
                continue;
            }
            match item.metadata() {
                Ok(m) if m.is_file() => files.push((item.path(), m.len())),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(e)),
            }
        }
        files.sort();
        Ok(files)
    }
}

/// No such file, or a path through a regular file: nothing cached there.
fn absent(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

/// A file name the cache wrote: an entry, or an unfinished write.
fn owned(name: &str) -> bool {
    name.ends_with(&format!(".{ENTRY_EXTENSION}")) || name.starts_with(TEMP_PREFIX)
}

/// The entry in `bytes` if it is intact and was written under `key`.
pub(crate) fn check(bytes: Vec<u8>, key: &CacheKey) -> Result<Entry, Rejection> {
    let (found, entry) = format::read_owned(bytes)?;
    matches_key(&found, key)?;
    Ok(entry)
}

/// Whether an intact entry's key is `key`, and if not, how it differs.
fn matches_key(found: &CacheKey, key: &CacheKey) -> Result<(), Rejection> {
    if found.engine != key.engine {
        return Err(Rejection::Foreign {
            found: Box::new(found.engine.clone()),
            expected: Box::new(key.engine.clone()),
        });
    }
    if found.module_sha256 != key.module_sha256 {
        return Err(Rejection::Stale {
            what: "module bytes",
        });
    }
    if found.options != key.options {
        return Err(Rejection::Stale {
            what: "rewrite options",
        });
    }
    Ok(())
}

/// Writes `name` in `dir` through a temporary file in the same directory and a rename, so
/// that concurrent writers of one name each replace the file whole.
pub(crate) fn write_atomically(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut io::BufWriter<&File>) -> io::Result<()>,
) -> Result<(), CacheError> {
    let writing = |path: &Path, e| CacheError::writing(dir.to_path_buf(), path.to_path_buf(), e);
    fs::create_dir_all(dir).map_err(|e| writing(dir, e))?;
    let temp = dir.join(temp_name());
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(|e| writing(&temp, e))?;
    let written = (|| {
        let mut out = io::BufWriter::new(&file);
        fill(&mut out)?;
        out.flush()?;
        drop(out);
        // Space runs out at the flush to disk on some file systems, not at the write.
        file.sync_all()
    })();
    drop(file);
    let result = written
        .map_err(|e| writing(&temp, e))
        .and_then(|()| fs::rename(&temp, dir.join(name)).map_err(|e| writing(&temp, e)));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Unique among processes (pid) and threads and calls (counter), and across pid reuse (time).
fn temp_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{TEMP_PREFIX}{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
