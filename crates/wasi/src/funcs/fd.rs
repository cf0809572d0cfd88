//! Functions on an open descriptor: read, write, seek, stat, close, renumber.

use super::stat::{set_times_request, write_fdstat, Stat};
use super::{Args, Call, Res};
use crate::abi::{fdflags, filetype, rights, whence};
use crate::errno::Errno;
use crate::mem::total_len;
use crate::table::Entry;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

pub fn fd_write(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, out) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3));
    let iovs = call.mem.iovecs(iovs, count)?;
    let data = call.mem.gather(&iovs)?;
    // Check the result pointer before writing, so a bad one has no side effect.
    call.mem.slice(out, 4)?;
    let n = match call.st.table.get(fd)? {
        Entry::Stdio(which, s) => s.write(*which, &data)?,
        Entry::File(f) if f.mount.readonly() => {
            call.rule = Some(f.mount.rule());
            return Err(Errno::ROFS.into());
        }
        Entry::File(f) if f.writable => {
            // `append` may have been switched on after opening (fd_fdstat_set_flags).
            if f.append {
                f.file.seek(SeekFrom::End(0))?;
            }
            f.file.write_all(&data)?;
            data.len()
        }
        Entry::Socket(s) => s.write(&data)?,
        _ => return Err(Errno::BADF.into()),
    };
    call.moved(n);
    call.mem.write_u32(out, n as u32)?;
    Ok(())
}

pub fn fd_read(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, out) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3));
    let iovs = call.mem.iovecs(iovs, count)?;
    call.mem.slice(out, 4)?;
    let mut buf = vec![0u8; total_len(&iovs)?];
    let n = match call.st.table.get(fd)? {
        Entry::Stdio(which, s) => s.read(*which, &mut buf)?,
        Entry::File(f) if f.readable => read_full(&mut f.file, &mut buf)?,
        Entry::Socket(s) => s.read(&mut buf)?,
        Entry::Dir(_) => return Err(Errno::ISDIR.into()),
        _ => return Err(Errno::BADF.into()),
    };
    let n = call.mem.scatter(&iovs, &buf[..n])?;
    call.moved(n);
    call.mem.write_u32(out, n as u32)?;
    Ok(())
}

/// Fills as much of `buf` as the file has, so that a short count means end of file.
fn read_full(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match f.read(&mut buf[done..])? {
            0 => break,
            n => done += n,
        }
    }
    Ok(done)
}

pub fn fd_pread(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, offset, out) = (a.u32(0), a.u32(1), a.u32(2), a.u64(3), a.u32(4));
    let iovs = call.mem.iovecs(iovs, count)?;
    call.mem.slice(out, 4)?;
    let mut buf = vec![0u8; total_len(&iovs)?];
    let f = call.st.table.file(fd)?;
    if !f.readable {
        return Err(Errno::BADF.into());
    }
    let n = f.file.read_at(&mut buf, offset)?;
    let n = call.mem.scatter(&iovs, &buf[..n])?;
    call.moved(n);
    call.mem.write_u32(out, n as u32)?;
    Ok(())
}

pub fn fd_pwrite(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, offset, out) = (a.u32(0), a.u32(1), a.u32(2), a.u64(3), a.u32(4));
    let iovs = call.mem.iovecs(iovs, count)?;
    let data = call.mem.gather(&iovs)?;
    call.mem.slice(out, 4)?;
    let f = call.st.table.file(fd)?;
    if f.mount.readonly() {
        call.rule = Some(f.mount.rule());
        return Err(Errno::ROFS.into());
    }
    if !f.writable {
        return Err(Errno::BADF.into());
    }
    f.file.write_all_at(&data, offset)?;
    call.moved(data.len());
    call.mem.write_u32(out, data.len() as u32)?;
    Ok(())
}

fn seek(call: &mut Call, fd: u32, pos: SeekFrom, out: u32) -> Res {
    call.mem.slice(out, 8)?;
    let at = match call.st.table.get(fd)? {
        Entry::File(f) => f.file.seek(pos)?,
        Entry::Dir(_) => return Err(Errno::BADF.into()),
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
    let (from, to) = (a.u32(0), a.u32(1));
    if !call.st.table.contains(from) || !call.st.table.contains(to) {
        return Err(Errno::BADF.into());
    }
    if from != to {
        let entry = call.st.table.remove(from)?;
        call.st.table.insert_at(to, entry);
    }
    Ok(())
}

pub fn fd_fdstat_get(call: &mut Call, a: &Args) -> Res {
    let out = a.u32(1);
    let (ft, flags, base, inheriting) = match call.st.table.get(a.u32(0))? {
        Entry::Stdio(..) => (filetype::CHARACTER_DEVICE, 0, rights::ALL, 0),
        Entry::File(f) => {
            let mut r = rights::ALL;
            if !f.writable {
                r &= !rights::ANY_WRITE;
            }
            if !f.readable {
                r &= !rights::FD_READ;
            }
            let flags = if f.append { fdflags::APPEND } else { 0 };
            (filetype::REGULAR_FILE, flags, r, 0)
        }
        // Directories report every right even on read-only mounts: wasi-libc masks what it
        // asks `path_open` for with these, and a write intent masked away would open the file
        // read-only and fail later with EBADF instead of EROFS at the open.
        Entry::Dir(_) => (filetype::DIRECTORY, 0, rights::ALL, rights::ALL),
        Entry::Listener(_) | Entry::Socket(_) => (filetype::SOCKET_STREAM, 0, rights::ALL, 0),
    };
    write_fdstat(&mut call.mem, out, ft, flags, base, inheriting)?;
    Ok(())
}

/// Only `append` can change after opening, and only on files the guest may write.
pub fn fd_fdstat_set_flags(call: &mut Call, a: &Args) -> Res {
    let flags = a.u32(1) as u16;
    let ignored = fdflags::NONBLOCK | fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC;
    match call.st.table.get(a.u32(0))? {
        Entry::File(f) => {
            let append = flags & fdflags::APPEND != 0;
            if append && !f.writable {
                return Err(Errno::BADF.into());
            }
            if flags & !(fdflags::APPEND | ignored) != 0 {
                return Err(Errno::INVAL.into());
            }
            f.append = append;
            Ok(())
        }
        _ if flags & !ignored == 0 => Ok(()),
        _ => Err(Errno::NOTSUP.into()),
    }
}

/// Rights only ever shrink; this implementation checks access per call, so there is nothing
/// to record.
pub fn fd_fdstat_set_rights(call: &mut Call, a: &Args) -> Res {
    call.st.table.get(a.u32(0))?;
    Ok(())
}

pub fn fd_filestat_get(call: &mut Call, a: &Args) -> Res {
    let out = a.u32(1);
    let stat = match call.st.table.get(a.u32(0))? {
        Entry::File(f) => Stat::from(&f.file.metadata()?),
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

/// A file the guest may change: read-only mounts say `EROFS`, read-only fds `EBADF`.
fn writable_file<'a>(call: &'a mut Call, fd: u32) -> Result<&'a mut std::fs::File, Errno> {
    let f = call.st.table.file(fd)?;
    if f.mount.readonly() {
        call.rule = Some(f.mount.rule());
        return Err(Errno::ROFS);
    }
    if !f.writable {
        return Err(Errno::BADF);
    }
    Ok(&mut f.file)
}

pub fn fd_filestat_set_size(call: &mut Call, a: &Args) -> Res {
    writable_file(call, a.u32(0))?.set_len(a.u64(1))?;
    Ok(())
}

pub fn fd_filestat_set_times(call: &mut Call, a: &Args) -> Res {
    let (atime, mtime) = set_times_request(a.u64(1), a.u64(2), a.u32(3) as u16)?;
    let f = call.st.table.file(a.u32(0))?;
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
    let file = writable_file(call, a.u32(0))?;
    if file.metadata()?.len() < end {
        file.set_len(end)?;
    }
    Ok(())
}

fn sync(call: &mut Call, fd: u32, data_only: bool) -> Res {
    match call.st.table.get(fd)? {
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
    call.st.table.file(a.u32(0))?;
    Ok(())
}
