//! Caches that cannot be written, and several writers at once.

use super::*;
use wasmux::CacheError;

#[test]
fn a_cache_under_a_regular_file_cannot_be_written_and_reads_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "not a directory").unwrap();
    let cache = CompileCache::open(file.join("cache"));
    let (key, entry) = fib_entry(engine("wasmtime").as_ref());
    let err = cache.put(&key, &entry).unwrap_err();
    assert!(matches!(err, CacheError::Unwritable { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("cannot write to the compile cache"),
        "{err}"
    );
    assert_eq!(cache.get(&key).unwrap(), None);
    assert!(cache.list().unwrap().is_empty());
}

/// Permission bits do not stop root, so as root this test has nothing to show; the test
/// above covers a directory that cannot be written by anyone.
#[test]
fn a_read_only_cache_directory_cannot_be_written() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: a plain system call.
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("skipped: running as root, which permission bits do not stop");
        return;
    }
    let (_d, cache) = temp_cache();
    std::fs::create_dir(cache.dir()).unwrap();
    std::fs::set_permissions(cache.dir(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let (key, entry) = fib_entry(engine("wasmtime").as_ref());
    let err = cache.put(&key, &entry).unwrap_err();
    assert!(matches!(err, CacheError::Unwritable { .. }), "{err:?}");
    assert_eq!(cache.get(&key).unwrap(), None);
}

#[test]
fn a_full_disk_fails_the_write_and_leaves_nothing_behind() {
    let (_d, cache) = temp_cache();
    std::fs::create_dir(cache.dir()).unwrap();
    child::finish(child::spawn("fill-under-size-limit", cache.dir()));
    assert_eq!(cache.size().unwrap().files, 0, "a partial file is left");
    assert_eq!(
        std::fs::read_dir(cache.dir()).unwrap().count(),
        0,
        "a temporary file is left"
    );
}

#[test]
fn two_processes_filling_one_entry_leave_a_valid_entry() {
    let (_d, cache) = temp_cache();
    std::fs::create_dir(cache.dir()).unwrap();
    let engine = engine("wasmtime");
    let (key, _) = fib_entry(engine.as_ref());
    let children = [
        child::spawn("fill", cache.dir()),
        child::spawn("fill", cache.dir()),
    ];
    // Meanwhile every read sees a whole entry or none, never a torn one.
    let mut hits = 0;
    let mut children = children.map(Some);
    while children.iter().flatten().count() > 0 {
        for slot in children.iter_mut() {
            if let Some(c) = slot {
                if c.try_wait().unwrap().is_some() {
                    child::finish(slot.take().unwrap());
                }
            }
        }
        if let Some(entry) = cache.get(&key).unwrap() {
            hits += 1;
            assert_eq!(entry.metadata, b"facade metadata");
        }
    }
    let entry = cache
        .get(&key)
        .unwrap()
        .expect("an entry after both writers");
    let loaded = engine.deserialize(&entry.artifact).unwrap();
    assert_eq!(
        call_fib(engine.as_ref(), loaded.as_ref(), None, 20),
        vec![Val::I32(6765)]
    );
    assert_eq!(cache.size().unwrap().files, 1, "temporary files are left");
    eprintln!("{hits} reads hit while the children wrote");
}
