//! Files and directories through preopened mounts, on every engine.

mod common;
use common::*;
use std::fs;
use wasmux::wasi::Mode;

#[test]
fn files_and_directories_behave_the_same_everywhere() {
    let root = tempfile::tempdir().unwrap();
    let (data, tmp) = (root.path().join("data"), root.path().join("tmp"));
    fs::create_dir_all(&data).unwrap();
    fs::create_dir_all(&tmp).unwrap();
    fs::write(data.join("input.txt"), "read me").unwrap();
    let out = run_everywhere("files", |ctx| {
        ctx.preopen_dir(&tmp, "/tmp", Mode::Rw)
            .unwrap()
            .preopen_dir(&data, "/data", Mode::Ro)
            .unwrap()
    });
    assert_eq!(out.status, Ok(0), "{out:?}");
    let expected = "\
input: \"read me\"
data: [\"input.txt\"]
position: 12
tail: \"WASI!\\n\"
whole: \"hello, WASI!\\n\"
stat: len 5 file true dir false
modified set: true
tmp: [\"d/\"]
tmp/d: [\"b.txt\", \"e/\"]
renamed: \"hello\"
remove non-empty dir: errno 55
open missing: errno 44
create_new existing: errno 20
tmp after cleanup: []
many: 150
ro create: errno 69
ro write: errno 69
ro append: errno 69
ro mkdir: errno 69
ro unlink: errno 69
ro rename: errno 69
ro rename out: errno 69
ro hard link out: errno 69
data after: [\"input.txt\"]
";
    assert_eq!(out.stdout, expected);
    // The host sees what the guest left: the read-only input untouched, nothing in /tmp.
    assert_eq!(
        fs::read_to_string(data.join("input.txt")).unwrap(),
        "read me"
    );
    assert_eq!(fs::read_dir(&tmp).unwrap().count(), 0);
}

#[test]
fn a_missing_host_directory_is_refused_before_the_guest_starts() {
    let err = wasmux::wasi::WasiCtx::new()
        .preopen_dir("/definitely/not/here", "/data", Mode::Ro)
        .unwrap_err();
    assert!(err.to_string().contains("/definitely/not/here"), "{err}");
}
