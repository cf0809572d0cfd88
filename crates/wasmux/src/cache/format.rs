//! The bytes of a cache entry, which are also the bytes of an AOT file.
//!
//! All integers little-endian:
//! ```text
//! magic          8 bytes   "\0wasmux\x1a"
//! format         u32       FORMAT
//! 5 strings      u32 length + UTF-8 each: engine, version, target, settings digest, options
//! module         32 bytes  sha256 of the module as given
//! metadata_len   u64
//! artifact_len   u64
//! checksum       32 bytes  BLAKE3 of every byte before it, then of metadata and artifact
//! metadata       metadata_len bytes
//! artifact       artifact_len bytes
//! ```
//! The checksum covers the header too: a flipped bit anywhere is found before any field is
//! believed. It is BLAKE3 rather than sha256 because it is checked on every cached start, over
//! tens of megabytes for a large program, and BLAKE3 reads them several times faster.

use super::error::Rejection;
use super::key::{CacheKey, Entry};
use std::io::{self, Write};
use std::ops::Range;
use wasmux_core::ArtifactKey;

pub const MAGIC: &[u8; 8] = b"\0wasmux\x1a";
/// Raised whenever the layout changes; entries of another format are misses.
pub const FORMAT: u32 = 2;
/// Longest string field read; real ones are a few dozen bytes.
const MAX_STRING: usize = 64 * 1024;
const CHECKSUM_LEN: usize = 32;

/// A parsed header: the key it was written under and the sizes of what follows.
#[derive(Clone, Debug)]
pub struct Header {
    pub key: CacheKey,
    pub metadata_len: u64,
    pub artifact_len: u64,
}

/// Writes `key` and `entry` to `out`.
pub fn write(out: &mut impl Write, key: &CacheKey, entry: &Entry) -> io::Result<()> {
    let mut header = Vec::with_capacity(256);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&FORMAT.to_le_bytes());
    for field in strings(&key.engine, &key.options) {
        header.extend_from_slice(&(field.len() as u32).to_le_bytes());
        header.extend_from_slice(field.as_bytes());
    }
    header.extend_from_slice(&key.module_sha256);
    header.extend_from_slice(&(entry.metadata.len() as u64).to_le_bytes());
    header.extend_from_slice(&(entry.artifact.len() as u64).to_le_bytes());
    let checksum = checksum(&header, &entry.metadata, &entry.artifact);
    out.write_all(&header)?;
    out.write_all(&checksum)?;
    out.write_all(&entry.metadata)?;
    out.write_all(&entry.artifact)
}

fn strings<'a>(engine: &'a ArtifactKey, options: &'a str) -> [&'a str; 5] {
    [
        &engine.engine,
        &engine.version,
        &engine.target,
        &engine.config,
        options,
    ]
}

fn checksum(header: &[u8], metadata: &[u8], artifact: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(header);
    h.update(metadata);
    h.update(artifact);
    h.finalize().into()
}

/// The header at the start of `bytes`, and where the checksum in it starts. `bytes` may end
/// after the header: listing reads no more.
pub fn read_header(bytes: &[u8]) -> Result<(Header, usize), Rejection> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(MAGIC.len())? != MAGIC {
        return Err(Rejection::NotAnEntry);
    }
    let format = r.u32()?;
    if format != FORMAT {
        return Err(Rejection::Format { found: format });
    }
    let mut s = || r.string();
    let (engine, version, target, config, options) = (s()?, s()?, s()?, s()?, s()?);
    let module_sha256 = r.take(32)?.try_into().expect("32 bytes");
    let metadata_len = r.u64()?;
    let artifact_len = r.u64()?;
    let header = Header {
        key: CacheKey {
            module_sha256,
            options,
            engine: ArtifactKey {
                engine,
                version,
                target,
                config,
            },
        },
        metadata_len,
        artifact_len,
    };
    Ok((header, r.at))
}

/// The whole entry in `bytes`, its checksum verified.
/// The entry in `bytes`, its checksum verified: its key, and where its metadata and artifact
/// lie in `bytes`.
pub fn verify(bytes: &[u8]) -> Result<(CacheKey, Range<usize>, Range<usize>), Rejection> {
    let (header, header_len) = read_header(bytes)?;
    let payload_at = header_len + CHECKSUM_LEN;
    let expected = (payload_at as u64)
        .checked_add(header.metadata_len)
        .and_then(|n| n.checked_add(header.artifact_len))
        .ok_or(Rejection::Corrupt)?;
    let found = bytes.len() as u64;
    if found < expected {
        return Err(Rejection::Truncated { expected, found });
    }
    if found > expected {
        return Err(Rejection::TrailingBytes { expected, found });
    }
    let metadata_end = payload_at + header.metadata_len as usize;
    let (metadata, artifact) = (payload_at..metadata_end, metadata_end..bytes.len());
    let sum = checksum(
        &bytes[..header_len],
        &bytes[metadata.clone()],
        &bytes[artifact.clone()],
    );
    if sum[..] != bytes[header_len..payload_at] {
        return Err(Rejection::Corrupt);
    }
    Ok((header.key, metadata, artifact))
}

/// The whole entry in `bytes`, verified; the artifact stays where it was read, with no copy.
pub fn read_owned(mut bytes: Vec<u8>) -> Result<(CacheKey, Entry), Rejection> {
    let (key, metadata, artifact) = verify(&bytes)?;
    let metadata = bytes[metadata].to_vec();
    // Moved to the front within pages already read, rather than copied to new ones.
    bytes.drain(..artifact.start);
    Ok((
        key,
        Entry {
            metadata,
            artifact: bytes,
        },
    ))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Rejection> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(Rejection::Truncated {
                expected: (self.at as u64).saturating_add(n as u64),
                found: self.bytes.len() as u64,
            });
        };
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u32(&mut self) -> Result<u32, Rejection> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> Result<u64, Rejection> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn string(&mut self) -> Result<String, Rejection> {
        let at = self.at;
        let len = self.u32()? as usize;
        if len > MAX_STRING {
            return Err(Rejection::Malformed { offset: at });
        }
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Rejection::Malformed { offset: at })
    }
}
