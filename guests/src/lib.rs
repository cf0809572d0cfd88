//! Helpers shared by the test guests: raw WASI imports (to hand the host bad pointers on
//! purpose) and a uniform way to print the outcome of a file operation.

pub mod compute;

use std::io;

pub mod raw {
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        pub fn fd_write(fd: i32, iovs: i32, iovs_len: i32, nwritten: i32) -> i32;
        pub fn fd_read(fd: i32, iovs: i32, iovs_len: i32, nread: i32) -> i32;
        pub fn fd_close(fd: i32) -> i32;
        pub fn fd_seek(fd: i32, offset: i64, whence: i32, newoffset: i32) -> i32;
        pub fn args_get(argv: i32, buf: i32) -> i32;
        pub fn args_sizes_get(argc: i32, size: i32) -> i32;
        pub fn environ_sizes_get(count: i32, size: i32) -> i32;
        pub fn random_get(buf: i32, len: i32) -> i32;
        pub fn clock_time_get(id: i32, precision: i64, time: i32) -> i32;
        pub fn path_open(
            fd: i32,
            dirflags: i32,
            path: i32,
            path_len: i32,
            oflags: i32,
            base: i64,
            inheriting: i64,
            fdflags: i32,
            opened: i32,
        ) -> i32;
        pub fn fd_prestat_dir_name(fd: i32, path: i32, len: i32) -> i32;
        pub fn poll_oneoff(input: i32, output: i32, n: i32, nevents: i32) -> i32;
        pub fn path_symlink(old: i32, old_len: i32, fd: i32, new: i32, new_len: i32) -> i32;
        pub fn fd_readdir(fd: i32, buf: i32, len: i32, cookie: i64, used: i32) -> i32;
        pub fn fd_fdstat_set_rights(fd: i32, base: i64, inheriting: i64) -> i32;
        pub fn fd_renumber(from: i32, to: i32) -> i32;
    }
}

/// Prints `what: ok` or `what: errno N`, the WASI errno, identical on every engine.
pub fn report<T>(what: &str, result: io::Result<T>) -> Option<T> {
    match result {
        Ok(v) => {
            println!("{what}: ok");
            Some(v)
        }
        Err(e) => {
            println!("{what}: errno {}", e.raw_os_error().unwrap_or(-1));
            None
        }
    }
}

/// Creates a symlink through the raw call (std's is unstable on WASI); `fd` is a preopen.
pub fn symlink(fd: i32, target: &str, link: &str) -> io::Result<()> {
    let e = unsafe {
        raw::path_symlink(
            target.as_ptr() as i32,
            target.len() as i32,
            fd,
            link.as_ptr() as i32,
            link.len() as i32,
        )
    };
    if e == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(e))
    }
}
