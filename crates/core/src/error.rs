//! One error type and one trap kind for all engines.

use core::fmt;
use serde::Serialize;

use crate::backtrace::Backtrace;
use crate::prelude::*;

/// Why a guest stopped abnormally. Every engine's traps are mapped onto these kinds, so the same
/// fault reads the same whatever ran it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trap {
    Unreachable,
    MemoryOutOfBounds,
    DivideByZero,
    IntegerOverflow,
    BadConversionToInteger,
    IndirectCallTypeMismatch,
    /// Also covers calls through a null table entry, as the spec's `uninitialized element`.
    TableOutOfBounds,
    NullReference,
    StackOverflow,
    OutOfFuel,
    Timeout,
    Interrupted,
    UnalignedAtomic,
    /// A GC array access past the array's length.
    ArrayOutOfBounds,
    /// A GC reference cast (`ref.cast`) to a type the value does not have.
    CastFailure,
    /// A host function returned an error.
    HostError,
}

impl Trap {
    pub const ALL: [Trap; 16] = [
        Trap::Unreachable,
        Trap::MemoryOutOfBounds,
        Trap::DivideByZero,
        Trap::IntegerOverflow,
        Trap::BadConversionToInteger,
        Trap::IndirectCallTypeMismatch,
        Trap::TableOutOfBounds,
        Trap::NullReference,
        Trap::StackOverflow,
        Trap::OutOfFuel,
        Trap::Timeout,
        Trap::Interrupted,
        Trap::UnalignedAtomic,
        Trap::ArrayOutOfBounds,
        Trap::CastFailure,
        Trap::HostError,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Trap::Unreachable => "unreachable",
            Trap::MemoryOutOfBounds => "memory out of bounds",
            Trap::DivideByZero => "integer divide by zero",
            Trap::IntegerOverflow => "integer overflow",
            Trap::BadConversionToInteger => "invalid conversion to integer",
            Trap::IndirectCallTypeMismatch => "indirect call type mismatch",
            Trap::TableOutOfBounds => "table out of bounds",
            Trap::NullReference => "null reference",
            Trap::StackOverflow => "stack overflow",
            Trap::OutOfFuel => "out of fuel",
            Trap::Timeout => "timeout",
            Trap::Interrupted => "interrupted",
            Trap::UnalignedAtomic => "unaligned atomic",
            Trap::ArrayOutOfBounds => "array out of bounds",
            Trap::CastFailure => "cast failure",
            Trap::HostError => "host error",
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The module's bytes are not a valid module.
    #[error("{file}: invalid module at byte offset {offset:#x}: {message}")]
    InvalidModule {
        file: String,
        offset: usize,
        message: String,
    },
    /// The text format did not parse.
    #[error("{file}: {message}")]
    InvalidText { file: String, message: String },
    /// The engine cannot run this module (a feature it lacks, a type it cannot pass).
    #[error("{engine} does not support {what}")]
    Unsupported { engine: String, what: String },
    /// The engine could not compile one instruction of a valid module: what, and where. The
    /// facade traces `func` and `offset` back to the module the user gave; `offset` is `None`
    /// for an instruction wasmux added to `func` (a lowering, a limit check), and `func` is
    /// `None` too inside a function wasmux added.
    #[error("{}{engine} cannot compile `{op}` {}: {reason}",
        if file.is_empty() { String::new() } else { format!("{file}: ") },
        refused_where(*func, *offset))]
    RefusedCode {
        engine: String,
        file: String,
        func: Option<u32>,
        offset: Option<usize>,
        op: String,
        reason: String,
    },
    /// Imports nobody provides.
    #[error("unresolved import{}: {}", if .0.len() == 1 { "" } else { "s" }, .0.join(", "))]
    UnresolvedImports(Vec<String>),
    /// A store was given another number of imports than the module has: a bug of the caller,
    /// which must give one per import, in order (`Store::instantiate`).
    #[error("the module has {expected} import(s); {given} given")]
    ImportCount { expected: usize, given: usize },
    /// What provides an import (another instance's export, a host function) has another kind
    /// or type than the module declares; both are named, as `FuncType` and `ValType` print.
    #[error("import {module}::{name}: the module expects {expected}, the one provided is {found}")]
    MistypedImport {
        module: String,
        name: String,
        expected: String,
        found: String,
    },
    #[error("import {module}::{name}: {message}")]
    IncompatibleImport {
        module: String,
        name: String,
        message: String,
    },
    #[error("the function handle `{name}` belongs to another instance")]
    ForeignFunc { name: String },
    #[error("no exported function named `{name}`{}", hint(.available))]
    UnknownExport {
        name: String,
        available: Vec<String>,
    },
    #[error("`{func}` takes {expected} argument(s) ({signature}); {given} given")]
    ArgumentCount {
        func: String,
        expected: usize,
        given: usize,
        signature: String,
    },
    #[error("`{func}` argument {index}: expected {expected}, got {given}")]
    ArgumentType {
        func: String,
        index: usize,
        expected: String,
        given: String,
    },
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// Instantiation failed for a reason the spec defines (an out-of-bounds segment...). A trapping
    /// start function is reported as its `Trap`.
    #[error("instantiation failed: {0}")]
    Instantiation(String),
    /// The guest trapped. The backtrace is not part of the message; callers print it where
    /// they want it (`wasmux run` below the error line).
    #[error("wasm trap: {trap}{}", detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Trap {
        trap: Trap,
        detail: Option<String>,
        backtrace: Box<Backtrace>,
    },
    /// A guest called `proc_exit` or an equivalent; not a failure of the host.
    #[error("guest exited with status {0}")]
    Exit(i32),
    #[error("unknown engine `{name}`; known engines: {}", known.join(", "))]
    UnknownEngine { name: String, known: Vec<String> },
    /// The engine is in this build but cannot run on this machine (no code generator for
    /// its CPU, native code not allowed): why, and what runs instead.
    #[error(
        "{engine} cannot run on this machine: {reason}; the interpreters \
         (wasmtime:pulley, wasm3, wasmi) can"
    )]
    Unavailable { engine: String, reason: String },
    #[error("{engine}: {message}")]
    Engine { engine: String, message: String },
    /// A function made for each instance (see `RuntimeBuilder::funcs_per_instance`) could
    /// not be made: a WASI context whose directory is gone, for example.
    #[error("cannot set up the host functions of a new instance: {0}")]
    InstanceSetup(Box<dyn core::error::Error + Send + Sync>),
    /// An ahead-of-time compiled file that cannot be run here: damaged, or compiled for
    /// another engine, version, target or set of limits (the message names both sides).
    #[error("{file}: {message}")]
    Artifact { file: String, message: String },
    #[cfg(feature = "std")]
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What kind of failure an [`Error`] is, for callers that branch on it; the message is for
/// people and is never parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    InvalidModule,
    InvalidText,
    Unsupported,
    RefusedCode,
    UnresolvedImports,
    ImportCount,
    MistypedImport,
    IncompatibleImport,
    ForeignFunc,
    UnknownExport,
    ArgumentCount,
    ArgumentType,
    Limit,
    Instantiation,
    Trap(Trap),
    Exit,
    UnknownEngine,
    Unavailable,
    Engine,
    InstanceSetup,
    Artifact,
    Io,
}

fn refused_where(func: Option<u32>, offset: Option<usize>) -> String {
    match (func, offset) {
        (Some(func), Some(offset)) => format!("at byte offset {offset:#x} (function {func})"),
        (Some(func), None) => format!("in code wasmux added to function {func}"),
        (None, _) => "in a function wasmux added".to_string(),
    }
}

fn hint(available: &[String]) -> String {
    if available.is_empty() {
        " (the module exports no functions)".to_string()
    } else {
        format!("; exported functions: {}", available.join(", "))
    }
}

impl Error {
    pub fn trap(trap: Trap) -> Self {
        Error::Trap {
            trap,
            detail: None,
            backtrace: Box::default(),
        }
    }

    pub fn trap_with(trap: Trap, detail: impl Into<String>) -> Self {
        Error::Trap {
            trap,
            detail: Some(detail.into()),
            backtrace: Box::default(),
        }
    }

    pub fn engine(engine: &str, message: impl fmt::Display) -> Self {
        Error::Engine {
            engine: engine.to_string(),
            message: message.to_string(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidModule { .. } => ErrorKind::InvalidModule,
            Error::InvalidText { .. } => ErrorKind::InvalidText,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::RefusedCode { .. } => ErrorKind::RefusedCode,
            Error::UnresolvedImports(_) => ErrorKind::UnresolvedImports,
            Error::ImportCount { .. } => ErrorKind::ImportCount,
            Error::MistypedImport { .. } => ErrorKind::MistypedImport,
            Error::IncompatibleImport { .. } => ErrorKind::IncompatibleImport,
            Error::ForeignFunc { .. } => ErrorKind::ForeignFunc,
            Error::UnknownExport { .. } => ErrorKind::UnknownExport,
            Error::ArgumentCount { .. } => ErrorKind::ArgumentCount,
            Error::ArgumentType { .. } => ErrorKind::ArgumentType,
            Error::Limit(_) => ErrorKind::Limit,
            Error::Instantiation(_) => ErrorKind::Instantiation,
            Error::Trap { trap, .. } => ErrorKind::Trap(*trap),
            Error::Exit(_) => ErrorKind::Exit,
            Error::UnknownEngine { .. } => ErrorKind::UnknownEngine,
            Error::Unavailable { .. } => ErrorKind::Unavailable,
            Error::Engine { .. } => ErrorKind::Engine,
            Error::InstanceSetup(_) => ErrorKind::InstanceSetup,
            Error::Artifact { .. } => ErrorKind::Artifact,
            #[cfg(feature = "std")]
            Error::Io(_) => ErrorKind::Io,
        }
    }

    /// The wasm frames at the trap, if this error is a trap and the engine reported them.
    pub fn backtrace(&self) -> Option<&Backtrace> {
        match self {
            Error::Trap { backtrace, .. } => Some(backtrace),
            _ => None,
        }
    }

    /// The trap kind, if this error is a trap.
    pub fn as_trap(&self) -> Option<Trap> {
        match self {
            Error::Trap { trap, .. } => Some(*trap),
            _ => None,
        }
    }
}
