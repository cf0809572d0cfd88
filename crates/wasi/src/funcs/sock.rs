//! Sockets: WASI preview1 can only accept on listeners the host preopened, then send and
//! receive on the accepted streams.

use super::{Args, Call, Res};
use crate::abi::fdflags;
use crate::errno::Errno;
use crate::mem::total_len;
use crate::table::Entry;
use std::io::{Read, Write};
use std::net::Shutdown;

pub fn sock_accept(call: &mut Call, a: &Args) -> Res {
    let (fd, flags, out) = (a.u32(0), a.u32(1) as u16, a.u32(2));
    call.mem.slice(out, 4)?;
    let stream = match call.st.table.get(fd)? {
        Entry::Listener(l) => l.accept()?.0,
        _ => return Err(Errno::NOTSOCK.into()),
    };
    stream.set_nonblocking(flags & fdflags::NONBLOCK != 0)?;
    let new_fd = call.st.table.push(Entry::Socket(stream))?;
    call.mem.write_u32(out, new_fd)?;
    Ok(())
}

fn stream<'a>(call: &'a mut Call, fd: u32) -> Result<&'a mut std::net::TcpStream, Errno> {
    match call.st.table.get(fd)? {
        Entry::Socket(s) => Ok(s),
        _ => Err(Errno::NOTSOCK),
    }
}

pub fn sock_recv(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, out_len, out_flags) = (a.u32(0), a.u32(1), a.u32(2), a.u32(4), a.u32(5));
    let iovs = call.mem.iovecs(iovs, count)?;
    call.mem.slice(out_len, 4)?;
    call.mem.slice(out_flags, 2)?;
    let mut buf = vec![0u8; total_len(&iovs)?];
    let n = stream(call, fd)?.read(&mut buf)?;
    let n = call.mem.scatter(&iovs, &buf[..n])?;
    call.moved(n);
    call.mem.write_u32(out_len, n as u32)?;
    call.mem.write(out_flags, &[0, 0])?;
    Ok(())
}

pub fn sock_send(call: &mut Call, a: &Args) -> Res {
    let (fd, iovs, count, out) = (a.u32(0), a.u32(1), a.u32(2), a.u32(4));
    let iovs = call.mem.iovecs(iovs, count)?;
    let data = call.mem.gather(&iovs)?;
    call.mem.slice(out, 4)?;
    let n = stream(call, fd)?.write(&data)?;
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
    stream(call, a.u32(0))?.shutdown(how)?;
    Ok(())
}
