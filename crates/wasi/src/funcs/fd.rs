//! Functions on an open descriptor: read, write, seek, stat, close, renumber.

use super::stat::{set_times_request, write_fdstat, Stat};
use super::vectored::{moved, read_iovecs, settle, write_iovecs};
use super::wait::{ready, retrying, Want};
use super::{Args, Call, Res};
use crate::abi::{fdflags, filetype, rights, whence};
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::mem::iovecs_len;
use crate::quota::DiskQuota;
use crate::table::{Entry, Rights};
use std::io::{Read, Seek, SeekFrom, Write};

pub fn fd_write(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, out) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3));
    let iovs = call.mem.iovecs(iovs, count)?;
    // Check the result pointer before writing, so a bad one has no side effect.
    call.mem.slice(out, 4)?;
    let total = iovecs_len(&iovs);
    let n = retrying(call, fd, Want::Write, |call| {
        let Call { st, mem, rule, .. } = call;
        let st: &mut WasiCtx = st;
        let written = match st.table.with_right(fd, rights::FD_WRITE)? {
            Entry::Stdio(which, s) => write_iovecs(mem, &iovs, |d| s.write(*which, d)),
            Entry::File(f) if f.mount.readonly() => {
                *rule = Some(f.mount.rule());
                return Err(Errno::ROFS.into());
            }
            Entry::File(f) => {
                // `append` may have been switched on after opening (fd_fdstat_set_flags).
                let pos = if f.append() {
                    f.file.seek(SeekFrom::End(0))?
                } else if st.disk.is_some() {
                    f.file.stream_position()?
                } else {
                    0
                };
                let len = room_for_write(&st.disk, rule, &f.file, pos, total)?;
                let written = write_iovecs(mem, &iovs, |d| f.file.write(d));
                DiskQuota::written(&mut st.disk, len, pos, moved(&written));
                f.sync_after_write()?;
                written
            }
            Entry::Socket(s) => write_iovecs(mem, &iovs, |d| s.write(d)),
            _ => return Err(Errno::BADF.into()),
        };
        Ok(settle(written)?)
    })?;
    call.moved(n);
    call.mem.write_u32(out, n as u32)?;
    Ok(())
}

pub fn fd_read(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, out) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3));
    let iovs = call.mem.iovecs(iovs, count)?;
    call.mem.slice(out, 4)?;
    let n = retrying(call, fd, Want::Read, |call| {
        let Call { st, mem, .. } = call;
        let read = match st.table.with_right(fd, rights::FD_READ)? {
            Entry::Stdio(which, s) => read_iovecs(mem, &iovs, false, |b| s.read(*which, b)),
            // A short count from a regular file means its end, so each iovec is filled in
            // turn. A FIFO is asked first: without a writer yet it reads as the end, where
            // a blocking read would wait.
            Entry::File(f) if f.regular => read_iovecs(mem, &iovs, true, |b| f.file.read(b)),
            Entry::File(f)
                if !crate::sys::file(&f.file).map_or(Ok(true), |h| ready(h, Want::Read))? =>
            {
                return Err(Errno::AGAIN.into())
            }
            Entry::File(f) => read_iovecs(mem, &iovs, false, |b| f.file.read(b)),
            Entry::Socket(s) => read_iovecs(mem, &iovs, false, |b| s.read(b)),
            Entry::Dir(_) => return Err(Errno::ISDIR.into()),
            _ => return Err(Errno::BADF.into()),
        };
        Ok(settle(read)?)
    })?;
    call.moved(n);
    call.mem.write_u32(out, n as u32)?;
    Ok(())
}

pub fn fd_pread(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, offset, out) = (a.u32(0), a.u32(1), a.u32(2), a.u64(3), a.u32(4));
    let iovs = call.mem.iovecs(iovs, count)?;
    call.mem.slice(out, 4)?;
    let Call { st, mem, .. } = call;
    let f = st.table.file_with(fd, rights::FD_READ)?;
    let mut at = offset;
    let read = read_iovecs(mem, &iovs, true, |b| {
        let n = crate::sys::read_at(&f.file, b, at)?;
        at += n as u64;
        Ok(n)
    });
    let n = settle(read)?;
    call.moved(n);
    call.mem.write_u32(out, n as u32)?;
    Ok(())
}

pub fn fd_pwrite(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, offset, out) = (a.u32(0), a.u32(1), a.u32(2), a.u64(3), a.u32(4));
    let iovs = call.mem.iovecs(iovs, count)?;
    call.mem.slice(out, 4)?;
    let Call { st, mem, rule, .. } = call;
    let st: &mut WasiCtx = st;
    let f = st.table.file_with(fd, rights::FD_WRITE)?;
    if f.mount.readonly() {
        *rule = Some(f.mount.rule());
        return Err(Errno::ROFS.into());
    }
    let len = room_for_write(&st.disk, rule, &f.file, offset, iovecs_len(&iovs))?;
    // POSIX leaves pwrite on an append-mode file to the system, and Linux appends; WASI
    // means the offset, as wasi-libc's own pwrite does.
    let mut at = offset;
    let written = write_iovecs(mem, &iovs, |d| {
        let n = crate::sys::write_at(&f.file, d, at)?;
        at += n as u64;
        Ok(n)
    });
    DiskQuota::written(&mut st.disk, len, offset, moved(&written));
    f.sync_after_write()?;
    let n = settle(written)?;
    call.moved(n);
    call.mem.write_u32(out, n as u32)?;
    Ok(())
}

/// [`DiskQuota::before_write`], naming the quota as the rule when it refuses the write.
fn room_for_write(
    disk: &Option<DiskQuota>,
    rule: &mut Option<String>,
    file: &std::fs::File,
    pos: u64,
    add: u64,
) -> Result<Option<u64>, Errno> {
    DiskQuota::before_write(disk, file, pos, add).inspect_err(|_| *rule = disk.map(|q| q.rule()))
}

fn seek(call: &mut Call, fd: u32, pos: SeekFrom, out: u32) -> Res {
    call.mem.slice(out, 8)?;
    // Asking where one is needs only `fd_tell`; moving needs `fd_seek`.
    let needed = if pos == SeekFrom::Current(0) {
        rights::FD_TELL
    } else {
        rights::FD_SEEK
    };
    if let Entry::Dir(_) = call.st.table.get(fd)? {
        return Err(Errno::BADF.into());
    }
    let at = match call.st.table.with_right(fd, needed)? {
        Entry::File(f) => f.file.seek(pos)?,
        _ => return Err(Errno::SPIPE.into()),
    };
    call.mem.write_u64(out, at)?;
    Ok(())
}

pub fn fd_seek(call: &mut Call, a: &Args) -> Res {
    let offset = a.u64(1) as i64;
    let pos = match a.u32(2) as u8 {
        whence::SET if offset >= 0 => SeekFrom::Start(offset as u64),
        whence::CUR => SeekFrom::Current(offset),
        whence::END => SeekFrom::End(offset),
        _ => return Err(Errno::INVAL.into()),
    };
    seek(call, a.u32(0), pos, a.u32(3))
}

pub fn fd_tell(call: &mut Call, a: &Args) -> Res {
    seek(call, a.u32(0), SeekFrom::Current(0), a.u32(1))
}

pub fn fd_close(call: &mut Call, a: &Args) -> Res {
    call.st.table.remove(a.u32(0))?;
    Ok(())
}

pub fn fd_renumber(call: &mut Call, a: &Args) -> Res {
    call.st.table.renumber(a.u32(0), a.u32(1))?;
    Ok(())
}

pub fn fd_fdstat_get(call: &mut Call, a: &Args) -> Res {
    let (fd, out) = (a.u32(0), a.u32(1));
    let nonblock = if call.st.table.nonblocking(fd) {
        fdflags::NONBLOCK
    } else {
        0
    };
    let (ft, flags) = match call.st.table.get(fd)? {
        Entry::Stdio(which, s) => (s.filetype(*which), nonblock),
        Entry::File(f) if f.regular => (filetype::REGULAR_FILE, f.flags),
        Entry::File(f) => (filetype::UNKNOWN, f.flags),
        Entry::Dir(_) => (filetype::DIRECTORY, 0),
        Entry::Listener(_) | Entry::Socket(_) => (filetype::SOCKET_STREAM, nonblock),
    };
    let r = call.st.table.rights(fd)?;
    write_fdstat(&mut call.mem, out, ft, flags, r.base, r.inheriting)?;
    Ok(())
}

/// Every fdflag can change on a file (append only where the guest may write); other
/// descriptors accept `nonblock`, which streams and sockets honour, and the sync flags, which
/// mean nothing for them.
pub fn fd_fdstat_set_flags(call: &mut Call, a: &Args) -> Res {
    let (fd, flags) = (a.u32(0), a.u32(1) as u16);
    if flags & !fdflags::ALL != 0 {
        return Err(Errno::INVAL.into());
    }
    let can_write = call.st.table.rights(fd)?.base & rights::FD_WRITE != 0;
    match call.st.table.with_right(fd, rights::FD_FDSTAT_SET_FLAGS)? {
        Entry::File(f) => {
            if flags & fdflags::APPEND != 0 && !can_write {
                return Err(Errno::BADF.into());
            }
            f.flags = flags;
            Ok(())
        }
        _ if flags & fdflags::APPEND == 0 => {
            call.st
                .table
                .set_nonblock(fd, flags & fdflags::NONBLOCK != 0)?;
            Ok(())
        }
        _ => Err(Errno::NOTSUP.into()),
    }
}

/// Rights only ever shrink: asking for one the descriptor lacks is `ENOTCAPABLE`.
pub fn fd_fdstat_set_rights(call: &mut Call, a: &Args) -> Res {
    let rights = Rights {
        base: a.u64(1),
        inheriting: a.u64(2),
    };
    call.st.table.set_rights(a.u32(0), rights)?;
    Ok(())
}

pub fn fd_filestat_get(call: &mut Call, a: &Args) -> Res {
    let out = a.u32(1);
    let stat = match call
        .st
        .table
        .with_right(a.u32(0), rights::FD_FILESTAT_GET)?
    {
        // Read from the handle: on Windows only that carries the file's identity.
        Entry::File(f) => Stat::from(&cap_std::fs::Metadata::from_file(&f.file)?),
        Entry::Dir(d) => Stat::from(&d.dir.dir_metadata()?),
        Entry::Stdio(..) => Stat {
            filetype: filetype::CHARACTER_DEVICE,
            ..Stat::default()
        },
        Entry::Listener(_) | Entry::Socket(_) => Stat {
            filetype: filetype::SOCKET_STREAM,
            ..Stat::default()
        },
    };
    stat.write(&mut call.mem, out)?;
    Ok(())
}

/// A file the guest may change with the right `needed`: read-only mounts say `EROFS`.
fn writable_file<'a>(
    call: &'a mut Call,
    fd: u32,
    needed: u64,
) -> Result<&'a mut std::fs::File, Errno> {
    let f = call.st.table.file_with(fd, needed)?;
    if f.mount.readonly() {
        call.rule = Some(f.mount.rule());
        return Err(Errno::ROFS);
    }
    Ok(&mut f.file)
}

pub fn fd_filestat_set_size(call: &mut Call, a: &Args) -> Res {
    resize(call, a.u32(0), rights::FD_FILESTAT_SET_SIZE, |_| a.u64(1))
}

/// Sets the file's size to what `size` makes of its current one, within the disk quota.
fn resize(call: &mut Call, fd: u32, needed: u64, size: impl Fn(u64) -> u64) -> Res {
    let disk = call.st.disk;
    let file = writable_file(call, fd, needed)?;
    let len = file.metadata()?.len();
    let end = size(len);
    if end == len {
        return Ok(());
    }
    if let Some(q) = disk {
        if let Err(e) = q.check(len, end) {
            call.rule = Some(q.rule());
            return Err(e.into());
        }
    }
    file.set_len(end)?;
    if let Some(q) = &mut call.st.disk {
        q.resized(len, end);
    }
    Ok(())
}

pub fn fd_filestat_set_times(call: &mut Call, a: &Args) -> Res {
    let (atime, mtime) = set_times_request(a.u64(1), a.u64(2), a.u32(3) as u16)?;
    let f = call
        .st
        .table
        .file_with(a.u32(0), rights::FD_FILESTAT_SET_TIMES)?;
    if f.mount.readonly() {
        call.rule = Some(f.mount.rule());
        return Err(Errno::ROFS.into());
    }
    let mut times = std::fs::FileTimes::new();
    if let Some(t) = atime {
        times = times.set_accessed(t);
    }
    if let Some(t) = mtime {
        times = times.set_modified(t);
    }
    f.file.set_times(times)?;
    Ok(())
}

pub fn fd_allocate(call: &mut Call, a: &Args) -> Res {
    let end = a.u64(1).checked_add(a.u64(2)).ok_or(Errno::FBIG)?;
    resize(call, a.u32(0), rights::FD_ALLOCATE, |len| len.max(end))
}

fn sync(call: &mut Call, fd: u32, data_only: bool) -> Res {
    let needed = if data_only {
        rights::FD_DATASYNC
    } else {
        rights::FD_SYNC
    };
    match call.st.table.with_right(fd, needed)? {
        Entry::File(f) if data_only => f.file.sync_data()?,
        Entry::File(f) => f.file.sync_all()?,
        _ => {}
    }
    Ok(())
}

pub fn fd_sync(call: &mut Call, a: &Args) -> Res {
    sync(call, a.u32(0), false)
}

pub fn fd_datasync(call: &mut Call, a: &Args) -> Res {
    sync(call, a.u32(0), true)
}

/// Advice is only a hint; the descriptor must exist and be a file.
pub fn fd_advise(call: &mut Call, a: &Args) -> Res {
    if a.u32(3) > 5 {
        return Err(Errno::INVAL.into());
    }
    call.st.table.file_with(a.u32(0), rights::FD_ADVISE)?;
    Ok(())
}
