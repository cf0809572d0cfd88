//! Symlinks a guest plants must not point out of its mount on the host, however it arranges
//! them: through a linked directory, by renaming a link or a directory holding one to a
//! shallower place, by hard-linking a link. And `path_readlink` never shows a link (a host
//! user's) that leads out of the mount.

use super::common::{call_i32, engines, instantiate};
use std::fs;
use std::path::{Component, Path, PathBuf};
use wasmux::wasi::{Mode, WasiCtx};
use wasmux::Module;

const ENOTCAPABLE: i32 = 76;

/// Strings at 1024 + 64·i; each export makes one call and returns its errno.
const STRINGS: [&str; 15] = [
    "..", "a/up", "../x", "a/up/l", "../../x", "a/b/l", "l2", "a/b", "c", "l3", "esc", "abs",
    "a/d", "a/b/m", "a/d/m",
];

fn s(text: &str) -> String {
    let i = STRINGS.iter().position(|&t| t == text).unwrap();
    format!("(i32.const {}) (i32.const {})", 1024 + 64 * i, text.len())
}

fn guest() -> Module {
    let data: String = STRINGS
        .iter()
        .enumerate()
        .map(|(i, t)| format!("(data (i32.const {}) \"{t}\")\n", 1024 + 64 * i))
        .collect();
    let symlink = |target: &str, link: &str| {
        format!("(call $symlink {} (i32.const 3) {})", s(target), s(link))
    };
    let rename = |from: &str, to: &str| {
        format!(
            "(call $rename (i32.const 3) {} (i32.const 3) {})",
            s(from),
            s(to)
        )
    };
    let readlink = |link: &str| {
        format!(
            "(call $readlink (i32.const 3) {} (i32.const 4096) (i32.const 256) (i32.const 100))",
            s(link)
        )
    };
    let text = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_link" (func $link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink" (func $readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  {data}
  (func (export "up_link") (result i32) {up_link})
  (func (export "escape_through_up") (result i32) {escape_through_up})
  (func (export "deep_link") (result i32) {deep_link})
  (func (export "deep_link_2") (result i32) {deep_link_2})
  (func (export "rename_link_up") (result i32) {rename_link_up})
  (func (export "rename_dir_up") (result i32) {rename_dir_up})
  (func (export "rename_dir_across") (result i32) {rename_dir_across})
  (func (export "hard_link_up") (result i32)
    (call $link (i32.const 3) (i32.const 0) {deep} (i32.const 3) {l3}))
  (func (export "readlink_deep") (result i32) {readlink_deep})
  (func (export "readlink_esc") (result i32) {readlink_esc})
  (func (export "readlink_abs") (result i32) {readlink_abs})
  (func (export "read_len") (result i32) (i32.load (i32.const 100)))
)"#,
        up_link = symlink("..", "a/up"),
        escape_through_up = symlink("../x", "a/up/l"),
        deep_link = symlink("../../x", "a/b/l"),
        deep_link_2 = symlink("../../x", "a/b/m"),
        rename_link_up = rename("a/b/l", "l2"),
        rename_dir_up = rename("a/b", "c"),
        rename_dir_across = rename("a/b", "a/d"),
        deep = s("a/b/m"),
        l3 = s("l3"),
        readlink_deep = readlink("a/d/m"),
        readlink_esc = readlink("esc"),
        readlink_abs = readlink("abs"),
    );
    Module::from_bytes("links.wat", text.as_bytes()).unwrap()
}

/// Where a link under `root` leads, read lexically from its directory; `None` when out.
fn lands_inside(root: &Path, link: &Path) -> bool {
    let target = fs::read_link(link).unwrap();
    let mut depth = link
        .parent()
        .unwrap()
        .strip_prefix(root)
        .unwrap()
        .components()
        .count() as i64;
    for c in target.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::ParentDir => depth -= 1,
            Component::CurDir => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

/// Every symlink under `root` except the host's own.
fn guest_links(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_symlink() {
                if !["esc", "abs"].contains(&path.file_name().unwrap().to_str().unwrap()) {
                    out.push(path);
                }
            } else if meta.is_dir() {
                todo.push(path);
            }
        }
    }
    out
}

#[test]
fn no_guest_symlink_points_out_of_its_mount_on_every_engine() {
    for engine in engines() {
        let root = tempfile::tempdir().unwrap();
        let d = root.path().join("mount");
        fs::create_dir_all(d.join("a/b")).unwrap();
        // A host user's links, out of the mount: the guest must not learn where they go.
        std::os::unix::fs::symlink("../outside", d.join("esc")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", d.join("abs")).unwrap();
        let ctx = WasiCtx::new().preopen_dir(&d, "/", Mode::Rw).unwrap();
        let mut g = instantiate(&engine, &guest(), ctx);
        let mut call = |export: &str| call_i32(&mut g, export, &[]);

        // `a/up -> ..` stays inside; a link made through it is where `a/up` leads, the root,
        // so `../x` from there would leave.
        assert_eq!(call("up_link"), 0, "{engine}");
        assert_eq!(call("escape_through_up"), ENOTCAPABLE, "{engine}");
        // `a/b/l -> ../../x` is the root's `x`: fine where it is, not one level up.
        assert_eq!(call("deep_link"), 0, "{engine}");
        assert_eq!(call("deep_link_2"), 0, "{engine}");
        assert_eq!(call("rename_link_up"), ENOTCAPABLE, "{engine}");
        assert_eq!(call("hard_link_up"), ENOTCAPABLE, "{engine}");
        // Nor may the directory holding it move up; to the same depth it may.
        assert_eq!(call("rename_dir_up"), ENOTCAPABLE, "{engine}");
        assert_eq!(call("rename_dir_across"), 0, "{engine}");
        assert!(d.join("a/d/l").is_symlink(), "{engine}");

        assert_eq!(call("readlink_esc"), ENOTCAPABLE, "{engine}");
        assert_eq!(call("readlink_abs"), ENOTCAPABLE, "{engine}");
        assert_eq!(call("readlink_deep"), 0, "{engine}");
        assert_eq!(call("read_len"), "../../x".len() as i32, "{engine}");

        let links = guest_links(&d);
        assert_eq!(links.len(), 3, "{engine}: {links:?}");
        for link in links {
            assert!(lands_inside(&d, &link), "{engine}: {}", link.display());
        }
    }
}
