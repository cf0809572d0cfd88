//! One function body with its frame recorded: a push at entry, the call site noted before
//! every instruction that may trap or call, the depth restored at every exit.

use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::{BlockType, Function, Instruction as I, ValType};
use wasmparser::{FunctionBody, Operator};

use super::ring::Globals;
use super::traps::may_trap;
use super::SLOTS;
use crate::read_body::{read_locals, read_operators};
use crate::InstrumentError;

/// What an instrumented body refers to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Refs {
    pub globals: Globals,
    /// Function indices of the push, restore and frame helpers.
    pub push: u32,
    pub restore: u32,
    pub frame: u32,
}

/// The locals a body adds after its own.
#[derive(Clone, Copy)]
struct Frame {
    /// `depth` at entry: this frame's slot.
    saved: u32,
    /// What this frame's slot held before (a frame `SLOTS` levels up), put back at exit.
    old: u32,
}

/// Rewrites the body of function `func` (`params` parameters). `wrapper` is the block type
/// with no parameters and the function's results: the body runs inside such a block so that
/// a branch to the function's own label lands on the exit code instead of leaving.
///
/// `None` for a body that can neither trap nor call: it is never running when a trap happens
/// (a stack overflow on entering it is the caller's call trapping), so it needs no frame.
pub(crate) fn instrument<R>(
    reencoder: &mut R,
    body: &FunctionBody,
    func: u32,
    params: u32,
    wrapper: BlockType,
    refs: &Refs,
) -> Result<Option<Function>, Error<InstrumentError>>
where
    R: Reencode<Error = InstrumentError> + ?Sized,
{
    let (mut locals, next_local) = read_locals(reencoder, body, params)?;
    let ops = read_operators(body)?;
    if !ops.iter().any(|(op, _)| may_trap(op)) {
        return Ok(None);
    }
    let frame = Frame {
        saved: next_local,
        old: next_local + 1,
    };
    locals.push((1, ValType::I32));
    locals.push((1, ValType::I64));
    // A caught exception skips the exits of the frames it unwound: such bodies put `depth`
    // back to their own level before every recorded site.
    let catches = crate::meter::catches(&ops);
    let g = refs.globals;

    let mut f = Function::new(locals);
    f.instruction(&I::GlobalGet(g.depth));
    f.instruction(&I::LocalTee(frame.saved));
    f.instruction(&I::I64Const((u64::from(func) << 32) as i64));
    f.instruction(&I::Call(refs.push));
    f.instruction(&I::LocalSet(frame.old));
    f.instruction(&I::Block(wrapper));
    for (op, offset) in ops {
        match op {
            Operator::Return => exit(&mut f, frame, refs),
            Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. } => {
                // The callee takes this frame's place: it is pushed at this frame's level
                // and sees this frame's caller's call site, read back from this frame's slot.
                f.instruction(&I::LocalGet(frame.saved));
                f.instruction(&I::Call(refs.frame));
                f.instruction(&I::I32WrapI64);
                f.instruction(&I::GlobalSet(g.site));
                exit(&mut f, frame, refs);
            }
            ref op if may_trap(op) => {
                if catches {
                    f.instruction(&I::LocalGet(frame.saved));
                    f.instruction(&I::I32Const(1));
                    f.instruction(&I::I32Add);
                    f.instruction(&I::GlobalSet(g.depth));
                }
                // Offsets are below 4 GiB (a module's size); the host reads them back as u32.
                f.instruction(&I::I32Const(offset as u32 as i32));
                f.instruction(&I::GlobalSet(g.site));
            }
            _ => {}
        }
        // The body's final `end` closes the wrapper block.
        f.instruction(&reencoder.instruction(op)?);
    }
    exit(&mut f, frame, refs);
    f.instruction(&I::End);
    Ok(Some(f))
}

/// `depth = saved`, and below the ring's reach, the slot this frame overwrote put back, so
/// that a deep call that returned leaves the slots of the frames still running as they were.
fn exit(f: &mut Function, frame: Frame, refs: &Refs) {
    f.instruction(&I::LocalGet(frame.saved));
    f.instruction(&I::GlobalSet(refs.globals.depth));
    f.instruction(&I::LocalGet(frame.saved));
    f.instruction(&I::I32Const(SLOTS as i32));
    f.instruction(&I::I32GeU);
    f.instruction(&I::If(BlockType::Empty));
    f.instruction(&I::LocalGet(frame.saved));
    f.instruction(&I::LocalGet(frame.old));
    f.instruction(&I::Call(refs.restore));
    f.instruction(&I::End);
}
