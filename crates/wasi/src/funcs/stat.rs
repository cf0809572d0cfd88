//! `filestat` and `fdstat` records, from host metadata.

use crate::abi::{filetype, FDSTAT_SIZE, FILESTAT_SIZE};
use crate::errno::Errno;
use crate::mem::Mem;

#[derive(Default)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

fn kind(ft_dir: bool, ft_file: bool, ft_link: bool) -> u8 {
    match (ft_dir, ft_file, ft_link) {
        (true, _, _) => filetype::DIRECTORY,
        (_, true, _) => filetype::REGULAR_FILE,
        (_, _, true) => filetype::SYMBOLIC_LINK,
        _ => filetype::UNKNOWN,
    }
}

impl From<&cap_std::fs::Metadata> for Stat {
    fn from(m: &cap_std::fs::Metadata) -> Self {
        let ft = m.file_type();
        let ids = crate::sys::file_ids(m);
        let times = crate::sys::file_times(m);
        Stat {
            dev: ids.dev,
            ino: ids.ino,
            filetype: kind(ft.is_dir(), ft.is_file(), ft.is_symlink()),
            nlink: ids.nlink,
            size: m.len(),
            atim: times.atim,
            mtim: times.mtim,
            ctim: times.ctim,
        }
    }
}

impl Stat {
    pub fn write(&self, mem: &mut Mem, ptr: u32) -> Result<(), Errno> {
        let mut b = [0u8; FILESTAT_SIZE as usize];
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16] = self.filetype;
        b[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        b[32..40].copy_from_slice(&self.size.to_le_bytes());
        b[40..48].copy_from_slice(&self.atim.to_le_bytes());
        b[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        b[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        mem.write(ptr, &b)
    }
}

pub fn write_fdstat(
    mem: &mut Mem,
    ptr: u32,
    filetype: u8,
    flags: u16,
    base: u64,
    inheriting: u64,
) -> Result<(), Errno> {
    let mut b = [0u8; FDSTAT_SIZE as usize];
    b[0] = filetype;
    b[2..4].copy_from_slice(&flags.to_le_bytes());
    b[8..16].copy_from_slice(&base.to_le_bytes());
    b[16..24].copy_from_slice(&inheriting.to_le_bytes());
    mem.write(ptr, &b)
}

/// The `(atime, mtime)` a `*_set_times` call asks for, `None` meaning "leave unchanged".
pub fn set_times_request(
    atim: u64,
    mtim: u64,
    fst: u16,
) -> Result<(Option<std::time::SystemTime>, Option<std::time::SystemTime>), Errno> {
    use crate::abi::fstflags::*;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    if (fst & ATIM != 0 && fst & ATIM_NOW != 0) || (fst & MTIM != 0 && fst & MTIM_NOW != 0) {
        return Err(Errno::INVAL);
    }
    let pick = |set: u16, now: u16, t: u64| {
        if fst & now != 0 {
            Some(SystemTime::now())
        } else if fst & set != 0 {
            Some(UNIX_EPOCH + Duration::from_nanos(t))
        } else {
            None
        }
    };
    Ok((pick(ATIM, ATIM_NOW, atim), pick(MTIM, MTIM_NOW, mtim)))
}
