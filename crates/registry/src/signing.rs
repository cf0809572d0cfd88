//! Release signatures: ed25519 over the release's name, version and sha256, so a signature
//! cannot be moved to another release of the same bytes. Keys live in the home directory;
//! only signatures by keys in `trusted-keys/` count as signed.

use crate::error::{Error, Result};
use crate::home::Home;
use crate::release::{Release, ReleaseSignature};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

const SECRET_EXT: &str = "secret";
const PUBLIC_EXT: &str = "pub";

/// What is signed: a versioned, unambiguous text (names cannot contain newlines).
fn message(name: &str, version: &semver::Version, digest: &str) -> Vec<u8> {
    format!("wasmux-release-v1\n{name}\n{version}\n{digest}\n").into_bytes()
}

/// A key name: used as a file name, so kept to a safe alphabet.
fn check_key_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        || name.starts_with('.')
    {
        return Err(Error::invalid(
            format!("key name {name:?}"),
            "use letters, digits, - _ and . (not first)",
        ));
    }
    Ok(())
}

/// A signing key loaded from `HOME/keys/NAME.secret`.
pub struct KeyPair {
    pub name: String,
    key: SigningKey,
}

impl KeyPair {
    /// Makes a new key `name`, stores its secret (readable by the owner only) and trusts its
    /// public key in this home. An existing key of that name is never overwritten.
    pub fn generate(home: &Home, name: &str) -> Result<KeyPair> {
        check_key_name(name)?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| Error::io(home.keys(), std::io::Error::other(e.to_string())))?;
        let pair = KeyPair {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        };
        let path = home.keys().join(format!("{name}.{SECRET_EXT}"));
        write_new(&path, &hex::encode(seed), true)?;
        trust(home, name, &pair.public_hex())?;
        Ok(pair)
    }

    pub fn load(home: &Home, name: &str) -> Result<KeyPair> {
        check_key_name(name)?;
        let path = home.keys().join(format!("{name}.{SECRET_EXT}"));
        let text = fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::not_found(format!(
                    "no signing key {name:?} in {} (make one with `wasmux key generate {name}`)",
                    home.keys().display()
                ))
            } else {
                Error::io(&path, e)
            }
        })?;
        let seed: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                Error::invalid(path.display().to_string(), "not a hex ed25519 secret key")
            })?;
        Ok(KeyPair {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    pub fn public_hex(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    pub fn sign(&self, name: &str, version: &semver::Version, digest: &str) -> ReleaseSignature {
        ReleaseSignature {
            key_id: self.public_hex(),
            signature: hex::encode(self.key.sign(&message(name, version, digest)).to_bytes()),
        }
    }
}

/// Adds a trusted public key (hex) under `name`.
pub fn trust(home: &Home, name: &str, public_hex: &str) -> Result<()> {
    check_key_name(name)?;
    parse_public(public_hex).ok_or_else(|| {
        Error::invalid(
            format!("public key {public_hex:?}"),
            "not a hex ed25519 public key",
        )
    })?;
    let path = home.trusted_keys().join(format!("{name}.{PUBLIC_EXT}"));
    write_new(&path, public_hex, false)
}

fn parse_public(hex_text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_text.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// The trusted public keys of a home: public key hex -> key name.
#[derive(Clone, Debug, Default)]
pub struct TrustedKeys {
    keys: BTreeMap<String, String>,
}

impl TrustedKeys {
    pub fn load(home: &Home) -> Result<TrustedKeys> {
        let dir = home.trusted_keys();
        let mut keys = BTreeMap::new();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TrustedKeys { keys }),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&dir, e))?.path();
            if path.extension().is_none_or(|e| e != PUBLIC_EXT) {
                continue;
            }
            let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            if parse_public(&text).is_none() {
                return Err(Error::invalid(
                    path.display().to_string(),
                    "not a hex ed25519 public key",
                ));
            }
            let name = path.file_stem().unwrap_or_default().to_string_lossy();
            keys.insert(text.trim().to_string(), name.into_owned());
        }
        Ok(TrustedKeys { keys })
    }

    /// Key name -> public key hex, sorted by name.
    pub fn list(&self) -> Vec<(String, String)> {
        let mut out: Vec<_> = self
            .keys
            .iter()
            .map(|(k, n)| (n.clone(), k.clone()))
            .collect();
        out.sort();
        out
    }
}

/// How a release is signed, once checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureStatus {
    Unsigned,
    /// Valid, by the trusted key of this name.
    Trusted(String),
    /// Valid, but by a key this home does not trust.
    Untrusted,
}

/// Checks `release`'s signature. A signature that does not verify is always an error (the
/// bytes, the index or the signature were tampered with); with `require_signed`, so is a
/// release that is unsigned or signed by a key not trusted here.
pub fn check(
    release: &Release,
    trusted: &TrustedKeys,
    require_signed: bool,
) -> Result<SignatureStatus> {
    let status = match &release.signature {
        None => SignatureStatus::Unsigned,
        Some(sig) => {
            let key = parse_public(&sig.key_id);
            let signature = hex::decode(&sig.signature)
                .ok()
                .and_then(|b| Signature::from_slice(&b).ok());
            let (Some(key), Some(signature)) = (key, signature) else {
                return Err(Error::signature(format!(
                    "{} has a malformed signature",
                    release.id()
                )));
            };
            let msg = message(release.name.as_str(), &release.version, &release.digest);
            if key.verify(&msg, &signature).is_err() {
                return Err(Error::signature(format!(
                    "{} has a wrong signature: it does not verify for sha256 {} with key {}",
                    release.id(),
                    release.digest,
                    sig.key_id
                )));
            }
            match trusted.keys.get(&sig.key_id) {
                Some(name) => SignatureStatus::Trusted(name.clone()),
                None => SignatureStatus::Untrusted,
            }
        }
    };
    if require_signed {
        match &status {
            SignatureStatus::Unsigned => {
                return Err(Error::signature(format!(
                    "{} is not signed, and the policy sets require_signed",
                    release.id()
                )))
            }
            SignatureStatus::Untrusted => {
                return Err(Error::signature(format!(
                    "{} is signed by key {}, which is not trusted here (add it with \
                     `wasmux key trust NAME KEY`), and the policy sets require_signed",
                    release.id(),
                    release.signature.as_ref().map_or("", |s| &s.key_id)
                )))
            }
            SignatureStatus::Trusted(_) => {}
        }
    }
    Ok(status)
}

/// Writes a small file that must not already exist (keys are never replaced silently).
fn write_new(path: &Path, text: &str, secret: bool) -> Result<()> {
    let dir = path.parent().expect("a key path has a directory");
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::invalid(
                path.display().to_string(),
                "already exists; choose another key name",
            )
        } else {
            Error::io(path, e)
        }
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}
