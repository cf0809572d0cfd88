//! Files and directories under a read-write mount `/tmp` and a read-only mount `/data`.
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use wasmux_guests::report;

fn listing(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let kind = if e.file_type().unwrap().is_dir() {
                "/"
            } else {
                ""
            };
            format!("{}{kind}", e.file_name().to_string_lossy())
        })
        .collect();
    names.sort();
    names
}

fn main() {
    // Read-only input.
    let input = fs::read_to_string("/data/input.txt").unwrap();
    println!("input: {input:?}");
    println!("data: {:?}", listing("/data"));

    // Create, write, seek, read back.
    let mut f = fs::File::create("/tmp/a.txt").unwrap();
    f.write_all(b"hello, world\n").unwrap();
    f.seek(SeekFrom::Start(7)).unwrap();
    f.write_all(b"WASI!").unwrap();
    println!("position: {}", f.stream_position().unwrap());
    drop(f);
    let mut f = fs::File::open("/tmp/a.txt").unwrap();
    f.seek(SeekFrom::End(-6)).unwrap();
    let mut tail = String::new();
    f.read_to_string(&mut tail).unwrap();
    println!("tail: {tail:?}");
    println!("whole: {:?}", fs::read_to_string("/tmp/a.txt").unwrap());

    // Append and truncate.
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open("/tmp/a.txt")
        .unwrap();
    f.write_all(b"more\n").unwrap();
    f.set_len(5).unwrap();
    drop(f);
    let meta = fs::metadata("/tmp/a.txt").unwrap();
    println!(
        "stat: len {} file {} dir {}",
        meta.len(),
        meta.is_file(),
        meta.is_dir()
    );
    println!("modified set: {}", meta.modified().is_ok());

    // Directories.
    fs::create_dir_all("/tmp/d/e").unwrap();
    fs::write("/tmp/d/e/f.txt", b"deep").unwrap();
    fs::rename("/tmp/a.txt", "/tmp/d/b.txt").unwrap();
    println!("tmp: {:?}", listing("/tmp"));
    println!("tmp/d: {:?}", listing("/tmp/d"));
    println!("renamed: {:?}", fs::read_to_string("/tmp/d/b.txt").unwrap());
    report("remove non-empty dir", fs::remove_dir("/tmp/d/e"));
    report("open missing", fs::File::open("/tmp/missing"));
    report(
        "create_new existing",
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open("/tmp/d/b.txt"),
    );
    fs::remove_file("/tmp/d/e/f.txt").unwrap();
    fs::remove_dir("/tmp/d/e").unwrap();
    fs::remove_file("/tmp/d/b.txt").unwrap();
    fs::remove_dir("/tmp/d").unwrap();
    println!("tmp after cleanup: {:?}", listing("/tmp"));

    // Many entries: readdir must page through its buffer.
    fs::create_dir("/tmp/many").unwrap();
    for i in 0..150 {
        fs::write(format!("/tmp/many/file-with-a-long-name-{i:03}"), b"x").unwrap();
    }
    println!("many: {}", listing("/tmp/many").len());
    fs::remove_dir_all("/tmp/many").unwrap();

    // The read-only mount refuses every change, with an errno.
    report("ro create", fs::File::create("/data/new.txt"));
    report(
        "ro write",
        fs::OpenOptions::new().write(true).open("/data/input.txt"),
    );
    report(
        "ro append",
        fs::OpenOptions::new().append(true).open("/data/input.txt"),
    );
    report("ro mkdir", fs::create_dir("/data/sub"));
    report("ro unlink", fs::remove_file("/data/input.txt"));
    report(
        "ro rename",
        fs::rename("/data/input.txt", "/data/moved.txt"),
    );
    report(
        "ro rename out",
        fs::rename("/data/input.txt", "/tmp/moved.txt"),
    );
    report(
        "ro hard link out",
        fs::hard_link("/data/input.txt", "/tmp/linked.txt"),
    );
    println!("data after: {:?}", listing("/data"));
}
