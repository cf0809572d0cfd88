//! The shadow stack's globals and the functions appended to reach them: a ring of `SLOTS`
//! `i64` globals indexed through a `br_table`, MVP having no other way to pick a global at run
//! time.

use wasm_encoder::{BlockType, Function, Instruction as I, ValType};

use super::SLOTS;

/// Global indices of the added globals: `depth`, `site`, then the `SLOTS` ring slots.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Globals {
    pub depth: u32,
    pub site: u32,
    pub first_slot: u32,
}

impl Globals {
    /// The added globals, in order, with their types.
    pub(crate) fn types() -> impl Iterator<Item = ValType> {
        [ValType::I32, ValType::I32]
            .into_iter()
            .chain(std::iter::repeat_n(ValType::I64, SLOTS as usize))
    }
}

/// An added function. The order of the variants is their order in the function index space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Helper {
    /// `[depth: i32, func << 32: i64] -> [old: i64]`: stores `(func << 32) | site` in slot
    /// `depth`, sets `depth` to one more, and returns what the slot held (the frame `SLOTS`
    /// levels up, when that deep).
    Push,
    /// `[k: i32, value: i64] -> []`: puts `value` back in slot `k`.
    Restore,
    /// `[k: i32] -> [i64]`: slot `k`; exported.
    Frame,
    /// `[] -> [i32]`: `depth`; exported.
    Depth,
    /// `[] -> [i32]`: `site`; exported.
    Site,
    /// `[] -> []`: `depth = 0`; exported.
    Reset,
}

impl Helper {
    pub(crate) const ALL: [Helper; 6] = [
        Helper::Push,
        Helper::Restore,
        Helper::Frame,
        Helper::Depth,
        Helper::Site,
        Helper::Reset,
    ];

    pub(crate) fn signature(self) -> (Vec<ValType>, Vec<ValType>) {
        match self {
            Helper::Push => (vec![ValType::I32, ValType::I64], vec![ValType::I64]),
            Helper::Frame => (vec![ValType::I32], vec![ValType::I64]),
            Helper::Restore => (vec![ValType::I32, ValType::I64], vec![]),
            Helper::Depth | Helper::Site => (vec![], vec![ValType::I32]),
            Helper::Reset => (vec![], vec![]),
        }
    }

    /// The name the host calls it by, for the exported ones.
    pub(crate) fn export(self) -> Option<&'static str> {
        match self {
            Helper::Frame => Some(super::SHADOW_FRAME_EXPORT),
            Helper::Depth => Some(super::SHADOW_DEPTH_EXPORT),
            Helper::Site => Some(super::SHADOW_SITE_EXPORT),
            Helper::Reset => Some(super::SHADOW_RESET_EXPORT),
            Helper::Push | Helper::Restore => None,
        }
    }

    pub(crate) fn body(self, g: Globals) -> Function {
        match self {
            Helper::Push => push(g),
            Helper::Restore => {
                let mut f = Function::new([]);
                dispatch_slots(&mut f, 0, g, |f, slot| {
                    f.instruction(&I::LocalGet(1));
                    f.instruction(&I::GlobalSet(slot));
                });
                f.instruction(&I::End);
                f
            }
            Helper::Frame => {
                let mut f = Function::new([]);
                dispatch_slots(&mut f, 0, g, |f, slot| {
                    f.instruction(&I::GlobalGet(slot));
                });
                f.instruction(&I::End);
                f
            }
            Helper::Depth | Helper::Site => {
                let global = if self == Helper::Depth {
                    g.depth
                } else {
                    g.site
                };
                let mut f = Function::new([]);
                f.instruction(&I::GlobalGet(global));
                f.instruction(&I::End);
                f
            }
            Helper::Reset => {
                let mut f = Function::new([]);
                f.instruction(&I::I32Const(0));
                f.instruction(&I::GlobalSet(g.depth));
                f.instruction(&I::End);
                f
            }
        }
    }
}

fn push(g: Globals) -> Function {
    // Params: 0 = depth, 1 = the function's index shifted up by 32.
    let mut f = Function::new([]);
    f.instruction(&I::LocalGet(0));
    f.instruction(&I::I32Const(1));
    f.instruction(&I::I32Add);
    f.instruction(&I::GlobalSet(g.depth));
    f.instruction(&I::LocalGet(1));
    f.instruction(&I::GlobalGet(g.site));
    f.instruction(&I::I64ExtendI32U);
    f.instruction(&I::I64Or);
    f.instruction(&I::LocalSet(1));
    dispatch_slots(&mut f, 0, g, |f, slot| {
        f.instruction(&I::GlobalGet(slot));
        f.instruction(&I::LocalGet(1));
        f.instruction(&I::GlobalSet(slot));
    });
    f.instruction(&I::End);
    f
}

/// `SLOTS` nested blocks around a `br_table` on `local & (SLOTS - 1)`; after the `i`-th
/// block's end, `arm` emits the work for slot `i` (given its global), followed by a `return`
/// (except after the last, which falls through to the function's end).
fn dispatch_slots(f: &mut Function, local: u32, g: Globals, arm: impl Fn(&mut Function, u32)) {
    for _ in 0..SLOTS {
        f.instruction(&I::Block(BlockType::Empty));
    }
    f.instruction(&I::LocalGet(local));
    f.instruction(&I::I32Const(SLOTS as i32 - 1));
    f.instruction(&I::I32And);
    // Label `i` seen from the innermost block is the end of the `i`-th block from inside.
    f.instruction(&I::BrTable((0..SLOTS).collect(), SLOTS - 1));
    for i in 0..SLOTS {
        f.instruction(&I::End);
        arm(f, g.first_slot + i);
        if i + 1 < SLOTS {
            f.instruction(&I::Return);
        }
    }
}
