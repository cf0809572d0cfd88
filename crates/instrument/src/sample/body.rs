//! One function body with its calls counted, its level kept and its samples taken; and the
//! helpers those bodies call, so that the rare paths are not copied into every function.

use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::{BlockType, Function, Instruction as I, ValType};
use wasmparser::{FunctionBody, Operator};

use super::{Refs, Sampled};
use crate::read_body::{read_locals, read_operators};
use crate::InstrumentError;

/// Rewrites the body of a user function with `params` parameters. `host_import` gives the
/// user index of a function index that is an import worth wrapping.
pub(super) fn instrument<R>(
    reencoder: &mut R,
    body: &FunctionBody,
    params: u32,
    sampled: Sampled,
    refs: &Refs,
    host_import: &dyn Fn(u32) -> Option<u32>,
) -> Result<Function, Error<InstrumentError>>
where
    R: Reencode<Error = InstrumentError> + ?Sized,
{
    let (mut locals, level) = read_locals(reencoder, body, params)?;
    locals.push((1, ValType::I32));
    let ops = read_operators(body)?;
    // A caught exception skips the exits of the frames it unwound, which leaves `depth`
    // too high: such bodies put it back before everything that reads it.
    let catches = crate::meter::catches(&ops);
    let site = Site {
        refs,
        level,
        user: sampled.user,
        catches,
    };

    let g = refs.globals;
    let mut f = Function::new(locals);
    f.instruction(&I::GlobalGet(g.depth));
    f.instruction(&I::I32Const(1));
    f.instruction(&I::I32Add);
    f.instruction(&I::LocalTee(level));
    f.instruction(&I::GlobalSet(g.depth));
    f.instruction(&I::GlobalGet(sampled.counter));
    f.instruction(&I::I64Const(1));
    f.instruction(&I::I64Add);
    f.instruction(&I::GlobalSet(sampled.counter));
    site.count_down(&mut f);
    // A branch to the function's own label lands on the exit code instead of leaving.
    f.instruction(&I::Block(sampled.wrapper));
    for (op, _) in ops {
        match op {
            Operator::Return => site.exit(&mut f),
            Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. } => site.exit(&mut f),
            Operator::Call { function_index } => {
                if let Some(import) = host_import(function_index) {
                    site.restore(&mut f);
                    f.instruction(&I::I32Const(import as i32));
                    f.instruction(&I::I32Const(sampled.user as i32));
                    f.instruction(&I::Call(refs.host_enter_helper));
                    f.instruction(&reencoder.instruction(op)?);
                    f.instruction(&I::I32Const(import as i32));
                    f.instruction(&I::Call(refs.host_exit));
                    continue;
                }
                site.restore(&mut f);
            }
            Operator::CallIndirect { .. } | Operator::CallRef { .. } => site.restore(&mut f),
            Operator::Loop { .. } => {
                f.instruction(&reencoder.instruction(op)?);
                site.restore(&mut f);
                site.count_down(&mut f);
                continue;
            }
            _ => {}
        }
        // The body's final `end` closes the wrapper block.
        f.instruction(&reencoder.instruction(op)?);
    }
    site.exit(&mut f);
    f.instruction(&I::End);
    Ok(f)
}

/// What the code added at one place in a body needs.
struct Site<'a> {
    refs: &'a Refs,
    /// The local holding this frame's level.
    level: u32,
    user: u32,
    catches: bool,
}

impl Site<'_> {
    /// `if --countdown == 0 { tick(user) }`
    fn count_down(&self, f: &mut Function) {
        let g = self.refs.globals;
        f.instruction(&I::GlobalGet(g.countdown));
        f.instruction(&I::I32Const(1));
        f.instruction(&I::I32Sub);
        f.instruction(&I::GlobalSet(g.countdown));
        f.instruction(&I::GlobalGet(g.countdown));
        f.instruction(&I::I32Eqz);
        f.instruction(&I::If(BlockType::Empty));
        f.instruction(&I::I32Const(self.user as i32));
        f.instruction(&I::Call(self.refs.tick_helper));
        f.instruction(&I::End);
    }

    /// `if level == watch { resolved(user) }  depth = level - 1`
    fn exit(&self, f: &mut Function) {
        let g = self.refs.globals;
        f.instruction(&I::LocalGet(self.level));
        f.instruction(&I::GlobalGet(g.watch));
        f.instruction(&I::I32Eq);
        f.instruction(&I::If(BlockType::Empty));
        f.instruction(&I::I32Const(self.user as i32));
        f.instruction(&I::Call(self.refs.exit_helper));
        f.instruction(&I::End);
        f.instruction(&I::LocalGet(self.level));
        f.instruction(&I::I32Const(1));
        f.instruction(&I::I32Sub);
        f.instruction(&I::GlobalSet(g.depth));
    }

    /// In a body that can catch: `depth = level`.
    fn restore(&self, f: &mut Function) {
        if self.catches {
            f.instruction(&I::LocalGet(self.level));
            f.instruction(&I::GlobalSet(self.refs.globals.depth));
        }
    }
}

/// The helpers' bodies, in the order of their function indices: tick, exit, host enter,
/// flush, which reports the counter of every function in `sampled`.
pub(super) fn helpers<'a>(
    refs: &Refs,
    sampled: impl Iterator<Item = &'a Sampled>,
) -> Vec<Function> {
    let g = refs.globals;
    // watch = depth - 1: after a sample at this level the frame below is the next to name.
    let watch_below = |f: &mut Function| {
        f.instruction(&I::GlobalGet(g.depth));
        f.instruction(&I::I32Const(1));
        f.instruction(&I::I32Sub);
        f.instruction(&I::GlobalSet(g.watch));
    };

    // (func): countdown = tick(func, depth)
    let mut tick = Function::new([]);
    tick.instruction(&I::LocalGet(0));
    tick.instruction(&I::GlobalGet(g.depth));
    tick.instruction(&I::Call(refs.tick));
    tick.instruction(&I::GlobalSet(g.countdown));
    watch_below(&mut tick);
    tick.instruction(&I::End);

    // (func): the frame at `watch` is `func`, returning.
    let mut exit = Function::new([]);
    exit.instruction(&I::LocalGet(0));
    exit.instruction(&I::GlobalGet(g.watch));
    exit.instruction(&I::Call(refs.resolve));
    exit.instruction(&I::GlobalGet(g.watch));
    exit.instruction(&I::I32Const(1));
    exit.instruction(&I::I32Sub);
    exit.instruction(&I::GlobalSet(g.watch));
    exit.instruction(&I::End);

    // (import, caller)
    let mut host_enter = Function::new([]);
    host_enter.instruction(&I::LocalGet(0));
    host_enter.instruction(&I::LocalGet(1));
    host_enter.instruction(&I::GlobalGet(g.depth));
    host_enter.instruction(&I::Call(refs.host_enter));
    watch_below(&mut host_enter);
    host_enter.instruction(&I::End);

    let mut flush = Function::new([]);
    for &Sampled { user, counter, .. } in sampled {
        flush.instruction(&I::GlobalGet(counter));
        flush.instruction(&I::I64Eqz);
        flush.instruction(&I::I32Eqz);
        flush.instruction(&I::If(BlockType::Empty));
        flush.instruction(&I::I32Const(user as i32));
        flush.instruction(&I::GlobalGet(counter));
        flush.instruction(&I::Call(refs.count));
        flush.instruction(&I::I64Const(0));
        flush.instruction(&I::GlobalSet(counter));
        flush.instruction(&I::End);
    }
    for global in [g.depth, g.watch] {
        flush.instruction(&I::I32Const(0));
        flush.instruction(&I::GlobalSet(global));
    }
    flush.instruction(&I::End);
    vec![tick, exit, host_enter, flush]
}
