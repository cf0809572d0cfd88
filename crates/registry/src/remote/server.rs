//! `wasmux registry serve`: one home's registry offered over HTTP (the routes are listed in
//! `wire.rs`). Uploads are checked before anything is stored: their size against
//! `max_upload`, their bytes against the digest the client sent, then the same validation and
//! publish policy (`HOME/policy.toml`) as a local publish.

use super::wire::{ErrorBody, PublishAnswer, ServedRelease, Upload, YankRequest};
use crate::blobs;
use crate::error::{Error, ErrorKind, Result};
use crate::maintenance::VerifyReport;
use crate::name::{parse_version, PackageName};
use crate::package::Package;
use crate::registry::Registry;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Largest module accepted, in bytes.
    pub max_upload: u64,
    /// When set, publishing and yanking need `Authorization: Bearer TOKEN`.
    pub token: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_upload: 64 << 20,
            token: None,
        }
    }
}

struct Shared {
    // The index is one SQLite connection, and a publish is one transaction: requests take
    // turns, on blocking threads so that the server keeps accepting meanwhile.
    registry: Mutex<Registry>,
    config: ServerConfig,
}

type Answer<T> = std::result::Result<T, Failure>;

/// The routes of `wire.rs` over `registry`.
pub fn router(registry: Registry, config: ServerConfig) -> Router {
    // base64 makes a module 4/3 its size; the manifest and the JSON around it are small.
    let body_limit = usize::try_from(config.max_upload / 3 * 4 + (1 << 20)).unwrap_or(usize::MAX);
    let shared = Arc::new(Shared {
        registry: Mutex::new(registry),
        config,
    });
    Router::new()
        .route("/v1/releases", get(releases))
        .route("/v1/packages/{namespace}/{name}", get(package))
        .route("/v1/blobs/{digest}", get(blob))
        .route(
            "/v1/publish",
            post(publish).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/v1/yank/{namespace}/{name}/{version}", post(yank))
        .route("/v1/verify", get(verify))
        .fallback(|| async {
            Failure::new(
                StatusCode::NOT_FOUND,
                ErrorKind::NotFound,
                "no such route (see `wasmux registry serve --help`)".into(),
            )
        })
        .with_state(shared)
}

/// Serves `registry` on `listener` until the process is interrupted (Ctrl-C).
pub fn serve(
    listener: std::net::TcpListener,
    registry: Registry,
    config: ServerConfig,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(listener, router(registry, config))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })
}

/// Runs `work` on the registry, on a blocking thread.
async fn with_registry<T: Send + 'static>(
    shared: &Arc<Shared>,
    work: impl FnOnce(&mut Registry) -> Result<T> + Send + 'static,
) -> Answer<T> {
    let shared = shared.clone();
    tokio::task::spawn_blocking(move || {
        // A request that panicked left no half-done change (each is one transaction).
        let mut registry = shared.registry.lock().unwrap_or_else(|p| p.into_inner());
        work(&mut registry)
    })
    .await
    .map_err(|e| {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorKind::Io,
            format!("the request failed: {e}"),
        )
    })?
    .map_err(Failure::from)
}

async fn releases(State(shared): State<Arc<Shared>>) -> Answer<Json<Vec<ServedRelease>>> {
    let all = with_registry(&shared, |r| r.list()).await?;
    Ok(Json(all.into_iter().map(ServedRelease::from).collect()))
}

async fn package(
    State(shared): State<Arc<Shared>>,
    Path((namespace, name)): Path<(String, String)>,
) -> Answer<Json<Vec<ServedRelease>>> {
    let name = PackageName::parse(&format!("{namespace}/{name}"))?;
    let found = with_registry(&shared, move |r| {
        let found = r.index().releases(&name)?;
        if found.is_empty() {
            return Err(Error::not_found(format!(
                "no package {name} in the registry"
            )));
        }
        Ok(found)
    })
    .await?;
    Ok(Json(found.into_iter().map(ServedRelease::from).collect()))
}

async fn blob(State(shared): State<Arc<Shared>>, Path(digest): Path<String>) -> Answer<Response> {
    if !blobs::is_digest(&digest) {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorKind::InvalidInput,
            format!("{digest:?} is not a sha256 digest (64 lowercase hex digits)"),
        ));
    }
    let bytes = with_registry(&shared, move |r| {
        let bytes = r
            .blobs()
            .get(&digest)?
            .ok_or_else(|| Error::not_found(format!("no module with sha256 {digest}")))?;
        // Never serve a damaged module: the client would refuse it anyway, less clearly.
        let found = blobs::digest(&bytes);
        if found != digest {
            return Err(Error::corrupt_blob(&digest, &found));
        }
        Ok(bytes)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/wasm")], bytes).into_response())
}

async fn publish(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    upload: std::result::Result<Json<Upload>, JsonRejection>,
) -> Answer<Json<PublishAnswer>> {
    authorize(&shared, &headers)?;
    let Json(upload) = upload.map_err(|rejection| {
        let status = rejection.status();
        let kind = match status {
            StatusCode::PAYLOAD_TOO_LARGE => ErrorKind::Refused,
            _ => ErrorKind::InvalidInput,
        };
        Failure::new(
            status,
            kind,
            format!("the upload: {}", rejection.body_text()),
        )
    })?;
    let wasm = base64::engine::general_purpose::STANDARD
        .decode(&upload.module)
        .map_err(|e| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                ErrorKind::InvalidInput,
                format!("the upload's module is not base64: {e}"),
            )
        })?;
    let max = shared.config.max_upload;
    if wasm.len() as u64 > max {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Refused,
            format!(
                "the module is {} bytes, more than the {max} this registry accepts",
                wasm.len()
            ),
        ));
    }
    let found = blobs::digest(&wasm);
    if found != upload.sha256 {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorKind::InvalidInput,
            format!(
                "the uploaded module hashes to sha256 {found}, not {} as sent: it was damaged \
                 on the way",
                upload.sha256
            ),
        ));
    }
    let package = Package::from_parts(upload.manifest, wasm, "the uploaded wasmux.toml")?;
    let signature = upload.signature;
    let published = with_registry(&shared, move |r| {
        let policy = r.home_policy()?;
        r.publish_package(package, &policy, signature)
    })
    .await?;
    Ok(Json(PublishAnswer {
        release: published.release.into(),
        new: published.new,
    }))
}

async fn yank(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((namespace, name, version)): Path<(String, String, String)>,
    request: std::result::Result<Json<YankRequest>, JsonRejection>,
) -> Answer<Json<serde_json::Value>> {
    authorize(&shared, &headers)?;
    let Json(request) = request.map_err(|rejection| {
        Failure::new(
            rejection.status(),
            ErrorKind::InvalidInput,
            format!("the yank request: {}", rejection.body_text()),
        )
    })?;
    let name = PackageName::parse(&format!("{namespace}/{name}"))?;
    let version = parse_version(&version, "the yank request")?;
    with_registry(&shared, move |r| r.yank(&name, &version, request.yanked)).await?;
    Ok(Json(serde_json::json!({})))
}

async fn verify(State(shared): State<Arc<Shared>>) -> Answer<Json<VerifyReport>> {
    Ok(Json(with_registry(&shared, |r| r.verify()).await?))
}

fn authorize(shared: &Shared, headers: &HeaderMap) -> Answer<()> {
    let Some(token) = &shared.config.token else {
        return Ok(());
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match offered {
        Some(offered) if same(offered.as_bytes(), token.as_bytes()) => Ok(()),
        _ => Err(Failure::new(
            StatusCode::UNAUTHORIZED,
            ErrorKind::Remote,
            "publishing and yanking here need a token (--token, or WASMUX_REGISTRY_TOKEN)".into(),
        )),
    }
}

/// Compares in time that depends on the length only, so a guesser learns nothing from it.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An error as the server sends it: a status and an `ErrorBody`.
struct Failure {
    status: StatusCode,
    body: ErrorBody,
}

impl Failure {
    fn new(status: StatusCode, kind: ErrorKind, message: String) -> Failure {
        Failure {
            status,
            body: ErrorBody {
                kind,
                message,
                reasons: Vec::new(),
            },
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let status = match e.kind() {
            ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict | ErrorKind::Locked => StatusCode::CONFLICT,
            ErrorKind::Refused
            | ErrorKind::Signature
            | ErrorKind::Unsatisfiable
            | ErrorKind::Cycle => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Remote => StatusCode::BAD_GATEWAY,
            ErrorKind::Io | ErrorKind::Corrupt => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Failure {
            status,
            body: ErrorBody {
                kind: e.kind(),
                message: e.to_string(),
                reasons: e.reasons().to_vec(),
            },
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
