//! A package as it is offered for publishing: its manifest (parsed, and as written) and its
//! module's wasm bytes, read from a directory or received by `wasmux registry serve`.

use crate::blobs;
use crate::error::{Error, Result};
use crate::manifest::{Manifest, MANIFEST_FILE};
use crate::release::ReleaseSignature;
use crate::signing::KeyPair;
use std::path::{Path, PathBuf};

pub struct Package {
    pub manifest: Manifest,
    pub manifest_text: String,
    /// The module (a `.wat` module compiled to wasm).
    pub wasm: Vec<u8>,
    /// Why the module could not even be read as one: reported with the publish policy's
    /// reasons, so that a refusal lists every reason at once.
    pub reasons: Vec<String>,
}

impl Package {
    /// The package at `path`: a directory with `wasmux.toml`, a manifest, or the module file
    /// a manifest beside it names.
    pub fn read(path: &Path) -> Result<Package> {
        let manifest_path = manifest_for(path)?;
        let (manifest, manifest_file) = Manifest::from_path(&manifest_path)?;
        let manifest_text =
            std::fs::read_to_string(&manifest_file).map_err(|e| Error::io(&manifest_file, e))?;
        let dir = manifest_file.parent().unwrap_or(Path::new("."));
        let module_path = dir.join(&manifest.module);
        if path.is_file() && path.extension().is_some_and(|e| e == "wasm" || e == "wat") {
            let same = path.canonicalize().ok() == module_path.canonicalize().ok();
            if !same {
                return Err(Error::invalid(
                    manifest_file.display().to_string(),
                    format!(
                        "names module {}, not {}",
                        manifest.module.display(),
                        path.display()
                    ),
                ));
            }
        }
        let source = std::fs::read(&module_path).map_err(|e| Error::io(&module_path, e))?;
        let mut reasons = Vec::new();
        let wasm = if module_path.extension().is_some_and(|e| e == "wat") {
            match wat::parse_bytes(&source) {
                Ok(wasm) => wasm.into_owned(),
                Err(mut e) => {
                    e.set_path(&module_path);
                    reasons.push(format!("not valid WebAssembly text: {e}"));
                    Vec::new()
                }
            }
        } else {
            source
        };
        Ok(Package {
            manifest,
            manifest_text,
            wasm,
            reasons,
        })
    }

    /// A package received whole: the manifest's text and the module's wasm bytes.
    pub fn from_parts(manifest_text: String, wasm: Vec<u8>, file: &str) -> Result<Package> {
        let manifest = Manifest::parse(&manifest_text, file)?;
        Ok(Package {
            manifest,
            manifest_text,
            wasm,
            reasons: Vec::new(),
        })
    }

    /// sha256 of the module, as the release will record it.
    pub fn digest(&self) -> String {
        blobs::digest(&self.wasm)
    }

    /// `key`'s signature over the release this package becomes.
    pub fn sign(&self, key: &KeyPair) -> ReleaseSignature {
        key.sign(
            self.manifest.name.as_str(),
            &self.manifest.version,
            &self.digest(),
        )
    }
}

/// The manifest file for `path`: a directory's `wasmux.toml`, a `.toml` file itself, or the
/// `wasmux.toml` beside a module file.
pub(crate) fn manifest_for(path: &Path) -> Result<PathBuf> {
    if path.is_dir() {
        return Ok(path.join(MANIFEST_FILE));
    }
    if !path.exists() {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
        ));
    }
    if path.extension().is_some_and(|e| e == "toml") {
        return Ok(path.to_path_buf());
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok(dir.join(MANIFEST_FILE))
}
