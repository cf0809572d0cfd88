//! verify and gc: corruption named by release, interrupted writes cleaned up.

use super::Fixture;
use wasmux_registry::{ErrorKind, PackageName, PackageRef};

#[test]
fn a_corrupted_blob_is_named_by_verify_and_refused_by_run() {
    let mut f = Fixture::fresh();
    f.publish("acme/math", "1.0.0", &[]);
    f.publish("acme/other", "1.0.0", &[]);
    assert!(f.reg.verify().unwrap().is_consistent());
    let release = f
        .reg
        .release(
            &PackageName::parse("acme/math").unwrap(),
            &semver::Version::new(1, 0, 0),
        )
        .unwrap();
    let blob = f.reg.blobs().path_of(&release.digest);
    let mut bytes = std::fs::read(&blob).unwrap();
    *bytes.last_mut().unwrap() ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();

    let report = f.reg.verify().unwrap();
    assert!(!report.is_consistent());
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].release, "acme/math@1.0.0");
    assert_eq!(report.problems[0].kind, "corrupt");
    let resolution = f
        .reg
        .resolve(&PackageRef::parse("acme/math").unwrap(), false)
        .unwrap();
    let err = f
        .reg
        .module_bytes(&resolution.root().unwrap().release)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(
        err.to_string().starts_with("acme/math@1.0.0 is corrupt"),
        "{err}"
    );

    // Publishing the same bytes again repairs the blob.
    let dir = f.dir.path().join("src").join("acme-math-1.0.0");
    f.reg
        .publish(&dir, &wasmux_registry::PublishPolicy::default(), None)
        .unwrap();
    assert!(f.reg.verify().unwrap().is_consistent());

    std::fs::remove_file(&blob).unwrap();
    let report = f.reg.verify().unwrap();
    assert_eq!(report.problems[0].kind, "missing");
}

#[test]
fn gc_removes_unreferenced_blobs_and_unfinished_writes_only() {
    let mut f = Fixture::fresh();
    f.publish("acme/math", "1.0.0", &[]);
    f.publish("acme/old", "1.0.0", &[]);
    f.reg
        .yank(
            &PackageName::parse("acme/old").unwrap(),
            &semver::Version::new(1, 0, 0),
            true,
        )
        .unwrap();
    // What an interrupted publish leaves: a blob no release names, and a temporary file.
    let orphan = wasmux_registry::digest(b"orphan");
    let path = f.reg.blobs().path_of(&orphan);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"orphan").unwrap();
    let tmp = f.reg.home().blobs().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join(".tmp-1-2-3"), b"half").unwrap();

    let report = f.reg.verify().unwrap();
    assert!(report.is_consistent(), "leftovers are not corruption");
    assert_eq!(report.unreferenced_blobs, std::slice::from_ref(&orphan));
    assert_eq!(report.temp_files, 1);

    let dry = f.reg.gc(true).unwrap();
    assert_eq!((dry.blobs_removed, dry.temp_files_removed), (1, 1));
    assert!(path.exists());
    let done = f.reg.gc(false).unwrap();
    assert_eq!((done.blobs_removed, done.temp_files_removed), (1, 1));
    assert_eq!(done.bytes_freed, 10);
    assert!(!path.exists());
    // The yanked release keeps its blob.
    assert_eq!(f.reg.blobs().list().unwrap().len(), 2);
    assert!(f.reg.verify().unwrap().is_consistent());
}
