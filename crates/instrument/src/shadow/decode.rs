//! Reading the shadow stack back, for hosts: the frames, innermost first.

use super::SLOTS;

/// One frame of a guest's call stack, as the shadow stack recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShadowFrame {
    /// The function's index in the module given to [`shadow_stack`](super::shadow_stack).
    pub func: u32,
    /// Byte offset, in that same module, of the instruction the frame was at: the one that
    /// trapped for the innermost frame, the call to the next frame in for the others.
    pub offset: u32,
}

/// A guest's call stack after a trap.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShadowStack {
    /// Innermost first; at most [`SHADOW_SLOTS`](super::SHADOW_SLOTS).
    pub frames: Vec<ShadowFrame>,
    /// Frames further out than the ring holds.
    pub omitted: u64,
}

/// Decodes what the exports of a shadowed instance return: `depth` and `site` (from
/// [`SHADOW_DEPTH_EXPORT`](super::SHADOW_DEPTH_EXPORT) and
/// [`SHADOW_SITE_EXPORT`](super::SHADOW_SITE_EXPORT)) and `slot(k)`, which calls
/// [`SHADOW_FRAME_EXPORT`](super::SHADOW_FRAME_EXPORT) with `k`. Errors of `slot` are passed on.
///
/// Slot `d % SLOTS` holds the frame pushed at depth `d`: its function, and where its caller
/// was when it called (the value of `site` at the call). The innermost frame is at depth
/// `depth - 1` and is where `site` says; every other frame is at the call site its callee
/// recorded.
pub fn decode_shadow_stack<E>(
    depth: i32,
    site: i32,
    mut slot: impl FnMut(u32) -> Result<i64, E>,
) -> Result<ShadowStack, E> {
    // The depth only counts up from 0 and never passes i32::MAX frames; read it unsigned.
    let depth = u64::from(depth as u32);
    let kept = depth.min(u64::from(SLOTS));
    let mut frames = Vec::with_capacity(kept as usize);
    let mut offset = site as u32;
    for level in (depth - kept..depth).rev() {
        let value = slot((level % u64::from(SLOTS)) as u32)? as u64;
        frames.push(ShadowFrame {
            func: (value >> 32) as u32,
            offset,
        });
        offset = value as u32;
    }
    Ok(ShadowStack {
        frames,
        omitted: depth - kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    fn value(func: u32, site: u32) -> i64 {
        (u64::from(func) << 32 | u64::from(site)) as i64
    }

    #[test]
    fn three_frames() {
        // main (func 2) called from the host, a (3) called at 100, b (4) called at 200, trapped
        // at 300.
        let slots = [value(2, 7), value(3, 100), value(4, 200)];
        let stack =
            decode_shadow_stack(3, 300, |k| Ok::<_, Infallible>(slots[k as usize])).unwrap();
        assert_eq!(
            stack.frames,
            [
                ShadowFrame {
                    func: 4,
                    offset: 300
                },
                ShadowFrame {
                    func: 3,
                    offset: 200
                },
                ShadowFrame {
                    func: 2,
                    offset: 100
                },
            ]
        );
        assert_eq!(stack.omitted, 0);
        let empty = decode_shadow_stack(0, 5, |_| -> Result<i64, Infallible> { panic!() });
        assert_eq!(empty.unwrap(), ShadowStack::default());
    }

    #[test]
    fn deeper_than_the_ring() {
        // Frame at depth d: function d, called at offset 1000 + d; trapped at 9.
        let depth = SLOTS + 10;
        let mut ring = [0i64; SLOTS as usize];
        for d in 0..depth {
            ring[(d % SLOTS) as usize] = value(d, 1000 + d);
        }
        let stack = decode_shadow_stack(depth as i32, 9, |k| Ok::<_, Infallible>(ring[k as usize]))
            .unwrap();
        assert_eq!(stack.omitted, 10);
        assert_eq!(stack.frames.len(), SLOTS as usize);
        assert_eq!(
            stack.frames[0],
            ShadowFrame {
                func: depth - 1,
                offset: 9
            }
        );
        for (i, frame) in stack.frames.iter().enumerate().skip(1) {
            let d = depth - 1 - i as u32;
            assert_eq!(
                *frame,
                ShadowFrame {
                    func: d,
                    offset: 1000 + d + 1
                }
            );
        }
        let failing = decode_shadow_stack(2, 0, |k| if k == 0 { Err(k) } else { Ok(0) });
        assert_eq!(failing, Err(0));
    }
}
