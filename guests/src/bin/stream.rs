//! Streams and descriptors at volume, what real programs do beyond the WASI testsuite:
//! - `cat`: copies stdin to stdout and reports the byte count and a checksum on stderr;
//! - `write MIB`: writes MIB mebibytes of a known pattern to stdout;
//! - `open N DIR`: creates N files in DIR, holds them all open at once, writes each one's
//!   number into it, then reads every one back through its own descriptor.
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

/// FNV-1a over the stream, so the host can check the bytes, not only their count.
fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(hash, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

const FNV_START: u64 = 0xcbf29ce484222325;

fn cat() {
    let (mut input, mut output) = (std::io::stdin().lock(), std::io::stdout().lock());
    let mut buf = vec![0u8; 64 * 1024];
    let (mut total, mut hash) = (0u64, FNV_START);
    loop {
        let n = input.read(&mut buf).expect("read stdin");
        if n == 0 {
            break;
        }
        output.write_all(&buf[..n]).expect("write stdout");
        total += n as u64;
        hash = fnv(hash, &buf[..n]);
    }
    output.flush().unwrap();
    eprintln!("cat: {total} bytes, fnv {hash:016x}");
}

fn write(mib: u64) {
    let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    let mut out = std::io::stdout().lock();
    for _ in 0..mib {
        out.write_all(&chunk).expect("write stdout");
    }
    out.flush().unwrap();
}

fn open(n: usize, dir: &str) {
    let mut files: Vec<File> = (0..n)
        .map(|i| {
            File::options()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(format!("{dir}/f{i}"))
                .unwrap_or_else(|e| panic!("opening file {i} of {n}: {e}"))
        })
        .collect();
    for (i, f) in files.iter_mut().enumerate() {
        write!(f, "{i}").unwrap();
    }
    for (i, f) in files.iter_mut().enumerate() {
        f.seek(SeekFrom::Start(0)).unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        assert_eq!(s, i.to_string(), "file {i}");
    }
    println!("open: {n} files held open at once, each read back");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("cat") => cat(),
        Some("write") => write(args[2].parse().expect("MIB")),
        Some("open") => open(args[2].parse().expect("N"), &args[3]),
        _ => {
            eprintln!("usage: stream cat | write MIB | open N DIR");
            std::process::exit(2);
        }
    }
}
