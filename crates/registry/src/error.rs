//! One error type for the registry: a boxed message source and a `kind()` to branch on, as
//! `wasmux_core::Error` does; messages are built from the variant, never parsed back.

use std::path::PathBuf;

/// What went wrong, for callers that branch (the CLI's exit paths, tests). A registry server
/// sends it with each error, so a remote error keeps its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A file or the database could not be read or written.
    Io,
    /// A manifest, lockfile, policy or key file that is not valid.
    InvalidInput,
    /// A name, version or requirement that does not exist in the registry.
    NotFound,
    /// Publish-time validation refused the module (every reason is listed).
    Refused,
    /// The same name and version is already published with other bytes.
    Conflict,
    /// No set of versions satisfies every requirement.
    Unsatisfiable,
    /// Resolved modules depend on each other in a cycle.
    Cycle,
    /// Stored bytes no longer hash to their recorded digest.
    Corrupt,
    /// A missing, untrusted or wrong signature.
    Signature,
    /// A lockfile pin that no longer matches the registry.
    Locked,
    /// A registry server that cannot be reached, refuses the request (size, credentials) or
    /// answers what is not a registry's answer.
    Remote,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum Repr {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the registry index {}: {source}", path.display())]
    Db {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{what}: {message}")]
    Invalid { what: String, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{name}@{version} was refused:\n{}", bullet(reasons))]
    Refused {
        name: String,
        version: String,
        reasons: Vec<String>,
    },
    #[error(
        "{name}@{version} is already published with other bytes (sha256 {existing}); \
         publish a new version instead"
    )]
    Conflict {
        name: String,
        version: String,
        existing: String,
    },
    #[error("no versions satisfy the requirements:\n{0}")]
    Unsatisfiable(String),
    #[error("dependency cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    #[error("{name}@{version} is corrupt: {detail}")]
    Corrupt {
        name: String,
        version: String,
        detail: String,
    },
    #[error(
        "the module with sha256 {digest} is corrupt: it hashes to {found} (run `wasmux verify`)"
    )]
    CorruptBlob { digest: String, found: String },
    #[error("{0}")]
    Signature(String),
    #[error("{0}")]
    Locked(String),
    /// An error a registry server reported, with the kind it gave.
    #[error("{url}: {message}")]
    Served {
        url: String,
        kind: ErrorKind,
        message: String,
        reasons: Vec<String>,
    },
    #[error("{url}: {message}")]
    Remote { url: String, message: String },
}

fn bullet(reasons: &[String]) -> String {
    reasons
        .iter()
        .map(|r| format!("  - {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A registry error: one pointer wide, so `Result`s stay small.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(Box<Repr>);

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match &*self.0 {
            Repr::Io { .. } | Repr::Db { .. } => ErrorKind::Io,
            Repr::Invalid { .. } => ErrorKind::InvalidInput,
            Repr::NotFound(_) => ErrorKind::NotFound,
            Repr::Refused { .. } => ErrorKind::Refused,
            Repr::Conflict { .. } => ErrorKind::Conflict,
            Repr::Unsatisfiable(_) => ErrorKind::Unsatisfiable,
            Repr::Cycle(_) => ErrorKind::Cycle,
            Repr::Corrupt { .. } | Repr::CorruptBlob { .. } => ErrorKind::Corrupt,
            Repr::Signature(_) => ErrorKind::Signature,
            Repr::Locked(_) => ErrorKind::Locked,
            Repr::Served { kind, .. } => *kind,
            Repr::Remote { .. } => ErrorKind::Remote,
        }
    }

    /// The reasons of a refused publish, each on its own; empty for other errors.
    pub fn reasons(&self) -> &[String] {
        match &*self.0 {
            Repr::Refused { reasons, .. } | Repr::Served { reasons, .. } => reasons,
            _ => &[],
        }
    }

    #[cold]
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Repr::Io {
            path: path.into(),
            source,
        }
        .into()
    }

    #[cold]
    pub(crate) fn db(path: impl Into<PathBuf>, source: rusqlite::Error) -> Self {
        Repr::Db {
            path: path.into(),
            source,
        }
        .into()
    }

    #[cold]
    pub(crate) fn invalid(what: impl Into<String>, message: impl Into<String>) -> Self {
        Repr::Invalid {
            what: what.into(),
            message: message.into(),
        }
        .into()
    }

    #[cold]
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Repr::NotFound(message.into()).into()
    }

    #[cold]
    pub(crate) fn signature(message: impl Into<String>) -> Self {
        Repr::Signature(message.into()).into()
    }

    #[cold]
    pub(crate) fn corrupt_blob(digest: &str, found: &str) -> Self {
        Repr::CorruptBlob {
            digest: digest.to_string(),
            found: found.to_string(),
        }
        .into()
    }

    #[cold]
    pub(crate) fn remote(url: impl Into<String>, message: impl Into<String>) -> Self {
        Repr::Remote {
            url: url.into(),
            message: message.into(),
        }
        .into()
    }

    #[cold]
    pub(crate) fn locked(message: impl Into<String>) -> Self {
        Repr::Locked(message.into()).into()
    }
}

impl From<Repr> for Error {
    #[cold]
    fn from(repr: Repr) -> Self {
        Error(Box::new(repr))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    #[test]
    fn an_error_is_one_pointer() {
        assert_eq!(
            std::mem::size_of::<super::Error>(),
            std::mem::size_of::<usize>()
        );
    }
}
