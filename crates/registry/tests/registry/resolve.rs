//! Resolution: newest compatible versions, conflicts in words, cycles, yanks and lockfiles.

use super::Fixture;
use wasmux_registry::{ErrorKind, Lockfile, PackageName, PackageRef};

fn reference(text: &str) -> PackageRef {
    PackageRef::parse(text).unwrap()
}

#[test]
fn the_newest_compatible_versions_are_chosen_dependencies_first() {
    let mut f = Fixture::fresh();
    for v in ["1.0.0", "1.4.0", "2.0.0"] {
        f.publish("acme/base", v, &[]);
    }
    f.publish("acme/util", "1.0.0", &[("acme/base", "^1.2")]);
    f.publish(
        "acme/app",
        "1.0.0",
        &[("acme/util", "^1"), ("acme/base", "^1")],
    );
    assert_eq!(
        f.resolved_versions("acme/app@^1"),
        ["acme/base@1.4.0", "acme/util@1.0.0", "acme/app@1.0.0"]
    );
    let resolution = f.reg.resolve(&reference("acme/app"), false).unwrap();
    let app = resolution.root().unwrap();
    let imports: Vec<&str> = app.imports.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(imports, ["acme/base", "acme/util"]);
    assert_eq!(f.resolved_versions("acme/base"), ["acme/base@2.0.0"]);
}

#[test]
fn an_unsatisfiable_requirement_is_explained_in_words() {
    let mut f = Fixture::fresh();
    f.publish("acme/base", "1.0.0", &[]);
    f.publish("acme/base", "2.0.0", &[]);
    f.publish("acme/lib", "1.0.0", &[("acme/base", "^1")]);
    f.publish(
        "acme/app",
        "1.0.0",
        &[("acme/lib", "^1"), ("acme/base", "^2")],
    );
    let err = f.reg.resolve(&reference("acme/app@1"), false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsatisfiable);
    let text = err.to_string();
    // Both sides of the clash, in the words they were written in.
    assert!(
        text.contains("acme/lib >=1.0.0, <2.0.0 depends on acme/base ^1"),
        "{text}"
    );
    assert!(
        !text.contains("0.0.0"),
        "the root's placeholder version is not shown: {text}"
    );
    assert!(
        text.contains("acme/app 1.0.0 depends on acme/base ^2"),
        "{text}"
    );

    let err = f
        .reg
        .resolve(&reference("acme/base@^3"), false)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsatisfiable);
    assert!(
        err.to_string()
            .contains("there is no version of acme/base in ^3"),
        "{err}"
    );
    let err = f
        .reg
        .resolve(&reference("acme/nothing"), false)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn a_dependency_cycle_is_refused_with_its_path() {
    let mut f = Fixture::fresh();
    f.publish("acme/a", "1.0.0", &[]);
    f.publish("acme/b", "1.0.0", &[("acme/a", "^1")]);
    f.publish("acme/a", "1.1.0", &[("acme/b", "^1")]);
    let err = f.reg.resolve(&reference("acme/a@^1.1"), false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cycle);
    assert_eq!(
        err.to_string(),
        "dependency cycle: acme/a@1.1.0 -> acme/b@1.0.0 -> acme/a@1.1.0"
    );
}

#[test]
fn yanked_versions_are_not_chosen_but_a_lockfile_pin_still_works() {
    let mut f = Fixture::fresh();
    f.publish("acme/base", "1.0.0", &[]);
    f.publish("acme/base", "1.1.0", &[]);
    let project = f.package("me/app", "0.1.0", &[("acme/base", "^1")], &super::adder(0));
    let (lock_path, lock) = f.reg.update(&project, false).unwrap();
    assert_eq!(lock.packages[0].version.to_string(), "1.1.0");
    assert_eq!(Lockfile::read(&lock_path).unwrap(), lock);

    let base = PackageName::parse("acme/base").unwrap();
    f.reg
        .yank(&base, &semver::Version::new(1, 1, 0), true)
        .unwrap();
    assert_eq!(f.resolved_versions("acme/base@^1"), ["acme/base@1.0.0"]);
    let pinned = f
        .reg
        .resolve_locked(&reference("acme/base@^1"), &lock, false)
        .unwrap();
    assert_eq!(pinned.root().unwrap().release.id(), "acme/base@1.1.0");
    assert!(pinned.root().unwrap().release.yanked);

    f.reg
        .yank(&base, &semver::Version::new(1, 0, 0), true)
        .unwrap();
    let err = f
        .reg
        .resolve(&reference("acme/base@^1"), false)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsatisfiable);
    assert!(err.to_string().contains("yanked"), "{err}");
}

#[test]
fn a_lockfile_reproduces_its_versions_and_refuses_other_digests() {
    let mut f = Fixture::fresh();
    f.publish("acme/base", "1.0.0", &[]);
    f.publish("acme/util", "1.0.0", &[("acme/base", "^1")]);
    let project = f.package("me/app", "0.1.0", &[("acme/util", "^1")], &super::adder(0));
    let (lock_path, lock) = f.reg.update(&project, false).unwrap();
    assert_eq!(lock.packages.len(), 2);

    // Newer versions do not change a locked run; `update` moves to them.
    f.publish("acme/base", "1.5.0", &[]);
    let locked = f
        .reg
        .resolve_locked(&reference("acme/util"), &lock, false)
        .unwrap();
    let ids: Vec<String> = locked.packages.iter().map(|p| p.release.id()).collect();
    assert_eq!(ids, ["acme/base@1.0.0", "acme/util@1.0.0"]);
    let (_, updated) = f.reg.update(&project, false).unwrap();
    assert_eq!(
        updated
            .get(&PackageName::parse("acme/base").unwrap())
            .unwrap()
            .version
            .to_string(),
        "1.5.0"
    );

    assert_eq!(Lockfile::read(&lock_path).unwrap(), updated);
    let mut tampered = lock.clone();
    tampered.packages[0].sha256 = "0".repeat(64);
    let err = f
        .reg
        .resolve_locked(&reference("acme/util"), &tampered, false)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Locked);
    assert!(
        err.to_string()
            .contains("digest mismatch for acme/base@1.0.0"),
        "{err}"
    );

    let err = f
        .reg
        .resolve_locked(&reference("acme/util@^2"), &lock, false)
        .unwrap_err();
    assert!(err.to_string().contains("does not satisfy ^2"), "{err}");
}
