//! `memory.copy` and `memory.fill` as MVP functions over memory 0 (lowering refuses modules
//! with more than one memory).
//!
//! Both check the whole range first, as the instructions do, so an out-of-bounds call writes
//! nothing; `len == 0` is allowed up to and including the end of memory. They move eight bytes
//! at a time and then the tail, because in an interpreter the loop overhead dominates.

use wasm_encoder::{BlockType, Function, Instruction as I, MemArg, ValType};

use crate::meter::{self, Interrupt};

const DST: u32 = 0;
const SRC: u32 = 1; // the fill value, for memory.fill
const LEN: u32 = 2;
const PATTERN: u32 = 3; // memory.fill only: the value repeated eight times

const BYTE: MemArg = MemArg {
    offset: 0,
    align: 0,
    memory_index: 0,
};

/// `memory.copy dst src len`, correct for overlapping ranges.
pub(crate) fn memory_copy(interrupt: Option<Interrupt>) -> Function {
    let mut f = Function::new([]);
    trap_unless_in_bounds(&mut f, SRC);
    trap_unless_in_bounds(&mut f, DST);
    // Copying towards lower addresses front to back, and towards higher addresses back to
    // front, never overwrites a source byte before it has been read.
    f.instruction(&I::LocalGet(DST));
    f.instruction(&I::LocalGet(SRC));
    f.instruction(&I::I32LeU);
    f.instruction(&I::If(BlockType::Empty));
    chunked_loop(&mut f, interrupt, 8, |f| {
        f.instruction(&I::LocalGet(DST));
        f.instruction(&I::LocalGet(SRC));
        f.instruction(&I::I64Load(BYTE));
        f.instruction(&I::I64Store(BYTE));
        advance(f, &[DST, SRC], 8);
    });
    chunked_loop(&mut f, interrupt, 1, |f| {
        f.instruction(&I::LocalGet(DST));
        f.instruction(&I::LocalGet(SRC));
        f.instruction(&I::I32Load8U(BYTE));
        f.instruction(&I::I32Store8(BYTE));
        advance(f, &[DST, SRC], 1);
    });
    f.instruction(&I::Else);
    chunked_loop(&mut f, interrupt, 8, |f| {
        shrink(f, 8);
        at_end(f, DST);
        at_end(f, SRC);
        f.instruction(&I::I64Load(BYTE));
        f.instruction(&I::I64Store(BYTE));
    });
    chunked_loop(&mut f, interrupt, 1, |f| {
        shrink(f, 1);
        at_end(f, DST);
        at_end(f, SRC);
        f.instruction(&I::I32Load8U(BYTE));
        f.instruction(&I::I32Store8(BYTE));
    });
    f.instruction(&I::End);
    f.instruction(&I::End);
    f
}

/// `memory.fill dst value len`.
pub(crate) fn memory_fill(interrupt: Option<Interrupt>) -> Function {
    let mut f = Function::new([(1, ValType::I64)]);
    trap_unless_in_bounds(&mut f, DST);
    f.instruction(&I::LocalGet(SRC));
    f.instruction(&I::I64ExtendI32U);
    f.instruction(&I::I64Const(0xff));
    f.instruction(&I::I64And);
    f.instruction(&I::I64Const(0x0101_0101_0101_0101));
    f.instruction(&I::I64Mul);
    f.instruction(&I::LocalSet(PATTERN));
    chunked_loop(&mut f, interrupt, 8, |f| {
        f.instruction(&I::LocalGet(DST));
        f.instruction(&I::LocalGet(PATTERN));
        f.instruction(&I::I64Store(BYTE));
        advance(f, &[DST], 8);
    });
    chunked_loop(&mut f, interrupt, 1, |f| {
        f.instruction(&I::LocalGet(DST));
        f.instruction(&I::LocalGet(SRC));
        f.instruction(&I::I32Store8(BYTE));
        advance(f, &[DST], 1);
    });
    f.instruction(&I::End);
    f
}

/// Traps with an out-of-bounds memory access unless `[local, local + len)` lies in memory,
/// computed in 64 bits so that nothing wraps.
fn trap_unless_in_bounds(f: &mut Function, local: u32) {
    // `memory_bytes < start + len`, with the memory size pushed first: wasm3 0.4.7 puts
    // `memory.size`'s result in a register without saving what the register held (see
    // `lower::Replacement::MemorySizeInBlock`), which this order never needs.
    f.instruction(&I::MemorySize(0));
    f.instruction(&I::I64ExtendI32U);
    f.instruction(&I::I64Const(16));
    f.instruction(&I::I64Shl);
    f.instruction(&I::LocalGet(local));
    f.instruction(&I::I64ExtendI32U);
    f.instruction(&I::LocalGet(LEN));
    f.instruction(&I::I64ExtendI32U);
    f.instruction(&I::I64Add);
    f.instruction(&I::I64LtU);
    f.instruction(&I::If(BlockType::Empty));
    // Eight bytes from 0xffff_ffff reach past 4 GiB, the largest 32-bit memory, so this load
    // traps on every engine with the same trap the real instruction raises.
    f.instruction(&I::I32Const(-1));
    f.instruction(&I::I64Load(BYTE));
    f.instruction(&I::Drop);
    f.instruction(&I::Unreachable);
    f.instruction(&I::End);
}

/// `while len >= step { body }`, with an interrupt check per iteration when enabled.
fn chunked_loop(
    f: &mut Function,
    interrupt: Option<Interrupt>,
    step: i32,
    body: impl FnOnce(&mut Function),
) {
    f.instruction(&I::Block(BlockType::Empty));
    f.instruction(&I::Loop(BlockType::Empty));
    if let Some(interrupt) = interrupt {
        meter::check(f, interrupt);
    }
    f.instruction(&I::LocalGet(LEN));
    if step == 1 {
        f.instruction(&I::I32Eqz);
    } else {
        f.instruction(&I::I32Const(step));
        f.instruction(&I::I32LtU);
    }
    f.instruction(&I::BrIf(1));
    body(f);
    f.instruction(&I::Br(0));
    f.instruction(&I::End);
    f.instruction(&I::End);
}

/// Moves the cursors forward and `len` down by `step`.
fn advance(f: &mut Function, cursors: &[u32], step: i32) {
    for &local in cursors {
        add(f, local, step);
    }
    add(f, LEN, -step);
}

/// `len -= step`, for back-to-front loops.
fn shrink(f: &mut Function, step: i32) {
    add(f, LEN, -step);
}

/// Pushes `local + len`, the address of the current chunk in a back-to-front loop.
fn at_end(f: &mut Function, local: u32) {
    f.instruction(&I::LocalGet(local));
    f.instruction(&I::LocalGet(LEN));
    f.instruction(&I::I32Add);
}

fn add(f: &mut Function, local: u32, delta: i32) {
    f.instruction(&I::LocalGet(local));
    f.instruction(&I::I32Const(delta));
    f.instruction(&I::I32Add);
    f.instruction(&I::LocalSet(local));
}
