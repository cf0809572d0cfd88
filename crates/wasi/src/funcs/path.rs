//! Functions on paths below a directory descriptor. Every lookup goes through cap-std, which
//! refuses to leave the directory by `..`, absolute paths or symlinks; read-only mounts are
//! checked here, before the host filesystem is touched.

use super::links::may_move;
use super::overlap::{link_stays_inside, located, target, Target};
use super::stat::{set_times_request, Stat};
use super::{Args, Call, Res};
use crate::abi::{fdflags, oflags, rights, LOOKUP_SYMLINK_FOLLOW};
use crate::errno::Errno;
use crate::table::{DirEntry, Entry, FileEntry, Rights};
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, SystemTimeSpec};
use std::path::Path;
use std::sync::Arc;

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

/// Reads the path argument at `(ptr, len)` and the directory at `fd`, which must hold the
/// right `needed`.
fn dir_and_path<'a>(
    call: &'a mut Call,
    fd: u32,
    ptr: u32,
    len: u32,
    needed: u64,
) -> Result<(&'a mut DirEntry, String), Errno> {
    let path = call.path(ptr, len)?;
    checked(&path)?;
    Ok((call.st.table.dir_with(fd, needed)?, path))
}

/// The same, for calls that change what the path names: where the mount deciding for it
/// (see `overlap`) is read-only, `EROFS`. `follow` resolves a symlink the path ends in.
fn writable_dir<'a>(
    call: &'a mut Call,
    (fd, ptr, len, needed): (u32, u32, u32, u64),
    follow: bool,
) -> Result<(&'a mut DirEntry, String, Target), Errno> {
    let path = call.path(ptr, len)?;
    checked(&path)?;
    let live = call.st.live.clone();
    let d = call.st.table.dir_with(fd, needed)?;
    let target = target(&live, d, &path, follow)?;
    if target.mount.readonly() {
        call.rule = Some(target.mount.rule());
        return Err(Errno::ROFS);
    }
    Ok((d, path, target))
}

/// Refuses to remove or move the root of a mount through another mount, as Linux refuses a
/// mount point (`EBUSY`).
fn not_a_mount_root(target: &Target) -> Result<(), Errno> {
    if target.is_mount_root() {
        return Err(Errno::BUSY);
    }
    Ok(())
}

/// The rights a descriptor opened through a directory gets: what the guest asked for, within
/// what the directory passes on. A request of no rights at all means "what the open mode
/// allows", as engines without rights treat every request, so guests that pass 0 keep working.
fn opened_rights(requested: Rights, inherited: u64, entry: &Entry, write: bool) -> Rights {
    let base = if requested.base == 0 {
        let mut base = Rights::full(entry).base;
        if !write {
            base &= !rights::FILE_WRITE;
        }
        base
    } else {
        requested.base
    };
    Rights {
        base: base & inherited,
        inheriting: requested.inheriting & inherited,
    }
}

pub fn path_open(call: &mut Call, a: &Args) -> Res {
    let (fd, dirflags, ptr, len) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3));
    let (oflags, fdf, out) = (a.u32(4) as u16, a.u32(7) as u16, a.u32(8));
    let requested = Rights {
        base: a.u64(5),
        inheriting: a.u64(6),
    };
    call.mem.slice(out, 4)?;
    let path = call.path(ptr, len)?;
    checked(&path)?;
    let follow = dirflags & LOOKUP_SYMLINK_FOLLOW != 0;
    let append = fdf & fdflags::APPEND != 0;
    let (creat, excl, trunc, directory) = (
        oflags & oflags::CREAT != 0,
        oflags & oflags::EXCL != 0,
        oflags & oflags::TRUNC != 0,
        oflags & oflags::DIRECTORY != 0,
    );
    let mut needed = rights::PATH_OPEN;
    if creat {
        needed |= rights::PATH_CREATE_FILE;
    }
    if trunc {
        needed |= rights::PATH_FILESTAT_SET_SIZE;
    }
    let inherited = call.st.table.rights(fd)?.inheriting;
    let quota = call.st.disk.is_some();
    let live = call.st.live.clone();
    let d = call.st.table.dir_with(fd, needed)?;
    let target = target(&live, d, &path, follow)?;
    // The host opens for writing only what the guest may write: what it asked for within
    // what the directory passes on (or, asking for nothing, what append and truncate imply).
    // A directory is never opened for writing.
    let write = !directory
        && (trunc
            || match requested.base {
                0 => append,
                base => base & inherited & rights::FILE_WRITE != 0,
            });
    if target.mount.readonly() && (write || creat) {
        call.rule = Some(target.mount.rule());
        return Err(Errno::ROFS.into());
    }
    // Truncating gives the file's bytes back to the disk quota; asked only under a quota, so
    // that other opens pay nothing for it. (A directory with `O_TRUNC` is refused below.)
    let freed = if trunc && quota {
        d.dir.metadata(&path).map_or(0, |m| m.len())
    } else {
        0
    };
    // A directory is placed where it really is, for the symlink and overlap checks made
    // through it later.
    let place = |d: &DirEntry| located(&live, d, &path, true);
    let entry = if directory {
        if creat || trunc {
            return Err(Errno::INVAL.into());
        }
        // Writing a directory is what the host would refuse, and with the same errno.
        if requested.base & rights::FD_WRITE != 0 {
            return Err(Errno::ISDIR.into());
        }
        let dir = if follow {
            d.dir.open_dir(&path)?
        } else {
            d.dir.open_dir_nofollow(&path)?
        };
        let Target { mount, at } = place(d)?;
        Entry::Dir(DirEntry {
            dir,
            preopen: None,
            mount,
            at,
        })
    } else {
        let mut opts = cap_std::fs::OpenOptions::new();
        // The host needs write access to create a file even when the guest only asked to
        // read it; what the guest may do is checked per call against its rights. Append mode
        // is kept here, not in the host file: the host refuses append with truncate, and
        // `fd_pwrite` must write at its offset.
        opts.read(true)
            .write(write || creat)
            .truncate(trunc)
            .create(creat)
            .create_new(creat && excl);
        if !follow {
            opts.follow(FollowSymlinks::No);
        }
        // Opening a FIFO for reading waits for a writer, and the host must never wait in a
        // system call.
        crate::sys::open_without_waiting(&mut opts);
        let file = d.dir.open_with(&path, &opts)?.into_std();
        let meta = file.metadata()?;
        if meta.is_dir() {
            // Opening a directory without `O_DIRECTORY` still yields something `fd_readdir`
            // can list.
            let Target { mount, at } = place(d)?;
            Entry::Dir(DirEntry {
                dir: cap_std::fs::Dir::from_std_file(file),
                preopen: None,
                mount,
                at,
            })
        } else {
            Entry::File(FileEntry {
                file,
                flags: fdf & fdflags::ALL,
                mount: target.mount,
                regular: meta.is_file(),
            })
        }
    };
    let rights = opened_rights(requested, inherited, &entry, write);
    let new_fd = call.st.table.push_with(entry, rights)?;
    if let Some(q) = &mut call.st.disk {
        q.resized(freed, 0);
    }
    call.mem.write_u32(out, new_fd)?;
    Ok(())
}

pub fn path_create_directory(call: &mut Call, a: &Args) -> Res {
    let needed = rights::PATH_CREATE_DIRECTORY;
    let (d, path, _) = writable_dir(call, (a.u32(0), a.u32(1), a.u32(2), needed), false)?;
    d.dir.create_dir(&path)?;
    Ok(())
}

pub fn path_remove_directory(call: &mut Call, a: &Args) -> Res {
    let needed = rights::PATH_REMOVE_DIRECTORY;
    let (d, path, target) = writable_dir(call, (a.u32(0), a.u32(1), a.u32(2), needed), false)?;
    not_a_mount_root(&target)?;
    d.dir.remove_dir(&path)?;
    Ok(())
}

pub fn path_unlink_file(call: &mut Call, a: &Args) -> Res {
    let needed = rights::PATH_UNLINK_FILE;
    let quota = call.st.disk.is_some();
    let (d, path, _) = writable_dir(call, (a.u32(0), a.u32(1), a.u32(2), needed), false)?;
    // The last name of a file gone, its bytes are given back to the disk quota.
    let freed = match quota.then(|| d.dir.symlink_metadata(&path)) {
        Some(Ok(m)) if m.is_file() && crate::sys::file_ids(&m).nlink == 1 => m.len(),
        _ => 0,
    };
    d.dir.remove_file(&path)?;
    if let Some(q) = &mut call.st.disk {
        q.resized(freed, 0);
    }
    Ok(())
}

pub fn path_filestat_get(call: &mut Call, a: &Args) -> Res {
    let (fd, flags, ptr, len, out) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3), a.u32(4));
    call.mem.slice(out, crate::abi::FILESTAT_SIZE)?;
    let (d, path) = dir_and_path(call, fd, ptr, len, rights::PATH_FILESTAT_GET)?;
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
    let follow = flags & LOOKUP_SYMLINK_FOLLOW != 0;
    let needed = rights::PATH_FILESTAT_SET_TIMES;
    let (d, path, _) = writable_dir(call, (fd, ptr, len, needed), follow)?;
    if follow {
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
    let live = call.st.live.clone();
    let (d, path) = dir_and_path(call, fd, ptr, len, rights::PATH_READLINK)?;
    let target = d.dir.read_link_contents(&path)?;
    // A link that leads out of the mount (a host user's, since a guest cannot make one) would
    // show the guest where the mount is on the host.
    let link = located(&live, d, &path, false)?;
    if !link_stays_inside(&link.at, &target) {
        call.rule = Some(format!(
            "fs {}: symlink leads out of the mount",
            link.mount.guest
        ));
        return Err(Errno::NOTCAPABLE.into());
    }
    let target = target.to_string_lossy();
    let bytes = &target.as_bytes()[..target.len().min(buf_len as usize)];
    call.mem.write(buf, bytes)?;
    call.mem.write_u32(used, bytes.len() as u32)?;
    Ok(())
}

pub fn path_symlink(call: &mut Call, a: &Args) -> Res {
    let target = call.path(a.u32(0), a.u32(1))?;
    let needed = rights::PATH_SYMLINK;
    let live = call.st.live.clone();
    let (d, link, _) = writable_dir(call, (a.u32(2), a.u32(3), a.u32(4), needed), false)?;
    // Checked from where the link really is, its directories' symlinks resolved: a lexical
    // check would let `a/up/l -> ../x` out when `a/up` leads back to the root.
    let at = located(&live, d, &link, false)?.at;
    if target.is_empty() || !link_stays_inside(&at, Path::new(&target)) {
        return Err(Errno::NOTCAPABLE.into());
    }
    d.dir.symlink(&target, &link)?;
    Ok(())
}

/// Two directories of one call (rename, link): both must exist, and both must be writable,
/// since the source side changes too (rename) or the target could then be written through the
/// new name (link).
/// The entry moved or linked keeps its symlinks inside the mount from its new place.
fn two_dirs(
    call: &mut Call,
    old: (u32, u32, u32, u64),
    new: (u32, u32, u32, u64),
) -> Result<(cap_std::fs::Dir, String, cap_std::fs::Dir, String), Errno> {
    let live = call.st.live.clone();
    let (old, old_path, old_target) = writable_dir(call, old, false)?;
    not_a_mount_root(&old_target)?;
    let from = located(&live, old, &old_path, false)?;
    let old = old.dir.try_clone()?;
    let (new, new_path, new_target) = writable_dir(call, new, false)?;
    not_a_mount_root(&new_target)?;
    let to = located(&live, new, &new_path, false)?;
    let new = new.dir.try_clone()?;
    let shallower = to.at.components().count() < from.at.components().count();
    if shallower || !Arc::ptr_eq(&from.mount, &to.mount) {
        may_move(&old, &old_path, &to.at)?;
    }
    Ok((old, old_path, new, new_path))
}

pub fn path_rename(call: &mut Call, a: &Args) -> Res {
    let (old, old_path, new, new_path) = two_dirs(
        call,
        (a.u32(0), a.u32(1), a.u32(2), rights::PATH_RENAME_SOURCE),
        (a.u32(3), a.u32(4), a.u32(5), rights::PATH_RENAME_TARGET),
    )?;
    old.rename(&old_path, &new, &new_path)?;
    Ok(())
}

pub fn path_link(call: &mut Call, a: &Args) -> Res {
    // The source is linked itself, never followed: a symlink source stays a link that cap-std
    // resolves inside the sandbox. Asking to follow it is refused, as wasmtime does.
    if a.u32(1) & LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(Errno::INVAL.into());
    }
    let (old, old_path, new, new_path) = two_dirs(
        call,
        (a.u32(0), a.u32(2), a.u32(3), rights::PATH_LINK_SOURCE),
        (a.u32(4), a.u32(5), a.u32(6), rights::PATH_LINK_TARGET),
    )?;
    old.hard_link(&old_path, &new, &new_path)?;
    Ok(())
}
