//! Package names (`namespace/name`) and references to them (`namespace/name@requirement`).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest namespace or name: enough for real names, short enough for a table.
const MAX_PART: usize = 64;

/// A validated `namespace/name`: each part lowercase ASCII letters, digits, `-` and `_`,
/// starting with a letter. One spelling per package, so `Acme/Math` cannot shadow `acme/math`,
/// and the name is usable as a wasm import module name as it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PackageName(String);

impl PackageName {
    pub fn parse(text: &str) -> Result<PackageName> {
        let invalid = |why: &str| {
            Error::invalid(
                format!("package name {text:?}"),
                format!("{why} (expected namespace/name, e.g. acme/math)"),
            )
        };
        let Some((namespace, name)) = text.split_once('/') else {
            return Err(invalid("no namespace"));
        };
        for part in [namespace, name] {
            if part.is_empty() || part.len() > MAX_PART {
                return Err(invalid(&format!(
                    "each part must have 1 to {MAX_PART} characters"
                )));
            }
            if !part.starts_with(|c: char| c.is_ascii_lowercase()) {
                return Err(invalid("each part must start with a lowercase letter"));
            }
            if let Some(c) = part
                .chars()
                .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(*c)))
            {
                return Err(invalid(&format!(
                    "{c:?} is not allowed (lowercase letters, digits, - and _ only)"
                )));
            }
        }
        Ok(PackageName(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PackageName {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        PackageName::parse(&s)
    }
}

impl From<PackageName> for String {
    fn from(n: PackageName) -> String {
        n.0
    }
}

/// `namespace/name[@requirement]`, as typed on the command line: `acme/math@^1.2`. No
/// requirement means any version (`*`).
#[derive(Clone, Debug)]
pub struct PackageRef {
    pub name: PackageName,
    pub req: semver::VersionReq,
}

impl PackageRef {
    pub fn parse(text: &str) -> Result<PackageRef> {
        let (name, req) = match text.split_once('@') {
            Some((name, req)) => (name, req),
            None => (text, "*"),
        };
        Ok(PackageRef {
            name: PackageName::parse(name)?,
            req: parse_req(req, text)?,
        })
    }

    /// Whether `text` is meant as a registry reference rather than a file: `ns/name` shapes
    /// with no file extension a module file would have. A file that exists wins over this.
    pub fn looks_like(text: &str) -> bool {
        let name = text.split_once('@').map_or(text, |(n, _)| n);
        !(name.ends_with(".wasm") || name.ends_with(".wat") || name.ends_with(".cwasm"))
            && PackageName::parse(name).is_ok()
    }
}

impl fmt::Display for PackageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.req)
    }
}

/// A semver requirement, with the text it came from in the message when it is not one.
pub fn parse_req(req: &str, context: &str) -> Result<semver::VersionReq> {
    semver::VersionReq::parse(req).map_err(|e| {
        Error::invalid(
            format!("version requirement {req:?} in {context}"),
            format!("{e} (expected e.g. ^1.2, ~1.2.3, =1.0.0, >=1, <2)"),
        )
    })
}

/// A semver version, named in the message when it is not one.
pub fn parse_version(version: &str, context: &str) -> Result<semver::Version> {
    semver::Version::parse(version).map_err(|e| {
        Error::invalid(
            format!("version {version:?} in {context}"),
            format!("{e} (expected major.minor.patch, e.g. 1.2.0)"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_have_one_spelling() {
        for good in ["acme/math", "a/b", "a1-x/b_2"] {
            assert!(PackageName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "acme",
            "Acme/math",
            "acme/",
            "/math",
            "acme/ma th",
            "a/b/c",
            "1a/b",
        ] {
            assert!(PackageName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn references_default_to_any_version() {
        let r = PackageRef::parse("acme/math").unwrap();
        assert!(r.req.matches(&semver::Version::new(9, 0, 0)));
        let r = PackageRef::parse("acme/math@^1.2").unwrap();
        assert!(!r.req.matches(&semver::Version::new(2, 0, 0)));
        assert!(PackageRef::parse("acme/math@banana").is_err());
        assert!(PackageRef::looks_like("acme/math@^1"));
        assert!(!PackageRef::looks_like("examples/fib.wat"));
    }
}
