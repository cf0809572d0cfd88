//! Functions on paths below a directory descriptor. Every lookup goes through cap-std, which
//! refuses to leave the directory by `..`, absolute paths or symlinks; read-only mounts are
//! checked here, before the host filesystem is touched.

use super::stat::{set_times_request, Stat};
use super::{Args, Call, Res};
use crate::abi::{fdflags, oflags, rights, LOOKUP_SYMLINK_FOLLOW};
use crate::errno::Errno;
use crate::table::{DirEntry, Entry, FileEntry};
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, SystemTimeSpec};
use std::path::{Component, Path};

/// A guest path as cap-std should see it: relative, non-empty, no NUL.
fn checked(path: &str) -> Result<&Path, Errno> {
    if path.is_empty() {
        return Err(Errno::NOENT);
    }
    if path.contains('\0') {
        return Err(Errno::INVAL);
    }
    if path.starts_with('/') {
        return Err(Errno::NOTCAPABLE);
    }
    Ok(Path::new(path))
}

/// Reads the path argument at `(ptr, len)` and the directory at `fd`.
fn dir_and_path<'a>(
    call: &'a mut Call,
    fd: u32,
    ptr: u32,
    len: u32,
) -> Result<(&'a mut DirEntry, String), Errno> {
    let path = call.path(ptr, len)?;
    checked(&path)?;
    Ok((call.st.table.dir(fd)?, path))
}

/// The same, for calls that change the directory: read-only mounts say `EROFS`.
fn writable_dir<'a>(
    call: &'a mut Call,
    fd: u32,
    ptr: u32,
    len: u32,
) -> Result<(&'a mut DirEntry, String), Errno> {
    let path = call.path(ptr, len)?;
    checked(&path)?;
    let d = call.st.table.dir(fd)?;
    if d.mount.readonly() {
        call.rule = Some(d.mount.rule());
        return Err(Errno::ROFS);
    }
    Ok((d, path))
}

pub fn path_open(call: &mut Call, a: &Args) -> Res {
    let (fd, dirflags, ptr, len) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3));
    let (oflags, base, fdf, out) = (a.u32(4) as u16, a.u64(5), a.u32(7) as u16, a.u32(8));
    call.mem.slice(out, 4)?;
    let path = call.path(ptr, len)?;
    checked(&path)?;
    let d = call.st.table.dir(fd)?;
    let follow = dirflags & LOOKUP_SYMLINK_FOLLOW != 0;
    let append = fdf & fdflags::APPEND != 0;
    let (creat, excl, trunc) = (
        oflags & oflags::CREAT != 0,
        oflags & oflags::EXCL != 0,
        oflags & oflags::TRUNC != 0,
    );
    let write = base & rights::FILE_WRITE != 0 || append || trunc;
    if d.mount.readonly() && (write || creat) {
        call.rule = Some(d.mount.rule());
        return Err(Errno::ROFS.into());
    }
    let mount = d.mount.clone();
    let entry = if oflags & oflags::DIRECTORY != 0 {
        if creat || trunc || write {
            return Err(Errno::INVAL.into());
        }
        let dir = if follow {
            d.dir.open_dir(&path)?
        } else {
            d.dir.open_dir_nofollow(&path)?
        };
        Entry::Dir(DirEntry {
            dir,
            preopen: None,
            mount,
        })
    } else {
        let read = base & rights::FD_READ != 0 || !write;
        let mut opts = cap_std::fs::OpenOptions::new();
        // The host needs write access to create a file even when the guest only asked to
        // read it; the guest's own access is enforced per call from `readable`/`writable`.
        opts.read(true)
            .write(write || creat)
            .append(append)
            .truncate(trunc)
            .create(creat)
            .create_new(creat && excl);
        if !follow {
            opts.follow(FollowSymlinks::No);
        }
        let file = d.dir.open_with(&path, &opts)?.into_std();
        if file.metadata()?.is_dir() {
            // Opening a directory without `O_DIRECTORY` still yields something `fd_readdir`
            // can list.
            Entry::Dir(DirEntry {
                dir: cap_std::fs::Dir::from_std_file(file),
                preopen: None,
                mount,
            })
        } else {
            Entry::File(FileEntry {
                file,
                readable: read,
                writable: write,
                append,
                mount,
            })
        }
    };
    let new_fd = call.st.table.push(entry)?;
    call.mem.write_u32(out, new_fd)?;
    Ok(())
}

pub fn path_create_directory(call: &mut Call, a: &Args) -> Res {
    let (d, path) = writable_dir(call, a.u32(0), a.u32(1), a.u32(2))?;
    d.dir.create_dir(&path)?;
    Ok(())
}

pub fn path_remove_directory(call: &mut Call, a: &Args) -> Res {
    let (d, path) = writable_dir(call, a.u32(0), a.u32(1), a.u32(2))?;
    d.dir.remove_dir(&path)?;
    Ok(())
}

pub fn path_unlink_file(call: &mut Call, a: &Args) -> Res {
    let (d, path) = writable_dir(call, a.u32(0), a.u32(1), a.u32(2))?;
    d.dir.remove_file(&path)?;
    Ok(())
}

pub fn path_filestat_get(call: &mut Call, a: &Args) -> Res {
    let (fd, flags, ptr, len, out) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3), a.u32(4));
    call.mem.slice(out, crate::abi::FILESTAT_SIZE)?;
    let (d, path) = dir_and_path(call, fd, ptr, len)?;
    let meta = if flags & LOOKUP_SYMLINK_FOLLOW != 0 {
        d.dir.metadata(&path)?
    } else {
        d.dir.symlink_metadata(&path)?
    };
    Stat::from(&meta).write(&mut call.mem, out)?;
    Ok(())
}

pub fn path_filestat_set_times(call: &mut Call, a: &Args) -> Res {
    let (fd, flags, ptr, len) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3));
    let (atime, mtime) = set_times_request(a.u64(4), a.u64(5), a.u32(6) as u16)?;
    let spec = |t: Option<std::time::SystemTime>| {
        t.map(|t| SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(t)))
    };
    let (d, path) = writable_dir(call, fd, ptr, len)?;
    if flags & LOOKUP_SYMLINK_FOLLOW != 0 {
        d.dir.set_times(&path, spec(atime), spec(mtime))?;
    } else {
        d.dir.set_symlink_times(&path, spec(atime), spec(mtime))?;
    }
    Ok(())
}

pub fn path_readlink(call: &mut Call, a: &Args) -> Res {
    let (fd, ptr, len, buf, buf_len, used) =
        (a.u32(0), a.u32(1), a.u32(2), a.u32(3), a.u32(4), a.u32(5));
    call.mem.slice(buf, buf_len)?;
    call.mem.slice(used, 4)?;
    let (d, path) = dir_and_path(call, fd, ptr, len)?;
    let target = d.dir.read_link(&path)?;
    let target = target.to_string_lossy();
    let bytes = &target.as_bytes()[..target.len().min(buf_len as usize)];
    call.mem.write(buf, bytes)?;
    call.mem.write_u32(used, bytes.len() as u32)?;
    Ok(())
}

/// Whether a symlink at `link` (relative to its directory fd) pointing at `target` stays inside
/// that directory when read lexically. cap-std would refuse to follow an escaping link anyway;
/// refusing to create one also keeps the host directory free of links that point outside.
fn target_stays_inside(link: &Path, target: &Path) -> bool {
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

pub fn path_symlink(call: &mut Call, a: &Args) -> Res {
    let target = call.path(a.u32(0), a.u32(1))?;
    let (d, link) = writable_dir(call, a.u32(2), a.u32(3), a.u32(4))?;
    if target.is_empty() || !target_stays_inside(Path::new(&link), Path::new(&target)) {
        return Err(Errno::NOTCAPABLE.into());
    }
    d.dir.symlink(&target, &link)?;
    Ok(())
}

/// Two directories of one call (rename, link): both must exist, and both must be writable,
/// since the source side changes too (rename) or the target could then be written through the
/// new name (link).
fn two_dirs(
    call: &mut Call,
    (old_fd, old_ptr, old_len): (u32, u32, u32),
    (new_fd, new_ptr, new_len): (u32, u32, u32),
) -> Result<(cap_std::fs::Dir, String, cap_std::fs::Dir, String), Errno> {
    let (old, old_path) = writable_dir(call, old_fd, old_ptr, old_len)?;
    let old = old.dir.try_clone()?;
    let (new, new_path) = writable_dir(call, new_fd, new_ptr, new_len)?;
    let new = new.dir.try_clone()?;
    Ok((old, old_path, new, new_path))
}

pub fn path_rename(call: &mut Call, a: &Args) -> Res {
    let (old, old_path, new, new_path) = two_dirs(
        call,
        (a.u32(0), a.u32(1), a.u32(2)),
        (a.u32(3), a.u32(4), a.u32(5)),
    )?;
    old.rename(&old_path, &new, &new_path)?;
    Ok(())
}

pub fn path_link(call: &mut Call, a: &Args) -> Res {
    // The source is linked itself, never followed: a symlink source stays a link that cap-std
    // resolves inside the sandbox.
    let (old, old_path, new, new_path) = two_dirs(
        call,
        (a.u32(0), a.u32(2), a.u32(3)),
        (a.u32(4), a.u32(5), a.u32(6)),
    )?;
    old.hard_link(&old_path, &new, &new_path)?;
    Ok(())
}
