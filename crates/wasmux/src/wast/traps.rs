//! The spec scripts name traps by message text; wasmux names them by `Trap` kind.

use wasmux_core::Trap;

/// The trap kind a spec message stands for, or `None` when wasmux has no kind for it, which
/// makes the directive fail with that said.
pub(crate) fn expected_trap(message: &str) -> Option<Trap> {
    // Prefix matching: the reference interpreter appends detail (`uninitialized element 2`).
    const TABLE: &[(&str, Trap)] = &[
        ("unreachable", Trap::Unreachable),
        ("out of bounds memory access", Trap::MemoryOutOfBounds),
        ("memory access out of bounds", Trap::MemoryOutOfBounds),
        ("integer divide by zero", Trap::DivideByZero),
        ("integer overflow", Trap::IntegerOverflow),
        (
            "invalid conversion to integer",
            Trap::BadConversionToInteger,
        ),
        (
            "indirect call type mismatch",
            Trap::IndirectCallTypeMismatch,
        ),
        // A call through a null or missing table entry is a table fault in wasmux's model.
        ("undefined element", Trap::TableOutOfBounds),
        ("uninitialized element", Trap::TableOutOfBounds),
        ("out of bounds table access", Trap::TableOutOfBounds),
        ("null", Trap::NullReference),
        ("call stack exhausted", Trap::StackOverflow),
        ("unaligned atomic", Trap::UnalignedAtomic),
        ("out of bounds array access", Trap::ArrayOutOfBounds),
        ("cast failure", Trap::CastFailure),
    ];
    TABLE
        .iter()
        .find(|(prefix, _)| message.starts_with(prefix))
        .map(|(_, trap)| *trap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_spec_messages() {
        assert_eq!(
            expected_trap("uninitialized element 2"),
            Some(Trap::TableOutOfBounds)
        );
        assert_eq!(
            expected_trap("null function reference"),
            Some(Trap::NullReference)
        );
        assert_eq!(
            expected_trap("call stack exhausted"),
            Some(Trap::StackOverflow)
        );
        assert_eq!(expected_trap("cast failure"), Some(Trap::CastFailure));
        assert_eq!(expected_trap("no such trap"), None);
    }
}
