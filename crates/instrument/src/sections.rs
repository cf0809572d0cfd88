//! Removing or keeping whole sections of an encoded module: the few the `Reencode` pass always
//! writes back, and what a compile cache keeps of a module besides its code.

pub const TYPE: u8 = 1;
pub const IMPORT: u8 = 2;
pub(crate) const START: u8 = 8;
pub(crate) const DATA_COUNT: u8 = 12;

/// `module` without the sections whose id is in `ids`. The input is this crate's own output,
/// so it is well-formed; should it not be, it is returned unchanged.
pub(crate) fn without(module: &[u8], ids: &[u8]) -> Vec<u8> {
    if ids.is_empty() {
        return module.to_vec();
    }
    copy(module, |id| !ids.contains(&id)).unwrap_or_else(|| module.to_vec())
}

/// `module` with only the sections whose id is in `ids`, as they are; `None` if it is not a
/// well-formed sequence of sections.
pub fn only(module: &[u8], ids: &[u8]) -> Option<Vec<u8>> {
    copy(module, |id| ids.contains(&id))
}

/// The module's header and the sections `keep` says yes to, in order.
fn copy(module: &[u8], keep: impl Fn(u8) -> bool) -> Option<Vec<u8>> {
    let mut out = module.get(..8)?.to_vec();
    let mut pos = 8;
    while pos < module.len() {
        let start = pos;
        let id = *module.get(pos)?;
        pos += 1;
        let size = read_leb_u32(module, &mut pos)? as usize;
        let end = pos.checked_add(size)?;
        let section = module.get(start..end)?;
        if keep(id) {
            out.extend_from_slice(section);
        }
        pos = end;
    }
    Some(out)
}

/// The unsigned LEB128 `u32` at `bytes[*pos..]` (a section's size, a name's length), moving
/// `pos` past it; `None` if the bytes end first or the number does not fit in 32 bits. For
/// walking a module's sections without a full parse.
pub fn read_leb_u32(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut result = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        result |= u32::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(result);
        }
    }
    None
}
