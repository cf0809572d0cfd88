//! `wasmux.lock`: the versions and digests a resolution chose, so that later runs use exactly
//! those bytes. Written whole through a temporary file and a rename, like every other write.

use crate::error::{Error, Result};
use crate::name::{PackageName, PackageRef};
use crate::resolve::Selection;
use crate::source::ReleaseSource;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const LOCK_FILE: &str = "wasmux.lock";
const FORMAT: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lockfile {
    pub version: u32,
    #[serde(default, rename = "package")]
    pub packages: Vec<LockedPackage>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedPackage {
    pub name: PackageName,
    pub version: semver::Version,
    pub sha256: String,
    /// The packages it imports from, by name (their versions are their own entries).
    #[serde(default)]
    pub dependencies: Vec<PackageName>,
}

impl Lockfile {
    pub fn from_selection(selection: &Selection) -> Lockfile {
        Lockfile {
            version: FORMAT,
            packages: selection
                .values()
                .map(|r| LockedPackage {
                    name: r.name.clone(),
                    version: r.version.clone(),
                    sha256: r.digest.clone(),
                    dependencies: r.dependencies.keys().cloned().collect(),
                })
                .collect(),
        }
    }

    pub fn get(&self, name: &PackageName) -> Option<&LockedPackage> {
        self.packages.iter().find(|p| &p.name == name)
    }

    /// The releases this lockfile pins for `reference` and what it depends on, read from
    /// `source`: each must still be there with the locked digest. A yanked pin still resolves.
    pub(crate) fn selection(
        &self,
        source: &dyn ReleaseSource,
        reference: &PackageRef,
    ) -> Result<Selection> {
        let mut selection = Selection::new();
        let mut todo = vec![(
            reference.name.clone(),
            reference.req.clone(),
            "the request".to_string(),
        )];
        while let Some((name, req, wanted_by)) = todo.pop() {
            if selection.contains_key(&name) {
                continue;
            }
            let pinned = self.get(&name).ok_or_else(|| {
                Error::locked(format!(
                    "the lockfile has no entry for {name} (wanted by {wanted_by}); run `wasmux update`"
                ))
            })?;
            if !req.matches(&pinned.version) {
                return Err(Error::locked(format!(
                    "the lockfile pins {name}@{}, which does not satisfy {req} (wanted by \
                     {wanted_by}); run `wasmux update`",
                    pinned.version
                )));
            }
            let release = source
                .releases(&name)?
                .into_iter()
                .find(|r| r.version == pinned.version)
                .ok_or_else(|| {
                    Error::locked(format!(
                        "the lockfile pins {name}@{}, which is not in the registry",
                        pinned.version
                    ))
                })?;
            if release.digest != pinned.sha256 {
                return Err(Error::locked(format!(
                    "digest mismatch for {}: the lockfile says sha256 {}, the registry has {}",
                    release.id(),
                    pinned.sha256,
                    release.digest
                )));
            }
            for (dep, dep_req) in &release.dependencies {
                todo.push((dep.clone(), dep_req.clone(), release.id()));
            }
            selection.insert(name, release);
        }
        Ok(selection)
    }

    pub fn read(path: &Path) -> Result<Lockfile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let lock: Lockfile = toml::from_str(&text)
            .map_err(|e| Error::invalid(path.display().to_string(), e.message().to_string()))?;
        if lock.version != FORMAT {
            return Err(Error::invalid(
                path.display().to_string(),
                format!(
                    "lockfile format {}; this wasmux reads format {FORMAT}",
                    lock.version
                ),
            ));
        }
        Ok(lock)
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let body = toml::to_string(self)
            .map_err(|e| Error::invalid(path.display().to_string(), e.to_string()))?;
        let text = format!(
            "# Written by `wasmux update`: the versions and sha256 digests chosen. Runs with\n\
             # --lock use exactly these; edit the manifest and run `wasmux update` instead.\n{body}"
        );
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut temp = tempfile_in(dir)?;
        use std::io::Write;
        temp.1
            .write_all(text.as_bytes())
            .and_then(|()| temp.1.sync_all())
            .map_err(|e| Error::io(&temp.0, e))?;
        std::fs::rename(&temp.0, path).map_err(|e| {
            let _ = std::fs::remove_file(&temp.0);
            Error::io(path, e)
        })
    }
}

fn tempfile_in(dir: &Path) -> Result<(std::path::PathBuf, std::fs::File)> {
    let path = dir.join(format!(".{LOCK_FILE}.tmp-{}", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    Ok((path, file))
}
