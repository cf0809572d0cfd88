//! The publish policy: what a module must be to be published. A TOML file (by default
//! `HOME/policy.toml`) and the same as `wasmux publish` flags:
//!
//! ```toml
//! allowed_imports = ["wasi_snapshot_preview1"]  # besides the manifest's dependencies
//! max_size = "10MiB"
//! forbidden_features = ["threads", "simd"]      # wasmparser's proposal names
//! required_exports = ["memory"]
//! require_signed = true                         # also enforced by `wasmux run`
//! ```

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer};
use std::path::Path;
use wasmparser::WasmFeatures;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishPolicy {
    /// Import modules a module may import from besides its dependencies; `None` allows any.
    #[serde(default)]
    pub allowed_imports: Option<Vec<String>>,
    #[serde(default, deserialize_with = "size")]
    pub max_size: Option<u64>,
    #[serde(default)]
    pub forbidden_features: Vec<String>,
    #[serde(default)]
    pub required_exports: Vec<String>,
    #[serde(default)]
    pub require_signed: bool,
}

impl PublishPolicy {
    /// Reads a policy file; a missing default file is an empty policy, a bad one an error
    /// with its line.
    pub fn from_file(path: &Path) -> Result<PublishPolicy> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        PublishPolicy::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, file: &str) -> Result<PublishPolicy> {
        let policy: PublishPolicy = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            Error::invalid(format!("{file}:{line}"), e.message().to_string())
        })?;
        for name in &policy.forbidden_features {
            feature(name).map_err(|e| Error::invalid(file.to_string(), e))?;
        }
        Ok(policy)
    }

    /// Flags on top of a file: lists add to it, single values replace it.
    pub fn merge(&mut self, flags: PublishPolicy) {
        if let Some(more) = flags.allowed_imports {
            self.allowed_imports
                .get_or_insert_with(Vec::new)
                .extend(more);
        }
        self.max_size = flags.max_size.or(self.max_size);
        self.forbidden_features.extend(flags.forbidden_features);
        self.required_exports.extend(flags.required_exports);
        self.require_signed |= flags.require_signed;
    }
}

/// A proposal by its wasmparser name, written as in the spec repositories: `threads`,
/// `simd`, `relaxed-simd`, `multi-memory`, `memory64`, `exceptions`, `gc`, `tail-call`, ...
pub fn feature(name: &str) -> Result<WasmFeatures, String> {
    let flag = name.to_ascii_uppercase().replace('-', "_");
    WasmFeatures::from_name(&flag).ok_or_else(|| {
        let known: Vec<String> = WasmFeatures::all()
            .iter_names()
            .map(|(n, _)| n.to_ascii_lowercase().replace('_', "-"))
            .collect();
        format!("unknown feature {name:?} (known: {})", known.join(", "))
    })
}

fn size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrText {
        Num(u64),
        Text(String),
    }
    match NumOrText::deserialize(d)? {
        NumOrText::Num(n) => Ok(Some(n)),
        NumOrText::Text(t) => wasmux_core::parse_size(&t)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}
