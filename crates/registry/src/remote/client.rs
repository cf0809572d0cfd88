//! The client side of `--registry URL`: the same operations as a local registry, over HTTP.

use super::wire::{ErrorBody, PublishAnswer, ServedRelease, Upload, YankRequest};
use crate::blobs;
use crate::error::{Error, Repr, Result};
use crate::maintenance::VerifyReport;
use crate::name::{PackageName, PackageRef};
use crate::package::Package;
use crate::registry::Published;
use crate::release::{Release, ReleaseSignature};
use crate::source::ReleaseSource;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

/// Largest JSON answer read: the release list of a large registry, far below what a server
/// could send to exhaust the client's memory.
const MAX_ANSWER: u64 = 256 << 20;
/// Largest module downloaded, whatever size a release claims.
const MAX_MODULE: u64 = 1 << 30;

pub struct RemoteRegistry {
    url: String,
    token: Option<String>,
    agent: ureq::Agent,
    /// Each package's releases, fetched once per client (a resolution asks many times).
    releases: RefCell<HashMap<PackageName, Vec<Release>>>,
}

impl RemoteRegistry {
    /// A client of the registry server at `url` (`http://HOST:PORT` or `https://...`); `token`
    /// authorizes publishing and yanking where the server asks for one.
    pub fn new(url: &str, token: Option<String>) -> Result<RemoteRegistry> {
        let url = url.trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::invalid(
                format!("registry URL {url:?}"),
                "expected http://HOST[:PORT] or https://HOST[:PORT]",
            ));
        }
        let config = ureq::Agent::config_builder()
            // A 4xx answer carries the server's error: read it, not ureq's.
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(600)))
            .build();
        Ok(RemoteRegistry {
            url: url.to_string(),
            token,
            agent: config.into(),
            releases: RefCell::new(HashMap::new()),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every release the server holds.
    pub fn list(&self) -> Result<Vec<Release>> {
        let served: Vec<ServedRelease> = self.get_json("/v1/releases")?;
        Ok(served.into_iter().map(Release::from).collect())
    }

    /// The releases of `reference`'s package that match its requirement, yanked ones too.
    pub fn info(&self, reference: &PackageRef) -> Result<Vec<Release>> {
        crate::registry::matching(reference, self.releases(&reference.name)?)
    }

    /// The module of `release`, refused unless it hashes to the release's digest.
    pub fn module(&self, release: &Release) -> Result<Vec<u8>> {
        let path = format!("/v1/blobs/{}", release.digest);
        let mut answer = self.call(self.agent.get(self.at(&path)), &path)?;
        let limit = release.size.min(MAX_MODULE);
        let bytes = answer
            .body_mut()
            .with_config()
            .limit(limit + 1)
            .read_to_vec()
            .map_err(|e| self.unreachable(&path, e))?;
        let found = blobs::digest(&bytes);
        if found != release.digest {
            return Err(Repr::Corrupt {
                name: release.name.to_string(),
                version: release.version.to_string(),
                detail: format!(
                    "{} sent a module hashing to sha256 {found}, not {}",
                    self.url, release.digest
                ),
            }
            .into());
        }
        Ok(bytes)
    }

    /// Offers `package` to the server, which validates it by its own publish policy.
    pub fn publish(
        &self,
        package: &Package,
        signature: Option<ReleaseSignature>,
    ) -> Result<Published> {
        let upload = Upload {
            manifest: package.manifest_text.clone(),
            module: base64::engine::general_purpose::STANDARD.encode(&package.wasm),
            sha256: package.digest(),
            signature,
        };
        let answer: PublishAnswer = self.post_json("/v1/publish", &upload)?;
        Ok(Published {
            release: answer.release.into(),
            new: answer.new,
        })
    }

    pub fn yank(&self, name: &PackageName, version: &semver::Version, yanked: bool) -> Result<()> {
        let path = format!("/v1/yank/{name}/{version}");
        let _: serde_json::Value = self.post_json(&path, &YankRequest { yanked })?;
        Ok(())
    }

    /// The server's own `verify` of its store.
    pub fn verify(&self) -> Result<VerifyReport> {
        self.get_json("/v1/verify")
    }

    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let answer = self.call(self.agent.get(self.at(path)), path)?;
        self.json(path, answer)
    }

    fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl serde::Serialize,
    ) -> Result<T> {
        let body = serde_json::to_vec(body).map_err(|e| Error::remote(&self.url, e.to_string()))?;
        let mut request = self
            .agent
            .post(self.at(path))
            .header("content-type", "application/json");
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let answer = request
            .send(&body[..])
            .map_err(|e| self.unreachable(path, e))?;
        let answer = self.success(path, answer)?;
        self.json(path, answer)
    }

    fn call(
        &self,
        request: ureq::RequestBuilder<ureq::typestate::WithoutBody>,
        path: &str,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        let answer = request.call().map_err(|e| self.unreachable(path, e))?;
        self.success(path, answer)
    }

    /// `answer` when it is a success; else the error the server sent, with its kind.
    fn success(
        &self,
        path: &str,
        mut answer: ureq::http::Response<ureq::Body>,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        let status = answer.status();
        if status.is_success() {
            return Ok(answer);
        }
        let text = answer
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .unwrap_or_default();
        Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => Repr::Served {
                url: self.url.clone(),
                kind: body.kind,
                message: body.message,
                reasons: body.reasons,
            }
            .into(),
            Err(_) => Error::remote(
                &self.url,
                format!(
                    "{path}: HTTP {status}: {}",
                    text.chars().take(200).collect::<String>()
                ),
            ),
        })
    }

    fn json<T: DeserializeOwned>(
        &self,
        path: &str,
        mut answer: ureq::http::Response<ureq::Body>,
    ) -> Result<T> {
        let bytes = answer
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| self.unreachable(path, e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::remote(&self.url, format!("{path}: not a registry's answer: {e}")))
    }

    fn unreachable(&self, path: &str, e: ureq::Error) -> Error {
        Error::remote(&self.url, format!("{path}: {e}"))
    }
}

impl ReleaseSource for RemoteRegistry {
    fn releases(&self, name: &PackageName) -> Result<Vec<Release>> {
        if let Some(found) = self.releases.borrow().get(name) {
            return Ok(found.clone());
        }
        let served: Result<Vec<ServedRelease>> = self.get_json(&format!("/v1/packages/{name}"));
        let found: Vec<Release> = match served {
            Ok(served) => served.into_iter().map(Release::from).collect(),
            // A package the server does not have has no releases, as with a local index.
            Err(e) if e.kind() == crate::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        self.releases
            .borrow_mut()
            .insert(name.clone(), found.clone());
        Ok(found)
    }
}
