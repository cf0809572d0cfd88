//! Signatures: signed on publish, checked on resolution (install and run) and by verify.

use super::{adder, Fixture};
use wasmux_registry::{ErrorKind, KeyPair, PackageRef, PublishPolicy, SignatureStatus};

fn signed_fixture() -> (Fixture, KeyPair) {
    let mut f = Fixture::fresh();
    let key = KeyPair::generate(f.reg.home(), "alice").unwrap();
    let dir = f.package("acme/math", "1.0.0", &[], &adder(1));
    f.reg
        .publish(&dir, &PublishPolicy::default(), Some("alice"))
        .unwrap();
    (f, key)
}

#[test]
fn a_signed_release_verifies_with_its_trusted_key() {
    let (f, key) = signed_fixture();
    let release = &f.reg.list().unwrap()[0];
    assert_eq!(release.signature.as_ref().unwrap().key_id, key.public_hex());
    assert_eq!(
        f.reg.signature_status(release).unwrap(),
        SignatureStatus::Trusted("alice".into())
    );
    f.reg
        .resolve(&PackageRef::parse("acme/math").unwrap(), true)
        .unwrap();
    assert!(f.reg.verify().unwrap().is_consistent());
    // A key name is never reused over an existing key.
    assert!(KeyPair::generate(f.reg.home(), "alice").is_err());
}

#[test]
fn a_wrong_signature_is_refused_everywhere() {
    let (mut f, _) = signed_fixture();
    let other = f.package("acme/other", "1.0.0", &[], &adder(2));
    f.reg
        .publish(&other, &PublishPolicy::default(), Some("alice"))
        .unwrap();
    // Move acme/other's signature onto acme/math: valid bytes, valid key, wrong release.
    let db = rusqlite::Connection::open(f.reg.home().index()).unwrap();
    db.execute(
        "UPDATE releases SET signature = (SELECT signature FROM releases WHERE name = 'acme/other') \
         WHERE name = 'acme/math'",
        [],
    )
    .unwrap();
    let err = f
        .reg
        .resolve(&PackageRef::parse("acme/math").unwrap(), false)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Signature);
    assert!(
        err.to_string()
            .contains("acme/math@1.0.0 has a wrong signature"),
        "{err}"
    );
    let report = f.reg.verify().unwrap();
    assert!(!report.is_consistent());
    assert_eq!(report.problems[0].release, "acme/math@1.0.0");
    assert_eq!(report.problems[0].kind, "signature");
}

#[test]
fn require_signed_refuses_unsigned_and_untrusted_releases() {
    let (mut f, _) = signed_fixture();
    let dir = f.package("acme/plain", "1.0.0", &[], &adder(3));
    let strict = PublishPolicy {
        require_signed: true,
        ..PublishPolicy::default()
    };
    let err = f.reg.publish(&dir, &strict, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert!(err.to_string().contains("require_signed"), "{err}");
    f.reg
        .publish(&dir, &PublishPolicy::default(), None)
        .unwrap();
    let err = f
        .reg
        .resolve(&PackageRef::parse("acme/plain").unwrap(), true)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Signature);
    assert!(
        err.to_string().contains("acme/plain@1.0.0 is not signed"),
        "{err}"
    );

    // Distrust alice: her signature still verifies, but no longer counts as signed.
    std::fs::remove_file(f.reg.home().trusted_keys().join("alice.pub")).unwrap();
    let math = PackageRef::parse("acme/math").unwrap();
    f.reg.resolve(&math, false).unwrap();
    let err = f.reg.resolve(&math, true).unwrap_err();
    assert!(err.to_string().contains("not trusted here"), "{err}");
}
