//! This test binary run again as a child process, for what needs a second process: a second
//! writer, or a process-wide resource limit.

use super::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};

const ROLE: &str = "WASMUX_CACHE_TEST_ROLE";
const DIR: &str = "WASMUX_CACHE_TEST_DIR";
const DONE: &str = "child done";

/// Starts this binary running only [`entry_point`], in `role`, on the cache in `dir`.
pub fn spawn(role: &str, dir: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child::entry_point",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, role)
        .env(DIR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `child` and checks it did its part.
pub fn finish(child: Child) {
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(DONE),
        "child failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Does nothing in a normal test run.
#[test]
fn entry_point() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let cache = CompileCache::open(std::env::var_os(DIR).unwrap());
    match role.as_str() {
        "fill" => fill(&cache),
        "fill-under-size-limit" => fill_under_size_limit(&cache),
        other => panic!("unknown role {other}"),
    }
    println!("{DONE}");
}

/// Writes fib's wasmtime entry again and again, to overlap with another writer.
fn fill(cache: &CompileCache) {
    let (key, entry) = fib_entry(engine("wasmtime").as_ref());
    for _ in 0..40 {
        cache.put(&key, &entry).unwrap();
    }
}

/// Writes an entry larger than the file size limit this process sets on itself.
fn fill_under_size_limit(cache: &CompileCache) {
    let (key, mut entry) = fib_entry(engine("wasmtime").as_ref());
    entry.metadata = vec![7; 64 * 1024];
    let limit = libc::rlimit {
        rlim_cur: 4096,
        rlim_max: 4096,
    };
    // SAFETY: plain system calls on this process; writing past the limit then fails with
    // EFBIG instead of killing the process with SIGXFSZ.
    unsafe {
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
        assert_ne!(libc::signal(libc::SIGXFSZ, libc::SIG_IGN), libc::SIG_ERR);
    }
    let err = cache.put(&key, &entry).unwrap_err();
    assert!(
        matches!(err, wasmux::CacheError::Full { .. }) && err.is_unwritable(),
        "{err:?}"
    );
    println!("put refused: {err}");
}
