//! Preopened directories (`fd_prestat_*`) and directory listings (`fd_readdir`).

use super::{Args, Call, Res};
use crate::abi::{filetype, rights, DIRENT_SIZE};
use crate::errno::Errno;
use crate::table::Entry;

fn preopen_name(call: &mut Call, fd: u32) -> Result<String, Errno> {
    match call.st.table.get(fd)? {
        Entry::Dir(d) => d.preopen.clone().ok_or(Errno::BADF),
        _ => Err(Errno::BADF),
    }
}

pub fn fd_prestat_get(call: &mut Call, a: &Args) -> Res {
    let name = preopen_name(call, a.u32(0))?;
    let mut b = [0u8; 8];
    b[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
    call.mem.write(a.u32(1), &b)?;
    Ok(())
}

pub fn fd_prestat_dir_name(call: &mut Call, a: &Args) -> Res {
    let name = preopen_name(call, a.u32(0))?;
    let len = a.u32(2) as usize;
    if len < name.len() {
        return Err(Errno::NAMETOOLONG.into());
    }
    call.mem.write(a.u32(1), name.as_bytes())?;
    Ok(())
}

/// One listing entry: name, WASI file type, inode.
struct Dirent {
    name: String,
    kind: u8,
    ino: u64,
}

fn listing(dir: &cap_std::fs::Dir) -> Result<Vec<Dirent>, Errno> {
    // Windows' listing carries no file index; the full metadata opens each entry for it.
    use cap_fs_ext::DirEntryExt;
    let mut out = Vec::new();
    for entry in dir.entries()? {
        let entry = entry?;
        let ft = entry.file_type()?;
        let kind = if ft.is_dir() {
            filetype::DIRECTORY
        } else if ft.is_file() {
            filetype::REGULAR_FILE
        } else if ft.is_symlink() {
            filetype::SYMBOLIC_LINK
        } else {
            filetype::UNKNOWN
        };
        let ino = entry
            .full_metadata()
            .map_or(0, |m| crate::sys::file_ids(&m).ino);
        out.push(Dirent {
            name: entry.file_name().to_string_lossy().into_owned(),
            kind,
            ino,
        });
    }
    // Cookies are positions in this order, so it must be the same on every call.
    out.sort_by(|a, b| a.name.cmp(&b.name));
    // `.` is the directory itself; `..` may lie outside the sandbox, so its inode is not
    // looked up.
    let own = dir
        .dir_metadata()
        .map_or(0, |m| crate::sys::file_ids(&m).ino);
    let dots = [("..", 0), (".", own)].map(|(name, ino)| Dirent {
        name: name.to_string(),
        kind: filetype::DIRECTORY,
        ino,
    });
    for d in dots {
        out.insert(0, d);
    }
    Ok(out)
}

/// Fills the buffer with entries from `cookie` on; the last may be cut short, which tells the
/// guest to call again with a larger buffer, as the WASI ABI specifies.
pub fn fd_readdir(call: &mut Call, a: &Args) -> Res {
    let (fd, buf, len, cookie, used) = (a.u32(0), a.u32(1), a.u32(2), a.u64(3), a.u32(4));
    call.mem.slice(used, 4)?;
    let entries = listing(&call.st.table.dir_with(fd, rights::FD_READDIR)?.dir)?;
    // Entries go straight into the guest's buffer, however large the guest made it.
    let out = call.mem.slice_mut(buf, len)?;
    let mut filled = 0;
    for (i, e) in entries
        .iter()
        .enumerate()
        .skip(cookie.min(usize::MAX as u64) as usize)
    {
        if filled >= out.len() {
            break;
        }
        let mut head = [0u8; DIRENT_SIZE as usize];
        head[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        head[8..16].copy_from_slice(&e.ino.to_le_bytes());
        head[16..20].copy_from_slice(&(e.name.len() as u32).to_le_bytes());
        head[20] = e.kind;
        for part in [&head[..], e.name.as_bytes()] {
            let n = part.len().min(out.len() - filled);
            out[filled..filled + n].copy_from_slice(&part[..n]);
            filled += n;
        }
    }
    call.mem.write_u32(used, filled as u32)?;
    Ok(())
}
