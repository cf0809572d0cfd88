//! Which mount decides for a path, when mounts overlap on the host (`--dir D::/` and
//! `--dir D/secrets::/secrets:ro`): the most specific one, the deepest host directory holding
//! the path, as bind mounts decide on Linux; read-only where two are equally specific. So
//! read-only holds whatever mount, symlink or `..` reaches the file.

use crate::errno::Errno;
use crate::live::{Live, MountState};
use crate::table::DirEntry;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Where a path leads: the mount that decides for it, and the path below that mount's host
/// directory.
pub struct Target {
    pub mount: Arc<MountState>,
    pub at: PathBuf,
}

impl Target {
    /// Whether the path is the root of its mount, which must not be removed or renamed
    /// through another mount (`EBUSY`, as for a mount point).
    pub fn is_mount_root(&self) -> bool {
        self.at.as_os_str().is_empty()
    }
}

/// The mount deciding for `path` below `dir`. Without overlapping mounts this is the
/// directory's own and costs nothing; with them, the path is resolved on the host (see
/// [`located`]) and the deepest mount holding it wins.
pub fn target(live: &Live, dir: &DirEntry, path: &str, follow: bool) -> Result<Target, Errno> {
    let here = dir.mount.host.join(&dir.at);
    if live.mounts_within(&here, &dir.mount).is_empty() {
        return Ok(Target {
            mount: dir.mount.clone(),
            at: dir.at.join(lexical(path)),
        });
    }
    located(live, dir, path, follow)
}

/// Where `path` below `dir` really is: symlinks of its directories resolved always, of its
/// last component when `follow`, and `..` taken on the host; the deepest mount holding it
/// decides. Needed wherever depth matters (a symlink's target, an opened directory).
pub fn located(live: &Live, dir: &DirEntry, path: &str, follow: bool) -> Result<Target, Errno> {
    let here = dir.mount.host.join(&dir.at);
    let host = here.join(physical(&dir.dir, Path::new(path), follow)?);
    let mut best = (dir.mount.clone(), dir.mount.host.components().count());
    for m in live.mounts_within(&here, &dir.mount) {
        let depth = m.host.components().count();
        let deeper = depth > best.1 || (depth == best.1 && m.readonly());
        if host.starts_with(&m.host) && deeper {
            best = (m, depth);
        }
    }
    let at = host
        .strip_prefix(&best.0.host)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Ok(Target { mount: best.0, at })
}

/// Whether a symlink at `link` (below its mount's root) pointing at `target` resolves inside
/// the mount, read lexically from where the link is: absolute targets never do, and `..` may
/// climb only as high as the link is deep.
pub fn link_stays_inside(link: &Path, target: &Path) -> bool {
    let mut depth: i64 = 0;
    let parent = link.parent().unwrap_or(Path::new(""));
    for c in parent.components().chain(target.components()) {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// `path` without `.` components; a lexical guess used only where no mount overlaps, to
/// give opened directories a location.
fn lexical(path: &str) -> PathBuf {
    Path::new(path).components().collect()
}

/// `path` below `dir` with symlinks resolved (inside `dir`: cap-std refuses to leave it), as
/// a path relative to `dir`. The last component need not exist.
fn physical(dir: &cap_std::fs::Dir, path: &Path, follow: bool) -> Result<PathBuf, Errno> {
    if follow {
        if let Ok(p) = dir.canonicalize(path) {
            return Ok(p);
        }
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) if parent.as_os_str().is_empty() => Ok(PathBuf::from(name)),
        (Some(parent), Some(name)) => Ok(dir.canonicalize(parent)?.join(name)),
        // `.`, `..` or a path ending in them names a directory that must exist.
        _ => Ok(dir.canonicalize(path)?),
    }
}
