//! Publishing: manifests, idempotence, conflicts and the publish policy.

use super::{adder, Fixture};
use wasmux_registry::{ErrorKind, PackageName, PackageRef, PublishPolicy};

#[test]
fn a_published_release_is_listed_and_described() {
    let mut f = Fixture::fresh();
    f.publish("acme/math", "1.2.0", &[]);
    let list = f.reg.list().unwrap();
    assert_eq!(list.len(), 1);
    let r = &list[0];
    assert_eq!(r.id(), "acme/math@1.2.0");
    assert_eq!(r.entry.as_deref(), Some("add"));
    assert_eq!(r.license, "MIT");
    let bytes = f.reg.module_bytes(r).unwrap();
    assert_eq!(wasmux_registry::digest(&bytes), r.digest);
    assert!(
        bytes.starts_with(b"\0asm"),
        "a .wat module is stored compiled"
    );
    let info = f
        .reg
        .info(&PackageRef::parse("acme/math@^1").unwrap())
        .unwrap();
    assert_eq!(info.len(), 1);
    let missing = f
        .reg
        .info(&PackageRef::parse("acme/none").unwrap())
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[test]
fn the_same_bytes_again_are_idempotent_and_other_bytes_are_refused() {
    let mut f = Fixture::fresh();
    let dir = f.package("acme/math", "1.0.0", &[], &adder(1));
    let first = f
        .reg
        .publish(&dir, &PublishPolicy::default(), None)
        .unwrap();
    assert!(first.new);
    let again = f
        .reg
        .publish(&dir, &PublishPolicy::default(), None)
        .unwrap();
    assert!(!again.new);
    assert_eq!(again.release.digest, first.release.digest);

    std::fs::write(dir.join("module.wat"), adder(2)).unwrap();
    let err = f
        .reg
        .publish(&dir, &PublishPolicy::default(), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains(&first.release.digest), "{err}");
    // The refused bytes left nothing behind: one release, its original bytes.
    let list = f.reg.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].digest, first.release.digest);
    assert_eq!(f.reg.blobs().list().unwrap(), vec![first.release.digest]);
}

#[test]
fn a_manifest_with_a_bad_version_or_name_is_refused_at_its_line() {
    let f = Fixture::fresh();
    let dir = f.package("acme/math", "1.0", &[], &adder(1));
    let mut reg = f.reg;
    let err = reg
        .publish(&dir, &PublishPolicy::default(), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("wasmux.toml:3"), "{err}");
    assert!(err.to_string().contains("1.0"), "{err}");

    for bad in ["Acme/Math", "math", "acme/ma th"] {
        super::write_package(&dir, bad, "1.0.0", &[], &adder(1));
        let err = reg
            .publish(&dir, &PublishPolicy::default(), None)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
        assert!(err.to_string().contains("wasmux.toml:2"), "{bad}: {err}");
    }
    super::write_package(
        &dir,
        "acme/math",
        "1.0.0",
        &[("acme/base", "banana")],
        &adder(1),
    );
    let err = reg
        .publish(&dir, &PublishPolicy::default(), None)
        .unwrap_err();
    assert!(err.to_string().contains("banana"), "{err}");
    assert!(reg.list().unwrap().is_empty());
}

#[test]
fn a_refused_publish_lists_every_reason() {
    let mut f = Fixture::fresh();
    let wat = r#"(module
      (import "env" "log" (func (param i32)))
      (import "acme/undeclared" "f" (func))
      (memory 1 1 shared)
      (func (export "simd") (result v128) v128.const i64x2 0 0))"#;
    let dir = f.package("acme/bad", "1.0.0", &[], wat);
    let policy = PublishPolicy::parse(
        r#"
allowed_imports = ["wasi_snapshot_preview1", "acme/undeclared"]
max_size = 10
forbidden_features = ["threads", "simd"]
required_exports = ["memory", "_start"]
"#,
        "policy.toml",
    )
    .unwrap();
    let err = f.reg.publish(&dir, &policy, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    let reasons = err.reasons().join("\n");
    for expected in [
        "above the policy's max_size of 10 bytes",
        "uses threads",
        "uses simd",
        "imports from module \"env\" (log)",
        "imports from \"acme/undeclared\", a package name that is not in [dependencies]",
        "does not export \"memory\"",
        "does not export \"_start\"",
    ] {
        assert!(
            reasons.contains(expected),
            "missing {expected:?} in:\n{reasons}"
        );
    }
    assert_eq!(err.reasons().len(), 7, "{reasons}");
    assert!(f.reg.list().unwrap().is_empty());
    assert!(f.reg.blobs().list().unwrap().is_empty());
}

#[test]
fn invalid_modules_are_refused_with_a_byte_offset() {
    let mut f = Fixture::fresh();
    let dir = f.package("acme/bad", "1.0.0", &[], "");
    // A valid header, then a type section that claims more bytes than there are.
    std::fs::write(dir.join("module.wasm"), b"\0asm\x01\0\0\0\x01\x05\x01").unwrap();
    let manifest = std::fs::read_to_string(dir.join("wasmux.toml")).unwrap();
    std::fs::write(
        dir.join("wasmux.toml"),
        manifest.replace("module.wat", "module.wasm"),
    )
    .unwrap();
    let err = f
        .reg
        .publish(&dir.join("module.wasm"), &PublishPolicy::default(), None)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert!(err.to_string().contains("byte offset 0x"), "{err}");

    std::fs::write(dir.join("wasmux.toml"), manifest).unwrap();
    std::fs::write(
        dir.join("module.wat"),
        "(module (func (export \"f\") i32.add))",
    )
    .unwrap();
    let err = f
        .reg
        .publish(&dir, &PublishPolicy::default(), None)
        .unwrap_err();
    assert!(err.to_string().contains("byte offset"), "{err}");
}

#[test]
fn bad_policies_are_refused() {
    let err = PublishPolicy::parse("forbidden_features = [\"telepathy\"]", "p.toml").unwrap_err();
    assert!(
        err.to_string().contains("unknown feature \"telepathy\""),
        "{err}"
    );
    assert!(
        err.to_string().contains("simd"),
        "known features listed: {err}"
    );
    let err = PublishPolicy::parse("\nmax_size = \"lots\"", "p.toml").unwrap_err();
    assert!(err.to_string().starts_with("p.toml:2"), "{err}");
    assert!(PublishPolicy::parse("colour = 1", "p.toml").is_err());
}

#[test]
fn yanking_marks_one_release() {
    let mut f = Fixture::fresh();
    f.publish("acme/math", "1.0.0", &[]);
    let name = PackageName::parse("acme/math").unwrap();
    let v = semver::Version::new(1, 0, 0);
    f.reg.yank(&name, &v, true).unwrap();
    assert!(f.reg.release(&name, &v).unwrap().yanked);
    f.reg.yank(&name, &v, false).unwrap();
    assert!(!f.reg.release(&name, &v).unwrap().yanked);
    let err = f
        .reg
        .yank(&name, &semver::Version::new(9, 0, 0), true)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}
