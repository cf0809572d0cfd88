//! Symlinks a guest makes must resolve inside their mount on the host too, not only through
//! cap-std (which refuses to follow them out anyway): a host user, or another mount higher up,
//! would follow them. A link is checked where it is made, and again where a rename or a hard
//! link puts it, or a directory holding it.

use super::overlap::link_stays_inside;
use crate::errno::Errno;
use cap_fs_ext::DirExt;
use std::path::Path;

/// More entries than this below a directory moved up (or to another mount) and the move is
/// refused with `EXDEV`, as between devices: the guest's libc then copies, link by link.
const MOST_CHECKED: usize = 100_000;

/// Whether the entry at `path` below `dir` (not followed) may be moved or linked to `to`
/// (below its mount's root, symlinks resolved): every symlink it is, or holds, must stay
/// inside the mount from its new place. Only needed when `to` is shallower than where the
/// entry is now, or in another mount; deeper, every link stays inside as it did.
pub fn may_move(dir: &cap_std::fs::Dir, path: &str, to: &Path) -> Result<(), Errno> {
    let meta = dir.symlink_metadata(path)?;
    if meta.is_symlink() {
        let target = dir.read_link_contents(path)?;
        return inside(to, &target);
    }
    if !meta.is_dir() {
        return Ok(());
    }
    let mut todo = vec![(dir.open_dir_nofollow(path)?, to.to_path_buf())];
    let mut seen = 0;
    while let Some((d, at)) = todo.pop() {
        for entry in d.entries()? {
            let entry = entry?;
            seen += 1;
            if seen > MOST_CHECKED {
                return Err(Errno::XDEV);
            }
            let name = entry.file_name();
            let kind = entry.file_type()?;
            if kind.is_symlink() {
                inside(&at.join(&name), &d.read_link_contents(&name)?)?;
            } else if kind.is_dir() {
                todo.push((d.open_dir_nofollow(&name)?, at.join(&name)));
            }
        }
    }
    Ok(())
}

fn inside(link: &Path, target: &Path) -> Result<(), Errno> {
    if link_stays_inside(link, target) {
        Ok(())
    } else {
        Err(Errno::NOTCAPABLE)
    }
}
