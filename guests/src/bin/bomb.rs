//! Resource attacks, chosen by the first argument: `memory` (allocates until refused, then
//! asks memory.grow for 1 GiB), `memory-abort` (one allocation too large: Rust aborts),
//! `loop` (never ends), `recurse` (recursion without end), `sleep` (20 seconds in `poll_oneoff`).
use std::hint::black_box;

fn memory() {
    const MIB: usize = 1 << 20;
    // Reserved up front: a failing push would abort instead of reporting.
    let mut held: Vec<Vec<u8>> = Vec::with_capacity(4096);
    loop {
        let mut chunk: Vec<u8> = Vec::new();
        if chunk.try_reserve_exact(MIB).is_err() || held.len() == held.capacity() {
            break;
        }
        chunk.resize(MIB, 1);
        held.push(chunk);
    }
    println!("allocated MiB: {}", held.len());
    let pages = 1 << 14; // 1 GiB in 64 KiB pages
    println!(
        "memory.grow 1GiB: {}",
        core::arch::wasm32::memory_grow(0, pages) as isize
    );
}

fn depth(n: u64) -> u64 {
    if black_box(n) == u64::MAX {
        return 0;
    }
    black_box(depth(n + 1)) + 1
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("memory") => memory(),
        Some("memory-abort") => {
            let v = vec![1u8; black_box(1 << 30)];
            println!("allocated {}", v.len());
        }
        Some("loop") => {
            let mut i = 0u64;
            loop {
                i = black_box(i.wrapping_add(1));
            }
        }
        Some("recurse") => println!("depth {}", depth(0)),
        Some("sleep") => std::thread::sleep(std::time::Duration::from_secs(20)),
        other => println!("unknown mode {other:?}"),
    }
    println!("still alive");
}
