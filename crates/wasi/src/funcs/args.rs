//! `args_*` and `environ_*`: the guest's argv and environment, as NUL-terminated strings.

use super::{Args, Call, Res};
use crate::errno::Errno;
use crate::mem::Mem;

fn env_strings(call: &Call) -> Vec<String> {
    call.st
        .live
        .env()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

fn sizes(call: &mut Call, list: &[String], count_ptr: u32, size_ptr: u32) -> Res {
    let size: usize = list.iter().map(|s| s.len() + 1).sum();
    let size = u32::try_from(size).map_err(|_| Errno::OVERFLOW)?;
    call.mem.write_u32(count_ptr, list.len() as u32)?;
    call.mem.write_u32(size_ptr, size)?;
    Ok(())
}

/// Writes the pointer array at `ptrs` and the strings themselves from `buf`.
fn strings(mem: &mut Mem, list: &[String], ptrs: u32, buf: u32) -> Res {
    mem.check_array(ptrs, list.len() as u32, 4)?;
    let mut at = buf;
    for (i, s) in list.iter().enumerate() {
        mem.write_u32(ptrs + 4 * i as u32, at)?;
        mem.write(at, s.as_bytes())?;
        let end = u32::try_from(s.len())
            .ok()
            .and_then(|n| at.checked_add(n))
            .ok_or(Errno::FAULT)?;
        mem.write(end, &[0])?;
        at = end.checked_add(1).ok_or(Errno::FAULT)?;
    }
    Ok(())
}

pub fn args_get(call: &mut Call, a: &Args) -> Res {
    let list = call.st.args.clone();
    strings(&mut call.mem, &list, a.u32(0), a.u32(1))
}

pub fn args_sizes_get(call: &mut Call, a: &Args) -> Res {
    let list = call.st.args.clone();
    sizes(call, &list, a.u32(0), a.u32(1))
}

pub fn environ_get(call: &mut Call, a: &Args) -> Res {
    let list = env_strings(call);
    strings(&mut call.mem, &list, a.u32(0), a.u32(1))
}

pub fn environ_sizes_get(call: &mut Call, a: &Args) -> Res {
    let list = env_strings(call);
    sizes(call, &list, a.u32(0), a.u32(1))
}
