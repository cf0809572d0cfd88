//! Which proposal an operator comes from, read off wasmparser's own operator list so that new
//! operators are classified without edits here.

use wasmparser::Operator;

macro_rules! define_proposal_of {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        /// `(proposal, operator name)`, e.g. `("bulk_memory", "memory_init")`.
        pub(crate) fn proposal_of(op: &Operator) -> (&'static str, &'static str) {
            match op {
                $( Operator::$op { .. } => (
                    stringify!($proposal),
                    // "visit_" is six bytes; every visitor name starts with it.
                    stringify!($visit).split_at(6).1,
                ), )*
                _ => ("unknown", "unknown operator"),
            }
        }
    };
}

wasmparser::for_each_operator!(define_proposal_of);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(proposal_of(&Operator::I32Add), ("mvp", "i32_add"));
        assert_eq!(
            proposal_of(&Operator::DataDrop { data_index: 0 }),
            ("bulk_memory", "data_drop")
        );
    }
}
