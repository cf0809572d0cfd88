//! What a rewrite added to a module, so that a host can link, hide and look through it without
//! knowing the pass that made it: its imports (to provide), its exports (to hide from the
//! guest's exports), and where each function of the output came from (for backtraces).

use wasm_encoder::ValType;

/// A rewritten module and what the rewrite added to it.
#[derive(Clone, Debug)]
pub struct Instrumented {
    pub wasm: Vec<u8>,
    pub added: Added,
}

/// What a rewrite added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Added {
    /// Imports the host must provide, in the order the output imports them.
    pub imports: Vec<AddedImport>,
    /// Exports for the host's use only; a host hides them from the guest's exports.
    pub exports: Vec<String>,
    /// For every function index of the output, the input's index of the same function.
    pub funcs: FuncMap,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedImport {
    pub module: String,
    pub name: String,
    pub kind: AddedKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddedKind {
    Func {
        params: Vec<ValType>,
        results: Vec<ValType>,
    },
    Global {
        ty: ValType,
        mutable: bool,
    },
}

/// Output function index -> input function index, as runs of consecutive indices; `None` for
/// a function the rewrite added. The empty map is the identity (a rewrite that moved no
/// function); any other map covers every function of its output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FuncMap {
    runs: Vec<Run>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    start: u32,
    len: u32,
    from: Option<u32>,
}

impl FuncMap {
    /// The identity.
    pub fn identity() -> FuncMap {
        FuncMap::default()
    }

    /// Appends `len` output functions that come from input functions `from..from + len`
    /// (`None`: added ones). Runs are pushed in output order, without gaps.
    pub fn push(&mut self, len: u32, from: Option<u32>) {
        if len == 0 {
            return;
        }
        let start = self.runs.last().map_or(0, |r| r.start + r.len);
        if let Some(last) = self.runs.last_mut() {
            let continues = match (last.from, from) {
                (Some(a), Some(b)) => a + last.len == b,
                (None, None) => true,
                _ => false,
            };
            if continues {
                last.len += len;
                return;
            }
        }
        self.runs.push(Run { start, len, from });
    }

    /// The input's index of output function `func`; `None` if the rewrite added it, or if
    /// the output has no such function.
    pub fn get(&self, func: u32) -> Option<u32> {
        if self.runs.is_empty() {
            return Some(func);
        }
        let i = self.runs.partition_point(|r| r.start + r.len <= func);
        let run = self.runs.get(i)?;
        run.from.map(|from| from + (func - run.start))
    }

    /// The map of a second rewrite applied to this one's output: `later` maps its output to
    /// this one's output; the result maps it to this one's input.
    pub fn then(&self, later: &FuncMap) -> FuncMap {
        if self.runs.is_empty() {
            return later.clone();
        }
        if later.runs.is_empty() {
            return self.clone();
        }
        let mut out = FuncMap::default();
        let end = later.runs.last().map_or(0, |r| r.start + r.len);
        for func in 0..end {
            out.push(1, later.get(func).and_then(|mid| self.get(mid)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_shift_and_compose() {
        // 2 imports kept, 1 added import, 3 defined functions moved up, 1 helper appended.
        let mut a = FuncMap::default();
        a.push(2, Some(0));
        a.push(1, None);
        a.push(3, Some(2));
        a.push(1, None);
        assert_eq!(
            (0..7).map(|f| a.get(f)).collect::<Vec<_>>(),
            [Some(0), Some(1), None, Some(2), Some(3), Some(4), None]
        );
        // A second rewrite that adds one import after the first three functions.
        let mut b = FuncMap::default();
        b.push(3, Some(0));
        b.push(1, None);
        b.push(4, Some(3));
        let ab = a.then(&b);
        assert_eq!(
            (0..8).map(|f| ab.get(f)).collect::<Vec<_>>(),
            [
                Some(0),
                Some(1),
                None,
                None,
                Some(2),
                Some(3),
                Some(4),
                None
            ]
        );
        assert_eq!(FuncMap::identity().get(41), Some(41));
        assert_eq!(FuncMap::identity().then(&b), b);
    }
}
