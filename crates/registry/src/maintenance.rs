//! `verify` and `gc`: reading every blob back against the index, and removing what no
//! release refers to.

use crate::blobs::BlobState;
use crate::error::Result;
use crate::registry::Registry;
use crate::signing;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A fault `verify` found: the registry is not consistent while there is one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Problem {
    /// `name@version`, or `index` for the database itself.
    pub release: String,
    /// `corrupt`, `missing`, `signature` or `index`.
    pub kind: String,
    pub detail: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VerifyReport {
    pub releases: usize,
    pub blobs_checked: usize,
    pub problems: Vec<Problem>,
    /// Blobs no release refers to (left by an interrupted publish, or by yanking nothing):
    /// harmless, and `gc` removes them.
    pub unreferenced_blobs: Vec<String>,
    /// Unfinished writes of killed processes; `gc` removes them.
    pub temp_files: usize,
}

impl VerifyReport {
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct GcReport {
    pub blobs_removed: usize,
    pub temp_files_removed: usize,
    pub bytes_freed: u64,
}

impl Registry {
    /// Re-hashes every blob a release refers to, checks every signature and the index file.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        for problem in self.index().integrity()? {
            report.problems.push(Problem {
                release: "index".into(),
                kind: "index".into(),
                detail: problem,
            });
        }
        let releases = self.list()?;
        let trusted = self.trusted_keys()?;
        report.releases = releases.len();
        let mut states: BTreeMap<String, BlobState> = BTreeMap::new();
        for release in &releases {
            if !states.contains_key(&release.digest) {
                states.insert(release.digest.clone(), self.blobs().state(&release.digest)?);
            }
            let (kind, detail) = match &states[&release.digest] {
                BlobState::Intact => ("", String::new()),
                BlobState::Missing => ("missing", format!("blob {} is missing", release.digest)),
                BlobState::Corrupt(found) => (
                    "corrupt",
                    format!("blob {} hashes to {found}", release.digest),
                ),
            };
            if !kind.is_empty() {
                report.problems.push(Problem {
                    release: release.id(),
                    kind: kind.into(),
                    detail,
                });
            }
            if let Err(e) = signing::check(release, &trusted, false) {
                report.problems.push(Problem {
                    release: release.id(),
                    kind: "signature".into(),
                    detail: e.to_string(),
                });
            }
        }
        report.blobs_checked = states.len();
        report.unreferenced_blobs = self
            .blobs()
            .list()?
            .into_iter()
            .filter(|d| !states.contains_key(d))
            .collect();
        report.temp_files = self.blobs().temp_files()?.len();
        Ok(report)
    }

    /// Removes blobs no release refers to and unfinished writes, holding the index's write
    /// lock so that no publish is between writing its blob and committing. Yanked releases
    /// keep their blobs: a lockfile may still pin them.
    pub fn gc(&mut self, dry_run: bool) -> Result<GcReport> {
        let blobs = self.blobs().clone();
        self.index_mut().locked(|referenced| {
            let mut report = GcReport::default();
            for digest in blobs.list()? {
                if !referenced.contains(&digest) {
                    report.bytes_freed += blobs.size(&digest);
                    report.blobs_removed += 1;
                    if !dry_run {
                        blobs.remove(&digest)?;
                    }
                }
            }
            for (path, bytes) in blobs.temp_files()? {
                report.bytes_freed += bytes;
                report.temp_files_removed += 1;
                if !dry_run {
                    std::fs::remove_file(&path).map_err(|e| crate::Error::io(&path, e))?;
                }
            }
            Ok(report)
        })
    }
}
