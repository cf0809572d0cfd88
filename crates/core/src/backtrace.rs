//! Where a guest was when it trapped: the wasm frames, innermost first.
//!
//! Engines fill the frames they know in the coordinates of the module they compiled (which
//! wasmux may have rewritten): `instance`, `func` and `offset`. The facade then names each
//! frame as the user's module has it: the function index before rewriting, its name from the
//! `name` section, the byte offset of the instruction in the user's bytes, and, where the module
//! carries DWARF, the source file and line.

use core::fmt;
use serde::Serialize;

use crate::engine::InstanceId;
use crate::prelude::*;

/// The most frames a backtrace keeps (the innermost): enough to see where a guest was, and a
/// bound on the work a trap out of deep recursion costs.
pub const MAX_FRAMES: usize = 64;

/// The wasm frames at a trap, innermost first. Empty when the engine reported none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Backtrace {
    pub frames: Vec<Frame>,
    /// Frames further out that were not recorded (a bounded shadow stack keeps the innermost).
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One wasm frame.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Frame {
    /// The store's instance running this frame, where the engine says.
    #[serde(skip)]
    pub instance: Option<InstanceId>,
    /// The module, as the facade names it (its file name); `None` until the facade fills it.
    pub module: Option<String>,
    /// Index in the function index space (imported functions counted). `None` for a function
    /// wasmux added to the module (a lowering helper).
    pub func: Option<u32>,
    /// The function's name from the module's `name` section.
    pub name: Option<String>,
    /// Byte offset in the module of the instruction this frame executes: the trapping one in
    /// the innermost frame, a call in the others.
    pub offset: Option<usize>,
    /// From DWARF, where the module carries it.
    pub source: Option<SourceLocation>,
}

/// A place in a source file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: u32,
    pub column: Option<u32>,
}

impl Backtrace {
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(module) = &self.module {
            write!(f, "{module}!")?;
        }
        match (&self.name, self.func) {
            (Some(name), _) => f.write_str(name)?,
            (None, Some(func)) => write!(f, "<function {func}>")?,
            (None, None) => f.write_str("<wasmux helper>")?,
        }
        if let Some(offset) = self.offset {
            write!(f, " @ {offset:#x}")?;
        }
        if let Some(source) = &self.source {
            write!(f, " at {}:{}", source.file, source.line)?;
            if let Some(column) = source.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Backtrace {
    /// One frame per line, numbered from the innermost, as wasmtime prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, frame) in self.frames.iter().enumerate() {
            writeln!(f, "  {i:>3}: {frame}")?;
        }
        if self.omitted > 0 {
            writeln!(f, "  ... {} more frame(s) not recorded", self.omitted)?;
        }
        Ok(())
    }
}
