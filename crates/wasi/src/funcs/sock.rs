//! Sockets: WASI preview1 can only accept on listeners the host preopened, then send and
//! receive on the accepted streams.

use super::vectored::{read_iovecs, settle, write_iovecs};
use super::wait::{retrying, Want};
use super::{Args, Call, Res};
use crate::abi::fdflags;
use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::table::Entry;
use std::io::{Read, Write};
use std::net::Shutdown;

pub fn sock_accept(call: &mut Call, a: &Args) -> Res {
    let (fd, flags, out) = (a.u32(0), a.u32(1) as u16, a.u32(2));
    call.mem.slice(out, 4)?;
    let stream = retrying(call, fd, Want::Read, |call| {
        match call.st.table.get(fd)? {
            Entry::Listener(l) => {
                // The host never blocks in a socket call; waiting happens in `retrying`.
                l.set_nonblocking(true)?;
                Ok(l.accept()?.0)
            }
            _ => Err(Errno::NOTSOCK.into()),
        }
    })?;
    stream.set_nonblocking(true)?;
    let new_fd = call.st.table.push(Entry::Socket(stream))?;
    call.st
        .table
        .set_nonblock(new_fd, flags & fdflags::NONBLOCK != 0)?;
    call.mem.write_u32(out, new_fd)?;
    Ok(())
}

fn stream(st: &mut WasiCtx, fd: u32) -> Result<&mut std::net::TcpStream, Errno> {
    match st.table.get(fd)? {
        Entry::Socket(s) => Ok(s),
        _ => Err(Errno::NOTSOCK),
    }
}

pub fn sock_recv(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, out_len, out_flags) = (a.u32(0), a.u32(1), a.u32(2), a.u32(4), a.u32(5));
    let iovs = call.mem.iovecs(iovs, count)?;
    call.mem.slice(out_len, 4)?;
    call.mem.slice(out_flags, 2)?;
    let n = retrying(call, fd, Want::Read, |call| {
        let Call { st, mem, .. } = call;
        let s = stream(st, fd)?;
        Ok(settle(read_iovecs(mem, &iovs, false, |b| s.read(b)))?)
    })?;
    call.moved(n);
    call.mem.write_u32(out_len, n as u32)?;
    call.mem.write(out_flags, &[0, 0])?;
    Ok(())
}

pub fn sock_send(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, out) = (a.u32(0), a.u32(1), a.u32(2), a.u32(4));
    let iovs = call.mem.iovecs(iovs, count)?;
    call.mem.slice(out, 4)?;
    let n = retrying(call, fd, Want::Write, |call| {
        let Call { st, mem, .. } = call;
        let s = stream(st, fd)?;
        Ok(settle(write_iovecs(mem, &iovs, |d| s.write(d)))?)
    })?;
    call.moved(n);
    call.mem.write_u32(out, n as u32)?;
    Ok(())
}

pub fn sock_shutdown(call: &mut Call, a: &Args) -> Res {
    let how = match a.u32(1) {
        1 => Shutdown::Read,
        2 => Shutdown::Write,
        3 => Shutdown::Both,
        _ => return Err(Errno::INVAL.into()),
    };
    stream(&mut call.st, a.u32(0))?.shutdown(how)?;
    Ok(())
}
