//! A guest that tries to leave its sandbox and to crash its host. Every attempt must end in an
//! errno; the host checks afterwards that nothing outside `/tmp` changed.
use std::fs;
use wasmux_guests::{raw, report, symlink};

/// The host preopens `/tmp` first, so it is fd 3.
const TMP_FD: i32 = 3;

fn main() {
    report("dotdot", fs::read_to_string("/tmp/../secret.txt"));
    report("dotdot deep", fs::read_to_string("/tmp/a/../../secret.txt"));
    report("absolute", fs::read_to_string("/etc/passwd"));
    report("symlink absolute", symlink(TMP_FD, "/etc", "etc"));
    report("symlink dotdot", symlink(TMP_FD, "..", "up"));
    report("symlink inside", symlink(TMP_FD, "inside.txt", "link"));
    report("write inside", fs::write("/tmp/inside.txt", b"ok"));
    report("read through up", fs::read_to_string("/tmp/up/secret.txt"));
    report("read through link", fs::read_to_string("/tmp/link"));
    report(
        "hard link out",
        fs::hard_link("/tmp/../secret.txt", "/tmp/stolen.txt"),
    );
    report(
        "rename out",
        fs::rename("/tmp/inside.txt", "/tmp/../outside.txt"),
    );
    report("mkdir out", fs::create_dir("/tmp/../newdir"));
    report("write ro", fs::write("/data/input.txt", b"overwritten"));
    println!("env HOME: {:?}", std::env::var("HOME").ok());
    println!("env count: {}", std::env::vars().count());

    // Raw calls with pointers no valid program would pass.
    unsafe {
        let far = i32::MAX - 3;
        println!("fd_write bad iovs: {}", raw::fd_write(1, far, 1, 0));
        let iov = [16u32, u32::MAX];
        let mut n = 0u32;
        println!(
            "fd_write bad iov buf: {}",
            raw::fd_write(1, iov.as_ptr() as i32, 1, &mut n as *mut u32 as i32)
        );
        println!(
            "fd_write huge count: {}",
            raw::fd_write(1, iov.as_ptr() as i32, i32::MAX, &mut n as *mut u32 as i32)
        );
        println!(
            "fd_write bad nwritten: {}",
            raw::fd_write(1, iov.as_ptr() as i32, 0, -1)
        );
        println!("fd_read bad iovs: {}", raw::fd_read(0, -8, 1, 0));
        println!("args_get bad: {}", raw::args_get(-4, -4));
        println!("args_sizes_get bad: {}", raw::args_sizes_get(-1, 0));
        println!("environ_sizes_get bad: {}", raw::environ_sizes_get(0, -2));
        println!("random_get bad: {}", raw::random_get(-100, 1000));
        println!("clock bad: {}", raw::clock_time_get(0, 0, -4));
        let mut fd = 0u32;
        println!(
            "path_open bad path: {}",
            raw::path_open(3, 0, -10, 100, 0, 0, 0, 0, &mut fd as *mut u32 as i32)
        );
        println!("prestat name bad: {}", raw::fd_prestat_dir_name(3, -1, 10));
        println!("poll bad: {}", raw::poll_oneoff(-48, 0, 1, 0));
        println!("poll huge: {}", raw::poll_oneoff(0, 0, i32::MAX, 0));
        println!("readdir bad: {}", raw::fd_readdir(3, -5, 100, 0, 0));
        println!(
            "bad fd: {}",
            raw::fd_write(1234, iov.as_ptr() as i32, 0, &mut n as *mut u32 as i32)
        );
        // Descriptors never opened, including ones far past the table and negative ones.
        let mut pos = 0u64;
        let mut small = [0u8; 64];
        let siov = [small.as_mut_ptr() as u32, small.len() as u32];
        println!(
            "never opened: read {} close {} seek {} readdir {} open {} close -1 {}",
            raw::fd_read(77, siov.as_ptr() as i32, 1, &mut n as *mut u32 as i32),
            raw::fd_close(4000),
            raw::fd_seek(999, 0, 0, &mut pos as *mut u64 as i32),
            raw::fd_readdir(
                4095,
                small.as_mut_ptr() as i32,
                64,
                0,
                &mut n as *mut u32 as i32
            ),
            raw::path_open(
                i32::MAX,
                0,
                b"x".as_ptr() as i32,
                1,
                0,
                0,
                0,
                0,
                &mut n as *mut u32 as i32
            ),
            raw::fd_close(-1),
        );
    }
    rights();
    println!("still alive");
}

/// Rights a guest dropped, or never had, stay out of reach: no widening, no way around them
/// by renumbering, no writing a directory.
fn rights() {
    const FD_READ: i64 = 1 << 1;
    const FD_WRITE: i64 = 1 << 6;
    const PATH_CREATE_FILE: i64 = 1 << 10;
    const PATH_OPEN: i64 = 1 << 13;
    const O_CREAT: i32 = 1;
    const O_DIRECTORY: i32 = 2;
    let open = |dir: i32, path: &str, oflags: i32, base: i64, inheriting: i64| {
        let mut fd = 0u32;
        let e = unsafe {
            raw::path_open(
                dir,
                0,
                path.as_ptr() as i32,
                path.len() as i32,
                oflags,
                base,
                inheriting,
                0,
                &mut fd as *mut u32 as i32,
            )
        };
        (e, fd as i32)
    };
    let byte = [b'x'];
    let iov = [byte.as_ptr() as u32, 1u32];
    let mut n = 0u32;
    let write = |fd: i32, n: &mut u32| unsafe {
        raw::fd_write(fd, iov.as_ptr() as i32, 1, n as *mut u32 as i32)
    };
    let (e, reader) = open(TMP_FD, "inside.txt", 0, FD_READ, 0);
    let (e2, other) = open(TMP_FD, "inside.txt", 0, FD_READ | FD_WRITE, 0);
    unsafe {
        println!(
            "rights: open {e} write read-only {} widen {} renumber {} write renumbered {}",
            write(reader, &mut n),
            raw::fd_fdstat_set_rights(reader, FD_READ | FD_WRITE, 0),
            raw::fd_renumber(reader, other),
            write(other, &mut n),
        );
    }
    let (e3, dir) = open(TMP_FD, ".", O_DIRECTORY, PATH_OPEN, PATH_OPEN | FD_READ);
    println!(
        "rights: open dir {e3} other {e2} write dir {} create without the right {} inherit more {}",
        open(TMP_FD, ".", O_DIRECTORY, FD_WRITE, 0).0,
        open(dir, "new.txt", O_CREAT, 0, 0).0,
        open(dir, "inside.txt", 0, FD_READ | FD_WRITE, 0).0,
    );
    // What a file opened through the narrowed directory got: only what it passes on.
    let (_, narrowed) = open(dir, "inside.txt", 0, FD_READ | FD_WRITE, 0);
    println!("rights: write through narrowed {}", write(narrowed, &mut n));
    let _ = PATH_CREATE_FILE;
}
