//! The registry: a home directory's blob store and index behind one handle, and the
//! operations the commands offer.

use crate::blobs::{self, BlobStore};
use crate::error::{Error, Repr, Result};
use crate::graph::{DependencyModule, Resolution};
use crate::home::Home;
use crate::index::{Index, Inserted};
use crate::lockfile::Lockfile;
use crate::manifest::Manifest;
use crate::name::{PackageName, PackageRef};
use crate::package::{manifest_for, Package};
use crate::policy::PublishPolicy;
use crate::release::{Release, ReleaseSignature};
use crate::resolve::{self, Selection};
use crate::signing::{self, KeyPair, SignatureStatus, TrustedKeys};
use crate::validate;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub struct Registry {
    home: Home,
    blobs: BlobStore,
    index: Index,
}

/// What `publish` did.
#[derive(Debug)]
pub struct Published {
    pub release: Release,
    /// `false` when the same name, version and bytes were already published.
    pub new: bool,
}

impl Registry {
    /// Opens (creating if needed) the registry in `home`.
    pub fn open(home: impl Into<PathBuf>) -> Result<Registry> {
        let home = Home::new(home);
        let index = Index::open(&home.index())?;
        Ok(Registry {
            blobs: BlobStore::new(home.blobs()),
            home,
            index,
        })
    }

    pub fn home(&self) -> &Home {
        &self.home
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// `HOME/policy.toml`, or the empty policy when there is none.
    pub fn home_policy(&self) -> Result<PublishPolicy> {
        let path = self.home.policy();
        if path.exists() {
            PublishPolicy::from_file(&path)
        } else {
            Ok(PublishPolicy::default())
        }
    }

    pub fn trusted_keys(&self) -> Result<TrustedKeys> {
        TrustedKeys::load(&self.home)
    }

    /// Publishes the package at `path` (a directory with `wasmux.toml`, a manifest, or the
    /// module file a manifest beside it names) under `policy`, signed with `key` if given.
    pub fn publish(
        &mut self,
        path: &Path,
        policy: &PublishPolicy,
        key: Option<&str>,
    ) -> Result<Published> {
        let package = Package::read(path)?;
        let signer = key.map(|k| KeyPair::load(&self.home, k)).transpose()?;
        let signature = signer.map(|k| package.sign(&k));
        self.publish_package(package, policy, signature)
    }

    /// Publishes a package already read (from disk, or uploaded to `wasmux registry serve`)
    /// under `policy`. A `signature` must verify for the package's name, version and digest.
    pub fn publish_package(
        &mut self,
        package: Package,
        policy: &PublishPolicy,
        signature: Option<ReleaseSignature>,
    ) -> Result<Published> {
        let Package {
            manifest,
            manifest_text,
            wasm,
            mut reasons,
        } = package;
        if reasons.is_empty() {
            let deps: BTreeSet<&PackageName> = manifest.dependencies.keys().collect();
            reasons.extend(validate::check(&wasm, policy, &deps));
        }
        if policy.require_signed && signature.is_none() {
            reasons.push(
                "unsigned, and the policy sets require_signed (sign with --key NAME)".to_string(),
            );
        }
        if !reasons.is_empty() {
            return Err(Repr::Refused {
                name: manifest.name.to_string(),
                version: manifest.version.to_string(),
                reasons,
            }
            .into());
        }
        let digest = blobs::digest(&wasm);
        let release = Release {
            signature,
            name: manifest.name,
            version: manifest.version,
            digest,
            size: wasm.len() as u64,
            description: manifest.description,
            license: manifest.license,
            entry: manifest.entry,
            capabilities: manifest.capabilities,
            manifest: manifest_text,
            dependencies: manifest.dependencies,
            yanked: false,
            published_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        // A signature that does not verify is refused before anything is stored.
        signing::check(&release, &TrustedKeys::default(), false)?;
        let blobs = &self.blobs;
        let inserted = self.index.insert(&release, || blobs.put(&wasm).map(drop))?;
        let release = match inserted {
            Inserted::New => release,
            // Report what is stored (its signature and date), not what was offered again.
            Inserted::AlreadyPublished => self.release(&release.name, &release.version)?,
        };
        Ok(Published {
            release,
            new: inserted == Inserted::New,
        })
    }

    pub fn release(&self, name: &PackageName, version: &semver::Version) -> Result<Release> {
        self.index
            .release(name, version)?
            .ok_or_else(|| Error::not_found(format!("no release {name}@{version} in the registry")))
    }

    /// Every release, by name and version.
    pub fn list(&self) -> Result<Vec<Release>> {
        self.index.all()
    }

    /// The releases of `reference`'s package that match its requirement, yanked ones too.
    pub fn info(&self, reference: &PackageRef) -> Result<Vec<Release>> {
        matching(reference, self.index.releases(&reference.name)?)
    }

    /// Yanks (or with `yanked = false`, restores) one release.
    pub fn yank(
        &mut self,
        name: &PackageName,
        version: &semver::Version,
        yanked: bool,
    ) -> Result<()> {
        if self.index.set_yanked(name, version, yanked)? {
            Ok(())
        } else {
            Err(Error::not_found(format!(
                "no release {name}@{version} in the registry"
            )))
        }
    }

    /// Resolves `reference` and what it depends on to the newest non-yanked versions. Every
    /// release's signature is checked; with `require_signed`, unsigned ones are refused.
    pub fn resolve(&self, reference: &PackageRef, require_signed: bool) -> Result<Resolution> {
        let selection = resolve::resolve(
            &self.index,
            &format!("the request {reference}"),
            &[(reference.name.clone(), reference.req.clone())],
        )?;
        self.check_signatures(&selection, require_signed)?;
        Resolution::new(std::slice::from_ref(&reference.name), &selection)
    }

    /// Resolves the dependencies of the manifest in `dir` and writes `dir/wasmux.lock`: the
    /// newest compatible versions, whatever an older lockfile said.
    pub fn update(&self, dir: &Path, require_signed: bool) -> Result<(PathBuf, Lockfile)> {
        let (manifest, file) = Manifest::from_path(&manifest_for(dir)?)?;
        let requirements: Vec<_> = manifest
            .dependencies
            .iter()
            .map(|(n, r)| (n.clone(), r.clone()))
            .collect();
        let root = format!("{}@{}", manifest.name, manifest.version);
        let selection = resolve::resolve(&self.index, &root, &requirements)?;
        self.check_signatures(&selection, require_signed)?;
        let roots: Vec<PackageName> = manifest.dependencies.keys().cloned().collect();
        // Ordering finds cycles before a lockfile records one.
        Resolution::new(&roots, &selection)?;
        let lock = Lockfile::from_selection(&selection);
        let path = file.with_file_name(crate::lockfile::LOCK_FILE);
        lock.write(&path)?;
        Ok((path, lock))
    }

    /// `reference` as `lock` pins it and its dependencies: exactly the locked versions, which
    /// must still be in the registry with the locked digests. A yanked pin still resolves.
    pub fn resolve_locked(
        &self,
        reference: &PackageRef,
        lock: &Lockfile,
        require_signed: bool,
    ) -> Result<Resolution> {
        let selection = lock.selection(&self.index, reference)?;
        self.check_signatures(&selection, require_signed)?;
        Resolution::new(std::slice::from_ref(&reference.name), &selection)
    }

    pub(crate) fn check_signatures(
        &self,
        selection: &Selection,
        require_signed: bool,
    ) -> Result<()> {
        let trusted = self.trusted_keys()?;
        for release in selection.values() {
            signing::check(release, &trusted, require_signed)?;
        }
        Ok(())
    }

    /// How `release` is signed, checked against the trusted keys.
    pub fn signature_status(&self, release: &Release) -> Result<SignatureStatus> {
        signing::check(release, &self.trusted_keys()?, false)
    }

    /// The module bytes of `release`, re-hashed: bytes that no longer match their digest are
    /// refused, never run.
    pub fn module_bytes(&self, release: &Release) -> Result<Vec<u8>> {
        let corrupt = |detail: String| -> Error {
            Repr::Corrupt {
                name: release.name.to_string(),
                version: release.version.to_string(),
                detail,
            }
            .into()
        };
        let bytes = self
            .blobs
            .get(&release.digest)?
            .ok_or_else(|| corrupt(format!("its module blob {} is missing", release.digest)))?;
        let found = blobs::digest(&bytes);
        if found != release.digest {
            return Err(corrupt(format!(
                "its module blob hashes to sha256 {found}, not {} (run `wasmux verify`)",
                release.digest
            )));
        }
        Ok(bytes)
    }

    /// Every package of `resolution` but its root, dependencies first, with its checked
    /// bytes: what a linker instantiates before the root (issue 10, point 7).
    pub fn dependency_modules(&self, resolution: &Resolution) -> Result<Vec<DependencyModule>> {
        let count = resolution.packages.len().saturating_sub(1);
        resolution.packages[..count]
            .iter()
            .map(|p| {
                Ok(DependencyModule {
                    import_name: p.release.name.to_string(),
                    bytes: self.module_bytes(&p.release)?,
                    release: p.release.clone(),
                })
            })
            .collect()
    }

    pub(crate) fn index_mut(&mut self) -> &mut Index {
        &mut self.index
    }
}

/// The releases in `all` (one package's) that match `reference`; an error says whether the
/// package or only a matching version is missing.
pub(crate) fn matching(reference: &PackageRef, all: Vec<Release>) -> Result<Vec<Release>> {
    if all.is_empty() {
        return Err(Error::not_found(format!(
            "no package {} in the registry",
            reference.name
        )));
    }
    let matching: Vec<Release> = all
        .into_iter()
        .filter(|r| reference.req.matches(&r.version))
        .collect();
    if matching.is_empty() {
        return Err(Error::not_found(format!(
            "no release of {} matches {}",
            reference.name, reference.req
        )));
    }
    Ok(matching)
}
