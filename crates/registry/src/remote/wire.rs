//! What a registry server and its clients send each other: JSON under `/v1`.
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /v1/releases` | every release, `[ServedRelease]` |
//! | `GET /v1/packages/{namespace}/{name}` | one package's releases, oldest first |
//! | `GET /v1/blobs/{sha256}` | the module bytes (`application/wasm`) |
//! | `POST /v1/publish` (`Upload`) | `PublishAnswer` |
//! | `POST /v1/yank/{namespace}/{name}/{version}` (`YankRequest`) | `{}` |
//! | `GET /v1/verify` | the server's `VerifyReport` |
//!
//! An error is an `ErrorBody` with a 4xx or 5xx status. Writes need `Authorization: Bearer
//! TOKEN` when the server was started with a token.

use crate::error::ErrorKind;
use crate::release::{Release, ReleaseSignature};
use serde::{Deserialize, Serialize};

/// A package offered for publishing: the manifest as written, and the module, base64.
#[derive(Serialize, Deserialize)]
pub struct Upload {
    pub manifest: String,
    pub module: String,
    /// sha256 of the module as the client computed it; the server re-hashes what arrived.
    pub sha256: String,
    pub signature: Option<ReleaseSignature>,
}

/// A release with its manifest, which a client installing it keeps as a local publish does.
#[derive(Serialize, Deserialize)]
pub struct ServedRelease {
    #[serde(flatten)]
    pub release: Release,
    pub manifest: String,
}

impl From<Release> for ServedRelease {
    fn from(release: Release) -> Self {
        ServedRelease {
            manifest: release.manifest.clone(),
            release,
        }
    }
}

impl From<ServedRelease> for Release {
    fn from(served: ServedRelease) -> Self {
        Release {
            manifest: served.manifest,
            ..served.release
        }
    }
}

#[derive(Serialize, Deserialize)]
pub struct PublishAnswer {
    pub release: ServedRelease,
    pub new: bool,
}

#[derive(Serialize, Deserialize)]
pub struct YankRequest {
    pub yanked: bool,
}

#[derive(Serialize, Deserialize)]
pub struct ErrorBody {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default)]
    pub reasons: Vec<String>,
}
