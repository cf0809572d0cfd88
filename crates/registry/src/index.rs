//! The index: which releases exist, their digests, dependencies, signatures and yank state,
//! in SQLite. Every change is one transaction; the WAL journal with `synchronous = FULL`
//! makes a committed publish survive a crash, and an uncommitted one vanish whole.

use crate::error::{Error, Result};
use crate::failpoint;
use crate::name::{parse_req, parse_version, PackageName};
use crate::release::{Release, ReleaseSignature};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Bumped with every change to the tables below; an index from a newer wasmux is refused
/// rather than misread.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE releases (
    name         TEXT    NOT NULL,
    version      TEXT    NOT NULL,
    digest       TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    description  TEXT    NOT NULL,
    license      TEXT    NOT NULL,
    entry        TEXT,
    capabilities TEXT,
    manifest     TEXT    NOT NULL,
    key_id       TEXT,
    signature    TEXT,
    yanked       INTEGER NOT NULL DEFAULT 0,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (name, version)
) WITHOUT ROWID;
CREATE INDEX releases_by_digest ON releases (digest);
CREATE TABLE dependencies (
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    dependency  TEXT NOT NULL,
    requirement TEXT NOT NULL,
    PRIMARY KEY (name, version, dependency),
    FOREIGN KEY (name, version) REFERENCES releases (name, version) ON DELETE CASCADE
) WITHOUT ROWID;
";

const COLUMNS: &str = "name, version, digest, size, description, license, entry, capabilities, \
                       manifest, key_id, signature, yanked, published_at";

/// What a publish did to the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inserted {
    New,
    /// The same name, version and bytes were already there: publishing is idempotent.
    AlreadyPublished,
}

pub struct Index {
    conn: Connection,
    path: PathBuf,
}

impl Index {
    pub fn open(path: &Path) -> Result<Index> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let db = |e| Error::db(path, e);
        let conn = Connection::open(path).map_err(db)?;
        // Another process publishing holds the write lock for milliseconds; wait for it.
        conn.busy_timeout(Duration::from_secs(10)).map_err(db)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
        let mut index = Index {
            conn,
            path: path.to_path_buf(),
        };
        index.migrate()?;
        Ok(index)
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |e| Error::db(&self.path, e)
    }

    fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let db = |e| Error::db(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db)?;
        match version {
            0 => {
                tx.execute_batch(SCHEMA).map_err(db)?;
                tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                    .map_err(db)?;
            }
            SCHEMA_VERSION => {}
            newer => {
                return Err(Error::invalid(
                    format!("the registry index {}", path.display()),
                    format!("schema version {newer}; this wasmux reads version {SCHEMA_VERSION}"),
                ))
            }
        }
        tx.commit().map_err(db)
    }

    /// Adds `release` with its dependencies in one transaction. The same bytes again are a
    /// no-op; other bytes under a published version are refused. `store_blob` runs inside the
    /// transaction, after those checks and before the commit: `gc` takes the same write lock,
    /// so it never sees a blob that is written but not yet indexed.
    pub fn insert(
        &mut self,
        release: &Release,
        store_blob: impl FnOnce() -> Result<()>,
    ) -> Result<Inserted> {
        let path = self.path.clone();
        let db = |e| Error::db(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let (name, version) = (release.name.as_str(), release.version.to_string());
        let existing: Option<String> = tx
            .query_row(
                "SELECT digest FROM releases WHERE name = ?1 AND version = ?2",
                params![name, version],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        if let Some(existing) = existing {
            if existing == release.digest {
                // Stored again all the same: `put` only checks an intact blob, and replaces a
                // damaged or missing one, so publishing again repairs it.
                store_blob()?;
                return Ok(Inserted::AlreadyPublished);
            }
            return Err(crate::error::Repr::Conflict {
                name: name.to_string(),
                version,
                existing,
            }
            .into());
        }
        store_blob()?;
        let (key_id, signature) = match &release.signature {
            Some(s) => (Some(s.key_id.as_str()), Some(s.signature.as_str())),
            None => (None, None),
        };
        tx.execute(
            &format!("INSERT INTO releases ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12)"),
            params![
                name,
                version,
                release.digest,
                release.size as i64,
                release.description,
                release.license,
                release.entry,
                release.capabilities,
                release.manifest,
                key_id,
                signature,
                release.published_at as i64,
            ],
        )
        .map_err(db)?;
        for (dep, req) in &release.dependencies {
            tx.execute(
                "INSERT INTO dependencies (name, version, dependency, requirement) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![name, version, dep.as_str(), req.to_string()],
            )
            .map_err(db)?;
        }
        failpoint::hit("index-before-commit");
        tx.commit().map_err(db)?;
        failpoint::hit("index-committed");
        Ok(Inserted::New)
    }

    /// Every release of `name`, oldest version first.
    pub fn releases(&self, name: &PackageName) -> Result<Vec<Release>> {
        self.query("WHERE name = ?1", params![name.as_str()])
    }

    pub fn all(&self) -> Result<Vec<Release>> {
        self.query("", params![])
    }

    pub fn release(
        &self,
        name: &PackageName,
        version: &semver::Version,
    ) -> Result<Option<Release>> {
        let found = self.query(
            "WHERE name = ?1 AND version = ?2",
            params![name.as_str(), version.to_string()],
        )?;
        Ok(found.into_iter().next())
    }

    /// Marks a release yanked (or not). `false` when there is no such release.
    pub fn set_yanked(
        &mut self,
        name: &PackageName,
        version: &semver::Version,
        yanked: bool,
    ) -> Result<bool> {
        let changed = self
            .conn
            .execute(
                "UPDATE releases SET yanked = ?3 WHERE name = ?1 AND version = ?2",
                params![name.as_str(), version.to_string(), yanked],
            )
            .map_err(self.db())?;
        Ok(changed > 0)
    }

    /// Runs `f` holding the index's write lock (no publish can be between its blob and its
    /// commit meanwhile), with the digests the index refers to.
    pub fn locked<T>(&mut self, f: impl FnOnce(&BTreeSet<String>) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let db = |e| Error::db(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let digests = {
            let mut stmt = tx
                .prepare("SELECT DISTINCT digest FROM releases")
                .map_err(db)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
            rows.collect::<Result<BTreeSet<_>, _>>().map_err(db)?
        };
        let out = f(&digests)?;
        tx.commit().map_err(db)?;
        Ok(out)
    }

    /// Every digest some release refers to.
    pub fn digests(&self) -> Result<BTreeSet<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT digest FROM releases")
            .map_err(self.db())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.db())?;
        rows.collect::<Result<_, _>>().map_err(self.db())
    }

    /// SQLite's own check of its file: pages, indexes, foreign keys.
    pub fn integrity(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(self.db())?;
        for row in stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.db())?
        {
            let line = row.map_err(self.db())?;
            if line != "ok" {
                problems.push(line);
            }
        }
        let mut stmt = self
            .conn
            .prepare("PRAGMA foreign_key_check")
            .map_err(self.db())?;
        let orphans = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.db())?
            .count();
        if orphans > 0 {
            problems.push(format!("{orphans} dependency rows without their release"));
        }
        Ok(problems)
    }

    /// Releases selected by `filter`, each with its dependencies, sorted by name and version.
    fn query(&self, filter: &str, args: impl rusqlite::Params + Clone) -> Result<Vec<Release>> {
        let db = self.db();
        let mut deps: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT name, version, dependency, requirement FROM dependencies {filter}"
            ))
            .map_err(&db)?;
        let rows = stmt
            .query_map(args.clone(), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(&db)?;
        for row in rows {
            let (name, version, dep, req): (String, String, String, String) = row.map_err(&db)?;
            deps.entry((name, version)).or_default().push((dep, req));
        }
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM releases {filter}"))
            .map_err(&db)?;
        let rows = stmt.query_map(args, row_fields).map_err(&db)?;
        let mut out = Vec::new();
        for row in rows {
            let f = row.map_err(&db)?;
            let deps = deps
                .remove(&(f.name.clone(), f.version.clone()))
                .unwrap_or_default();
            out.push(f.into_release(deps)?);
        }
        out.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
        Ok(out)
    }
}

/// A row as SQLite gives it, before the text is checked.
struct Fields {
    name: String,
    version: String,
    digest: String,
    size: i64,
    description: String,
    license: String,
    entry: Option<String>,
    capabilities: Option<String>,
    manifest: String,
    key_id: Option<String>,
    signature: Option<String>,
    yanked: bool,
    published_at: i64,
}

fn row_fields(r: &rusqlite::Row<'_>) -> rusqlite::Result<Fields> {
    Ok(Fields {
        name: r.get(0)?,
        version: r.get(1)?,
        digest: r.get(2)?,
        size: r.get(3)?,
        description: r.get(4)?,
        license: r.get(5)?,
        entry: r.get(6)?,
        capabilities: r.get(7)?,
        manifest: r.get(8)?,
        key_id: r.get(9)?,
        signature: r.get(10)?,
        yanked: r.get(11)?,
        published_at: r.get(12)?,
    })
}

impl Fields {
    /// The row as a release; text that no longer parses (an index edited by hand) is an
    /// error naming the release, never a panic.
    fn into_release(self, deps: Vec<(String, String)>) -> Result<Release> {
        let context = format!("the index entry {}@{}", self.name, self.version);
        let mut dependencies = BTreeMap::new();
        for (dep, req) in deps {
            dependencies.insert(PackageName::parse(&dep)?, parse_req(&req, &context)?);
        }
        Ok(Release {
            name: PackageName::parse(&self.name)?,
            version: parse_version(&self.version, &context)?,
            digest: self.digest,
            size: self.size.max(0) as u64,
            description: self.description,
            license: self.license,
            entry: self.entry,
            capabilities: self.capabilities,
            manifest: self.manifest,
            dependencies,
            signature: match (self.key_id, self.signature) {
                (Some(key_id), Some(signature)) => Some(ReleaseSignature { key_id, signature }),
                _ => None,
            },
            yanked: self.yanked,
            published_at: self.published_at.max(0) as u64,
        })
    }
}
