//! `wasmux.toml`: what a package is (name, version, module file, entry), what it depends on,
//! and the capabilities it asks for.

use crate::error::{Error, Result};
use crate::name::{parse_req, parse_version, PackageName};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const MANIFEST_FILE: &str = "wasmux.toml";

/// A checked manifest: the name, version and requirements are valid.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub name: PackageName,
    pub version: semver::Version,
    pub description: String,
    pub license: String,
    /// The module file, relative to the manifest's directory.
    pub module: PathBuf,
    /// What `wasmux run NAME` invokes; `_start` when absent.
    pub entry: Option<String>,
    pub dependencies: BTreeMap<PackageName, semver::VersionReq>,
    /// A policy fragment (same keys as the policy file), kept as TOML text: it is stored with
    /// the release and parsed against the runner's directory when run.
    pub capabilities: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    package: RawPackage,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Spanned<String>>,
    capabilities: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    name: toml::Spanned<String>,
    version: toml::Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    license: String,
    module: toml::Spanned<String>,
    entry: Option<String>,
}

impl Manifest {
    /// Reads `path`, a manifest file or the directory holding `wasmux.toml`.
    pub fn from_path(path: &Path) -> Result<(Manifest, PathBuf)> {
        let file = if path.is_dir() {
            path.join(MANIFEST_FILE)
        } else {
            path.to_path_buf()
        };
        let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
        Ok((Manifest::parse(&text, &file.display().to_string())?, file))
    }

    /// Parses manifest text; `file` names it in messages, with the line of the fault.
    pub fn parse(text: &str, file: &str) -> Result<Manifest> {
        let at = |span: Option<std::ops::Range<usize>>| match span {
            Some(s) => format!(
                "{file}:{}",
                text[..s.start.min(text.len())].matches('\n').count() + 1
            ),
            None => file.to_string(),
        };
        let raw: Raw = toml::from_str(text)
            .map_err(|e| Error::invalid(at(e.span()), e.message().to_string()))?;
        let p = raw.package;
        let in_at = |s: &toml::Spanned<String>| at(Some(s.span()));
        let name = PackageName::parse(p.name.get_ref())
            .map_err(|e| Error::invalid(in_at(&p.name), e.to_string()))?;
        let version = parse_version(p.version.get_ref(), "[package]")
            .map_err(|e| Error::invalid(in_at(&p.version), e.to_string()))?;
        if !version.build.is_empty() {
            // 1.0.0+a and 1.0.0+b are one version to semver: two releases could not be told
            // apart by a requirement.
            return Err(Error::invalid(
                in_at(&p.version),
                format!("version {version} has build metadata; publish versions without it"),
            ));
        }
        let module = p.module.get_ref();
        if !(module.ends_with(".wasm") || module.ends_with(".wat")) {
            return Err(Error::invalid(
                in_at(&p.module),
                format!("module {module:?} must be a .wasm or .wat file"),
            ));
        }
        let mut dependencies = BTreeMap::new();
        for (dep, req) in &raw.dependencies {
            let dep_name =
                PackageName::parse(dep).map_err(|e| Error::invalid(in_at(req), e.to_string()))?;
            if dep_name == name {
                return Err(Error::invalid(
                    in_at(req),
                    format!("{name} cannot depend on itself"),
                ));
            }
            let req_parsed = parse_req(req.get_ref(), &format!("[dependencies] {dep}"))
                .map_err(|e| Error::invalid(in_at(req), e.to_string()))?;
            dependencies.insert(dep_name, req_parsed);
        }
        let capabilities = match raw.capabilities {
            Some(table) => {
                let text = toml::to_string(&table)
                    .map_err(|e| Error::invalid(format!("{file} [capabilities]"), e.to_string()))?;
                // The keys and their types are checked now; host directories only exist, or
                // not, where the module is run.
                toml::from_str::<wasmux_wasi::Policy>(&text).map_err(|e| {
                    Error::invalid(format!("{file} [capabilities]"), e.message().to_string())
                })?;
                Some(text)
            }
            None => None,
        };
        Ok(Manifest {
            name,
            version,
            description: p.description,
            license: p.license,
            module: PathBuf::from(module),
            entry: p.entry,
            dependencies,
            capabilities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[package]
name = "acme/math"
version = "1.2.0"
description = "adds"
license = "MIT"
module = "math.wat"
entry = "add"
[dependencies]
"acme/base" = "^1.0"
[capabilities]
clock = { allow = false }
"#;

    #[test]
    fn reads_the_documented_shape() {
        let m = Manifest::parse(GOOD, "wasmux.toml").unwrap();
        assert_eq!(m.name.as_str(), "acme/math");
        assert_eq!(m.version, semver::Version::new(1, 2, 0));
        assert_eq!(m.entry.as_deref(), Some("add"));
        assert_eq!(m.dependencies.len(), 1);
        assert!(m.capabilities.unwrap().contains("allow = false"));
    }

    #[test]
    fn faults_are_reported_at_their_line() {
        let bad = GOOD.replace("1.2.0", "1.2");
        let err = Manifest::parse(&bad, "wasmux.toml").unwrap_err();
        assert!(err.to_string().starts_with("wasmux.toml:4:"), "{err}");
        let bad = GOOD.replace("[capabilities]\nclock", "[capabilities]\nclocks");
        assert!(Manifest::parse(&bad, "m").is_err());
    }
}
