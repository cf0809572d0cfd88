//! A published release as the index records it.

use crate::name::PackageName;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Release {
    pub name: PackageName,
    pub version: semver::Version,
    /// sha256 of the module's wasm bytes (a .wat module is stored compiled).
    pub digest: String,
    pub size: u64,
    pub description: String,
    pub license: String,
    pub entry: Option<String>,
    /// The manifest's `[capabilities]`, as TOML text.
    pub capabilities: Option<String>,
    /// The manifest as published, for `info`.
    #[serde(skip)]
    pub manifest: String,
    #[serde(serialize_with = "reqs", deserialize_with = "parse_reqs")]
    pub dependencies: BTreeMap<PackageName, semver::VersionReq>,
    pub signature: Option<ReleaseSignature>,
    pub yanked: bool,
    /// Seconds since the Unix epoch.
    pub published_at: u64,
}

/// An ed25519 signature over the release's name, version and digest (see `signing`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseSignature {
    /// The signer's public key, hex: it names the key and is checked against the trusted ones.
    pub key_id: String,
    pub signature: String,
}

impl Release {
    /// `name@version`, as messages name a release.
    pub fn id(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

fn reqs<S: serde::Serializer>(
    deps: &BTreeMap<PackageName, semver::VersionReq>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(deps.iter().map(|(k, v)| (k.as_str(), v.to_string())))
}

/// The requirements as another registry serves them (`reqs`' form), checked as a manifest's.
fn parse_reqs<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<PackageName, semver::VersionReq>, D::Error> {
    let raw = BTreeMap::<PackageName, String>::deserialize(d)?;
    raw.into_iter()
        .map(|(name, req)| {
            let parsed = crate::name::parse_req(&req, &format!("the dependency on {name}"))
                .map_err(serde::de::Error::custom)?;
            Ok((name, parsed))
        })
        .collect()
}
