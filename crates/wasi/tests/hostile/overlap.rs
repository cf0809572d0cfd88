//! Overlapping mounts: `D` mounted rw at `/`, `D/secrets` ro at `/secrets`, `D/free` rw at
//! `/free`. Every write path WASI has is tried on `secrets` through `/`, through a host
//! symlink to it, through `..`, and through its own mount, on every engine: each one gets
//! `EROFS` and the host tree is left as it was. The same calls on `free` (a control) succeed.

use super::common::{call_i32, engines};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use wasmux::wasi::{Mode, WasiCtx};
use wasmux::{Module, Runtime};

const EROFS: i32 = 69;
const EBUSY: i32 = 10;

/// The write calls, in an order in which each succeeds on a writable tree.
const CALLS: [&str; 18] = [
    "open_creat",
    "open_trunc",
    "open_write",
    "open_append",
    "fd_write",
    "fd_pwrite",
    "fd_allocate",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "path_filestat_set_times",
    "path_create_directory",
    "path_remove_directory",
    "rename_from",
    "rename_to",
    "link_from",
    "link_to",
    "path_symlink",
    "path_unlink_file",
];

/// A guest whose exports each make one write call on `prefix`-paths below `fd`; the other
/// end of a rename or link is a plain file of `/` (fd 3). Paths live at 1024 + 64·i.
fn guest(fd: u32, prefix: &str) -> Module {
    let names = [
        "planted", "existing", "newdir", "sub", "renamed", "linked", "sym",
    ];
    let plain = ["outside", "moved", "outside2", "linked_out", "x"];
    let mut data = String::new();
    let mut at = BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        let path = format!("{prefix}{name}");
        let offset = 1024 + 64 * i;
        data.push_str(&format!("(data (i32.const {offset}) \"{path}\")\n"));
        at.insert(*name, (offset, path.len()));
    }
    for (i, name) in plain.iter().enumerate() {
        let offset = 1024 + 64 * (names.len() + i);
        data.push_str(&format!("(data (i32.const {offset}) \"{name}\")\n"));
        at.insert(*name, (offset, name.len()));
    }
    let p = |name: &str| {
        let (o, l) = at[name];
        format!("(i32.const {o}) (i32.const {l})")
    };
    let open = |name: &str, oflags: u32, rights: i64, fdflags: u32| {
        format!(
            "(call $path_open (i32.const {fd}) (i32.const 0) {} (i32.const {oflags}) \
             (i64.const {rights}) (i64.const 0) (i32.const {fdflags}) (i32.const 100))",
            p(name)
        )
    };
    // Opens `existing` for writing, then makes the call on the new descriptor.
    let on_fd = |call: &str| {
        format!(
            "(local $e i32) (local.set $e {}) (if (local.get $e) (then (return (local.get $e)))) {call}",
            open("existing", 0, -1, 0)
        )
    };
    let fd_new = "(i32.load (i32.const 100))";
    let text = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_allocate" (func $fd_allocate (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $fd_set_size (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_times" (func $fd_set_times (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times" (func $path_set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory" (func $rmdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_link" (func $link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 200) "\2c\01\00\00\04\00\00\00")
  (data (i32.const 300) "evil")
  (data (i32.const 900) "secrets")
  (data (i32.const 920) "free")
  {data}
  (func (export "open_creat") (result i32) {creat})
  (func (export "open_trunc") (result i32) {trunc})
  (func (export "open_write") (result i32) {write})
  (func (export "open_append") (result i32) {append})
  (func (export "fd_write") (result i32) {fd_write})
  (func (export "fd_pwrite") (result i32) {fd_pwrite})
  (func (export "fd_allocate") (result i32) {fd_allocate})
  (func (export "fd_filestat_set_size") (result i32) {fd_set_size})
  (func (export "fd_filestat_set_times") (result i32) {fd_set_times})
  (func (export "path_filestat_set_times") (result i32)
    (call $path_set_times (i32.const {fd}) (i32.const 0) {existing} (i64.const 0) (i64.const 0) (i32.const 10)))
  (func (export "path_create_directory") (result i32) (call $mkdir (i32.const {fd}) {newdir}))
  (func (export "path_remove_directory") (result i32) (call $rmdir (i32.const {fd}) {sub}))
  (func (export "rename_from") (result i32) (call $rename (i32.const {fd}) {existing} (i32.const 3) {moved}))
  (func (export "rename_to") (result i32) (call $rename (i32.const 3) {outside} (i32.const {fd}) {renamed}))
  (func (export "link_from") (result i32) (call $link (i32.const {fd}) (i32.const 0) {planted} (i32.const 3) {linked_out}))
  (func (export "link_to") (result i32) (call $link (i32.const 3) (i32.const 0) {outside2} (i32.const {fd}) {linked}))
  (func (export "path_symlink") (result i32) (call $symlink {x} (i32.const {fd}) {sym}))
  (func (export "path_unlink_file") (result i32) (call $unlink (i32.const {fd}) {planted}))
  (func (export "remove_mount_root") (result i32) (call $rmdir (i32.const 3) (i32.const 920) (i32.const 4)))
  (func (export "rename_mount_root") (result i32)
    (call $rename (i32.const 3) (i32.const 920) (i32.const 4) (i32.const 3) {moved}))
)"#,
        creat = open("planted", 1, 0, 0),
        trunc = open("existing", 8, 0, 0),
        write = open("existing", 0, 64, 0),
        append = open("existing", 0, 0, 1),
        fd_write = on_fd(&format!(
            "(call $fd_write {fd_new} (i32.const 200) (i32.const 1) (i32.const 104))"
        )),
        fd_pwrite = on_fd(&format!(
            "(call $fd_pwrite {fd_new} (i32.const 200) (i32.const 1) (i64.const 0) (i32.const 104))"
        )),
        fd_allocate = on_fd(&format!(
            "(call $fd_allocate {fd_new} (i64.const 0) (i64.const 8192))"
        )),
        fd_set_size = on_fd(&format!("(call $fd_set_size {fd_new} (i64.const 1))")),
        fd_set_times = on_fd(&format!(
            "(call $fd_set_times {fd_new} (i64.const 0) (i64.const 0) (i32.const 10))"
        )),
        existing = p("existing"),
        newdir = p("newdir"),
        sub = p("sub"),
        moved = p("moved"),
        outside = p("outside"),
        renamed = p("renamed"),
        linked_out = p("linked_out"),
        outside2 = p("outside2"),
        linked = p("linked"),
        x = p("x"),
        sym = p("sym"),
        planted = p("planted"),
    );
    Module::from_bytes("overlap.wat", text.as_bytes()).unwrap()
}

/// Every path below `dir` with what it is: size, modification time, link target.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let what = if meta.is_symlink() {
                format!("-> {}", fs::read_link(&path).unwrap().display())
            } else {
                format!("{} bytes, {:?}", meta.len(), meta.modified().unwrap())
            };
            if meta.is_dir() {
                todo.push(path.clone());
            }
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            out.insert(name, what);
        }
    }
    out
}

fn tree() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    for part in ["secrets", "free"] {
        fs::create_dir_all(d.join(part).join("sub")).unwrap();
        fs::write(d.join(part).join("existing"), "original").unwrap();
        fs::write(d.join(part).join("planted"), "already there").unwrap();
    }
    fs::write(d.join("outside"), "o").unwrap();
    fs::write(d.join("outside2"), "o2").unwrap();
    std::os::unix::fs::symlink("secrets", d.join("link")).unwrap();
    root
}

fn runtime(engine: &str, d: &Path) -> Runtime {
    let ctx = WasiCtx::new()
        .preopen_dir(d, "/", Mode::Rw)
        .unwrap()
        .preopen_dir(d.join("secrets"), "/secrets", Mode::Ro)
        .unwrap()
        .preopen_dir(d.join("free"), "/free", Mode::Rw)
        .unwrap();
    Runtime::builder()
        .engine(engine)
        .wasi_shared(ctx)
        .build()
        .unwrap()
}

#[test]
fn read_only_holds_through_every_overlapping_path_on_every_engine() {
    // (fd, prefix): `/` then the path, a host symlink to secrets, `..`, the ro mount itself.
    let routes = [
        (3, "secrets/"),
        (3, "link/"),
        (3, "free/../secrets/"),
        (4, ""),
    ];
    for engine in engines() {
        for (fd, prefix) in routes {
            let root = tree();
            let before = snapshot(root.path());
            let mut instance = runtime(&engine, root.path())
                .instantiate(&guest(fd, prefix))
                .unwrap();
            for call in CALLS {
                let e = call_i32(&mut instance, call, &[]);
                assert_eq!(e, EROFS, "{engine} fd {fd} {prefix:?}: {call}");
            }
            assert_eq!(snapshot(root.path()), before, "{engine} {prefix:?}");
        }
    }
}

/// The control: the same calls on a writable mount reached the same ways all succeed, so the
/// refusals above are the mounts' doing, not broken calls.
#[test]
fn the_same_calls_succeed_where_the_deciding_mount_is_writable() {
    for engine in engines() {
        for (fd, prefix) in [(3, "free/"), (5, ""), (3, "secrets/../free/")] {
            let root = tree();
            let mut instance = runtime(&engine, root.path())
                .instantiate(&guest(fd, prefix))
                .unwrap();
            for call in CALLS {
                assert_eq!(
                    call_i32(&mut instance, call, &[]),
                    0,
                    "{engine} {prefix:?}: {call}"
                );
            }
            assert_eq!(
                fs::read_to_string(root.path().join("free/existing")).ok(),
                None,
                "{engine}: renamed away"
            );
        }
    }
}

#[test]
fn a_mount_root_cannot_be_removed_or_moved_through_another_mount() {
    for engine in engines() {
        let root = tree();
        let before = snapshot(root.path());
        // `free` is the root of a writable mount; `/`, the mount above it, is writable too.
        let mut instance = runtime(&engine, root.path())
            .instantiate(&guest(3, ""))
            .unwrap();
        assert_eq!(
            call_i32(&mut instance, "remove_mount_root", &[]),
            EBUSY,
            "{engine}"
        );
        assert_eq!(
            call_i32(&mut instance, "rename_mount_root", &[]),
            EBUSY,
            "{engine}"
        );
        assert_eq!(snapshot(root.path()), before, "{engine}");
    }
}
