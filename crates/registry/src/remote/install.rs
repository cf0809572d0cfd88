//! Installing from a registry server: the releases a run needs, resolved against the server's
//! index, checked (digest, and signature against this home's trusted keys) and stored in the
//! local registry, from which they then run as if published here.

use super::RemoteRegistry;
use crate::error::{Repr, Result};
use crate::graph::Resolution;
use crate::index::Inserted;
use crate::lockfile::Lockfile;
use crate::name::PackageRef;
use crate::registry::Registry;
use crate::resolve;

impl Registry {
    /// Resolves `reference` on `remote` (to the versions `lock` pins, when given), checks every
    /// signature with this home's trusted keys, downloads what this registry lacks and stores
    /// it. A release this registry already holds under the same version with other bytes is
    /// refused: one name and version never means two modules.
    pub fn install(
        &mut self,
        remote: &RemoteRegistry,
        reference: &PackageRef,
        lock: Option<&Lockfile>,
        require_signed: bool,
    ) -> Result<Resolution> {
        let selection = match lock {
            Some(lock) => lock.selection(remote, reference)?,
            None => resolve::resolve(
                remote,
                &format!("the request {reference}"),
                &[(reference.name.clone(), reference.req.clone())],
            )?,
        };
        self.check_signatures(&selection, require_signed)?;
        // Before any download: a cycle would make the set unusable.
        let resolution = Resolution::new(std::slice::from_ref(&reference.name), &selection)?;
        for release in selection.values() {
            if let Some(local) = self.index().release(&release.name, &release.version)? {
                if local.digest == release.digest {
                    continue;
                }
                return Err(Repr::Conflict {
                    name: release.name.to_string(),
                    version: release.version.to_string(),
                    existing: local.digest,
                }
                .into());
            }
            let module = remote.module(release)?;
            let blobs = self.blobs().clone();
            let inserted = self
                .index_mut()
                .insert(release, || blobs.put(&module).map(drop))?;
            if inserted == Inserted::New && release.yanked {
                self.yank(&release.name, &release.version, true)?;
            }
        }
        Ok(resolution)
    }
}
