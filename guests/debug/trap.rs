//! A guest that writes a marker into its memory and then traps two calls deep. Not one of the
//! cargo guests: the trap-report tests build it alone with `rustc -g`, so that it carries
//! DWARF, and find the trapping line by the comment on it rather than by its number.

use std::hint::black_box;

#[inline(never)]
fn inner(buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"wasmux-coredump-marker");
    black_box(&buf);
    if black_box(buf.len()) > 0 {
        core::arch::wasm32::unreachable(); // TRAP LINE
    }
}

#[inline(never)]
fn outer(buf: &mut Vec<u8>) {
    inner(buf);
}

fn main() {
    let mut buf = Vec::new();
    outer(&mut buf);
}
