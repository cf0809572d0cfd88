//! Reading a function body that a pass rewrites: its locals, re-encoded, and its operators.

use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::ValType;
use wasmparser::{BinaryReaderError, FunctionBody, Operator};

/// Local declarations: a count of locals and their type, each.
pub(crate) type Locals = Vec<(u32, ValType)>;

/// The locals `body` declares, re-encoded by `reencoder`, and the index a local added after
/// them gets (the function's `params` parameters come first).
pub(crate) fn read_locals<R: Reencode + ?Sized>(
    reencoder: &mut R,
    body: &FunctionBody,
    params: u32,
) -> Result<(Locals, u32), Error<R::Error>> {
    let mut locals = Vec::new();
    let mut next_local = params;
    let mut reader = body.get_locals_reader()?;
    for _ in 0..reader.get_count() {
        let (count, ty) = reader.read()?;
        next_local = next_local.saturating_add(count);
        locals.push((count, reencoder.val_type(ty)?));
    }
    Ok((locals, next_local))
}

/// Every operator of `body`, with its byte offset in the module.
pub(crate) fn read_operators<'a>(
    body: &FunctionBody<'a>,
) -> Result<Vec<(Operator<'a>, usize)>, BinaryReaderError> {
    let mut reader = body.get_operators_reader()?;
    let mut ops = Vec::new();
    while !reader.eof() {
        ops.push(reader.read_with_offset()?);
    }
    Ok(ops)
}
