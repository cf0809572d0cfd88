//! Entries that must not reach an engine: each is a miss with its reason, and the next `put`
//! replaces it.

use super::*;
use std::fs;
use wasmux::{CacheError, Rejection};

/// A cache holding fib compiled by `name`, and the entry's path.
fn filled(
    name: &str,
) -> (
    tempfile::TempDir,
    CompileCache,
    CacheKey,
    Entry,
    std::path::PathBuf,
) {
    let (dir, cache) = temp_cache();
    let (key, entry) = fib_entry(engine(name).as_ref());
    cache.put(&key, &entry).unwrap();
    let path = cache.path_of(&key);
    (dir, cache, key, entry, path)
}

fn rejection(cache: &CompileCache, key: &CacheKey) -> Rejection {
    match cache.get(key) {
        Err(CacheError::Rejected { reason, .. }) => reason,
        other => panic!("expected a rejected entry, got {other:?}"),
    }
}

/// After a rejection, compiling again and `put` leave a good entry.
fn replaced(cache: &CompileCache, key: &CacheKey, entry: &Entry) {
    cache.put(key, entry).unwrap();
    assert_eq!(cache.get(key).unwrap().as_ref(), Some(entry));
}

fn flip(path: &std::path::Path, at: impl FnOnce(usize) -> usize) {
    let mut bytes = fs::read(path).unwrap();
    let i = at(bytes.len());
    bytes[i] ^= 0x20;
    fs::write(path, bytes).unwrap();
}

#[test]
fn a_corrupted_byte_in_the_header_is_a_miss() {
    let (_d, cache, key, entry, path) = filled("wasmtime");
    // Inside the engine name, the first string after magic, format and its length.
    flip(&path, |_| 8 + 4 + 4 + 2);
    assert_eq!(rejection(&cache, &key), Rejection::Corrupt);
    replaced(&cache, &key, &entry);

    flip(&path, |_| 0);
    assert_eq!(rejection(&cache, &key), Rejection::NotAnEntry);
    replaced(&cache, &key, &entry);

    // The format number (2, with a bit flipped: 34).
    flip(&path, |_| 8);
    assert!(matches!(
        rejection(&cache, &key),
        Rejection::Format { found: 34 }
    ));
    replaced(&cache, &key, &entry);
}

#[test]
fn a_corrupted_byte_in_the_payload_is_a_miss() {
    let (_d, cache, key, entry, path) = filled("wasmer");
    flip(&path, |len| len - 100);
    assert_eq!(rejection(&cache, &key), Rejection::Corrupt);
    replaced(&cache, &key, &entry);
}

#[test]
fn a_truncated_entry_is_a_miss() {
    let (_d, cache, key, entry, path) = filled("wasmtime:pulley");
    let bytes = fs::read(&path).unwrap();
    for keep in [bytes.len() - 1, bytes.len() / 2, 30, 3, 0] {
        fs::write(&path, &bytes[..keep]).unwrap();
        let reason = rejection(&cache, &key);
        assert!(
            matches!(reason, Rejection::Truncated { found, .. } if found == keep as u64),
            "{keep} bytes: {reason}"
        );
    }
    replaced(&cache, &key, &entry);
}

#[test]
fn an_entry_of_another_engine_variant_renamed_into_place_is_a_miss() {
    let (_d, cache, key, entry, path) = filled("wasmtime");
    let (winch_key, winch_entry) = fib_entry(engine("wasmtime:winch").as_ref());
    cache.put(&winch_key, &winch_entry).unwrap();
    fs::rename(cache.path_of(&winch_key), &path).unwrap();
    let reason = rejection(&cache, &key);
    assert_eq!(
        reason,
        Rejection::Foreign {
            found: Box::new(winch_key.engine.clone()),
            expected: Box::new(key.engine.clone())
        }
    );
    let message = reason.to_string();
    assert!(
        message.starts_with("compiled for wasmtime:winch "),
        "{message}"
    );
    assert!(message.contains("; this is wasmtime "), "{message}");
    replaced(&cache, &key, &entry);
}

#[test]
fn an_entry_for_other_module_bytes_or_options_is_stale() {
    let (_d, cache, key, entry, path) = filled("wasmtime");
    let other = CacheKey {
        options: "Options { fuel: true }".into(),
        ..key.clone()
    };
    fs::copy(&path, cache.path_of(&other)).unwrap();
    assert_eq!(
        rejection(&cache, &other),
        Rejection::Stale {
            what: "rewrite options"
        }
    );
    let other = CacheKey::new(b"\0asm\x01\0\0\0", key.options.clone(), key.engine.clone());
    fs::copy(&path, cache.path_of(&other)).unwrap();
    assert_eq!(
        rejection(&cache, &other),
        Rejection::Stale {
            what: "module bytes"
        }
    );
    assert_eq!(cache.get(&key).unwrap(), Some(entry));
}

#[test]
fn clean_removes_only_what_the_cache_wrote() {
    let (_d, cache, _key, _entry, _path) = filled("wasmtime");
    let mine = cache.dir().join("notes.txt");
    fs::write(&mine, "keep me").unwrap();
    fs::write(cache.dir().join(".tmp-1-2-3"), "left by a killed writer").unwrap();
    let size = cache.size().unwrap();
    assert_eq!(size.files, 2);
    assert_eq!(cache.clean().unwrap(), size);
    assert!(mine.exists());
    assert!(cache.list().unwrap().is_empty());
}
