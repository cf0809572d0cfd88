//! The content-addressed store: module bytes in files named by their sha256. A blob is
//! written whole or not at all (temporary file, fsync, rename, fsync of the directory), and
//! never edited in place, so a reader sees a complete file or none.

use crate::error::{Error, Result};
use crate::failpoint;
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A sha256 as 64 lowercase hex digits: the blob's name and the index's key.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn is_digest(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[derive(Clone, Debug)]
pub struct BlobStore {
    dir: PathBuf,
}

/// What reading a blob back found.
#[derive(Debug, PartialEq, Eq)]
pub enum BlobState {
    Intact,
    Missing,
    /// The bytes hash to this other digest.
    Corrupt(String),
}

impl BlobStore {
    pub fn new(dir: PathBuf) -> BlobStore {
        BlobStore { dir }
    }

    fn sha_dir(&self) -> PathBuf {
        self.dir.join("sha256")
    }

    fn tmp_dir(&self) -> PathBuf {
        self.dir.join("tmp")
    }

    /// Sharded by the first two hex digits, so no directory holds more than a few hundred
    /// files per hundred thousand blobs.
    pub fn path_of(&self, digest: &str) -> PathBuf {
        self.sha_dir().join(&digest[..2]).join(digest)
    }

    /// Stores `bytes` and returns their digest. Storing bytes that are already there only
    /// checks them; a damaged copy is replaced by the good one.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let digest = digest(bytes);
        let path = self.path_of(&digest);
        if self.state(&digest)? == BlobState::Intact {
            return Ok(digest);
        }
        let tmp_dir = self.tmp_dir();
        let shard = path.parent().expect("a blob path has a shard directory");
        for dir in [&tmp_dir, &shard.to_path_buf()] {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let temp = tmp_dir.join(temp_name());
        let written = (|| {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            file.write_all(bytes)?;
            // The bytes reach the disk before the name does: a crash after the rename must
            // not leave a named blob with a hole in it.
            file.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(Error::io(&temp, e));
        }
        failpoint::hit("blob-temp-written");
        if let Err(e) = fs::rename(&temp, &path) {
            let _ = fs::remove_file(&temp);
            return Err(Error::io(&path, e));
        }
        // The rename itself is durable once the directory is synced; the shard's own entry in
        // sha256/ too, for a shard made just now.
        sync_dir(shard)?;
        sync_dir(&self.sha_dir())?;
        failpoint::hit("blob-renamed");
        Ok(digest)
    }

    /// The bytes stored under `digest`, checked against it.
    pub fn get(&self, digest: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path_of(digest);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        Ok(Some(bytes))
    }

    /// Reads the blob back and re-hashes it.
    pub fn state(&self, digest: &str) -> Result<BlobState> {
        Ok(match self.get(digest)? {
            None => BlobState::Missing,
            Some(bytes) => {
                let found = self::digest(&bytes);
                if found == digest {
                    BlobState::Intact
                } else {
                    BlobState::Corrupt(found)
                }
            }
        })
    }

    /// Every stored digest, sorted; files that are not blobs are ignored.
    pub fn list(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for shard in read_dir(&self.sha_dir())? {
            if shard.is_dir() {
                for file in read_dir(&shard)? {
                    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
                    if let Some(name) = name.filter(|n| is_digest(n)) {
                        out.push(name);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Size on disk of a blob, 0 when missing.
    pub fn size(&self, digest: &str) -> u64 {
        fs::metadata(self.path_of(digest)).map_or(0, |m| m.len())
    }

    pub fn remove(&self, digest: &str) -> Result<()> {
        let path = self.path_of(digest);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    /// Unfinished writes a killed process left behind, with their sizes.
    pub fn temp_files(&self) -> Result<Vec<(PathBuf, u64)>> {
        Ok(read_dir(&self.tmp_dir())?
            .into_iter()
            .map(|p| {
                let len = fs::metadata(&p).map_or(0, |m| m.len());
                (p, len)
            })
            .collect())
    }
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        out.push(entry.map_err(|e| Error::io(dir, e))?.path());
    }
    out.sort();
    Ok(out)
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

/// Unique among processes (pid) and calls (counter), and across pid reuse (time).
fn temp_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        ".tmp-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
