//! WASI-heavy work for the benchmarks, chosen by argv, the same on every host:
//!   wasibench writes FILE COUNT SIZE   COUNT writes of SIZE bytes to FILE, one `fd_write` each
//!   wasibench copy SRC DST CHUNK       copies SRC to DST in CHUNK-byte reads and writes
//! Exits with 2 on bad arguments and 1 when the result is not what was asked for, so a host that
//! drops or shortens writes fails the benchmark's own check instead of looking fast.
use std::fs::File;
use std::io::{Read, Write};
use std::process::exit;

fn number(args: &[String], i: usize) -> usize {
    match args.get(i).and_then(|a| a.parse().ok()) {
        Some(n) => n,
        None => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: wasibench writes FILE COUNT SIZE | copy SRC DST CHUNK");
    exit(2)
}

/// `File` is unbuffered, so each `write_all` of a small buffer is exactly one `fd_write`.
fn writes(path: &str, count: usize, size: usize) -> u64 {
    let mut file = File::create(path).unwrap();
    let record = vec![b'x'; size];
    for _ in 0..count {
        file.write_all(&record).unwrap();
    }
    file.metadata().unwrap().len()
}

fn copy(src: &str, dst: &str, chunk: usize) -> (u64, u64) {
    let mut from = File::open(src).unwrap();
    let mut to = File::create(dst).unwrap();
    let mut buf = vec![0u8; chunk];
    loop {
        let n = from.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        to.write_all(&buf[..n]).unwrap();
    }
    (from.metadata().unwrap().len(), to.metadata().unwrap().len())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (got, want) = match args.get(1).map(String::as_str) {
        Some("writes") if args.len() == 5 => {
            let (count, size) = (number(&args, 3), number(&args, 4));
            (writes(&args[2], count, size), (count * size) as u64)
        }
        Some("copy") if args.len() == 5 => {
            let (read, written) = copy(&args[2], &args[3], number(&args, 4));
            (written, read)
        }
        _ => usage(),
    };
    if got != want {
        eprintln!("wasibench: {got} bytes written, expected {want}");
        exit(1);
    }
}
