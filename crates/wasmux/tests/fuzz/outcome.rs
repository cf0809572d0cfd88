//! One module on one engine: what each exported function returned, trapped with, and cost,
//! in a form two engines can be compared in.

use std::fmt;
use std::time::Duration;
use wasmux::{Error, ExportKind, Module, Runtime, Trap, Val, ValType};

/// Fuel for instantiation and again for each call: enough for real work, little enough that
/// endless loops end quickly.
pub const FUEL: u64 = 100_000;
/// A backstop only: fuel ends every call long before.
const TIMEOUT: Duration = Duration::from_secs(20);
/// What `memory.grow` may reach; wasm-smith's initial memories are smaller.
const MAX_MEMORY: u64 = 4 * 65536;

/// Why something stopped. Errors other than traps compare by kind only: their messages are
/// each engine's own words.
#[derive(Clone, Debug)]
pub enum Failure {
    Trap(Trap),
    Error { kind: &'static str, message: String },
}

impl PartialEq for Failure {
    fn eq(&self, other: &Failure) -> bool {
        match (self, other) {
            (Failure::Trap(a), Failure::Trap(b)) => a == b,
            (Failure::Error { kind: a, .. }, Failure::Error { kind: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        if let Some(trap) = e.as_trap() {
            return Failure::Trap(trap);
        }
        let kind = match &e {
            Error::InvalidModule { .. } => "invalid module",
            Error::Unsupported { .. } => "unsupported",
            Error::RefusedCode { .. } => "refused code",
            Error::Limit(_) => "limit",
            Error::Instantiation(_) => "instantiation",
            Error::Engine { .. } => "engine error",
            _ => "other error",
        };
        Failure::Error {
            kind,
            message: e.to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Trap(trap) => write!(f, "trap: {trap}"),
            Failure::Error { kind, message } => write!(f, "{kind}: {message}"),
        }
    }
}

/// One call of an exported function.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub func: String,
    pub result: Result<Vec<Val>, Failure>,
    pub fuel: Option<u64>,
}

/// A module's whole run on one engine.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The engine lacks a feature the module uses: an engine limit, not a difference.
    Unsupported(String),
    /// Instantiation (with the start function) failed.
    Failed(Failure),
    Ran {
        calls: Vec<Call>,
        /// The memory's size after the last call, which `memory.grow` may have changed.
        memory_bytes: u64,
    },
}

impl Outcome {
    /// Whether a stack overflow stopped anything: how deep a stack goes is each engine's own
    /// limit (the spec leaves it to the implementation), so runs stop being comparable there.
    pub fn overflowed_at(&self) -> Option<usize> {
        match self {
            Outcome::Failed(Failure::Trap(Trap::StackOverflow)) => Some(0),
            Outcome::Ran { calls, .. } => calls
                .iter()
                .position(|c| c.result == Err(Failure::Trap(Trap::StackOverflow)))
                .map(|i| i + 1),
            _ => None,
        }
    }

    /// This outcome as far as `len` steps (instantiation, then each call), for runs that a
    /// stack overflow made incomparable after that.
    pub fn truncated(&self, len: usize) -> Outcome {
        match self {
            Outcome::Ran { calls, .. } if len > 0 => Outcome::Ran {
                calls: calls.iter().take(len - 1).cloned().collect(),
                memory_bytes: 0,
            },
            Outcome::Ran { .. } | Outcome::Failed(_) => Outcome::Failed(Failure::Error {
                kind: "stack limit reached",
                message: String::new(),
            }),
            other => other.clone(),
        }
    }
}

/// Instantiates `module` on `engine` with fuel, a timeout and a memory cap, then calls every
/// exported function, in name order, with arguments made from its parameter types.
pub fn run(engine: &str, module: &Module) -> Outcome {
    let runtime = Runtime::builder()
        .engine(engine)
        .fuel(FUEL)
        .timeout(TIMEOUT)
        .max_memory(MAX_MEMORY)
        .build()
        .expect("the engine is in this build");
    let mut instance = match runtime.instantiate(module) {
        Ok(instance) => instance,
        Err(e @ Error::Unsupported { .. }) => return Outcome::Unsupported(e.to_string()),
        Err(e) => return Outcome::Failed(e.into()),
    };
    let mut funcs: Vec<_> = instance
        .exports()
        .into_iter()
        .filter(|e| e.kind == ExportKind::Func)
        .filter_map(|e| Some((e.name, e.func?)))
        .collect();
    funcs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut calls = Vec::new();
    for (func, ty) in funcs {
        let args: Vec<Val> = ty
            .params
            .iter()
            .enumerate()
            .map(|(i, t)| arg(*t, i))
            .collect();
        instance.set_fuel(FUEL).expect("the instance is metered");
        let result = instance
            .call(&func, &args)
            .map(|vals| vals.into_iter().map(comparable).collect())
            .map_err(Failure::from);
        let fuel = instance.last_call_stats().fuel_consumed;
        calls.push(Call { func, result, fuel });
    }
    let memory_bytes = instance.last_call_stats().peak_memory_bytes;
    Outcome::Ran {
        calls,
        memory_bytes,
    }
}

/// Arguments that reach interesting paths: zero, small numbers, the extremes.
fn arg(ty: ValType, index: usize) -> Val {
    const INTS: [i64; 6] = [0, 1, -1, 7, i64::MIN, i32::MAX as i64];
    let int = INTS[index % INTS.len()];
    match ty {
        ValType::I32 => Val::I32(int as i32),
        ValType::I64 => Val::I64(int),
        ValType::F32 => Val::F32((int as f32).to_bits()),
        ValType::F64 => Val::F64((int as f64).to_bits()),
        ValType::V128 => Val::V128((int as u128).wrapping_mul(0x0101_0101_0101_0101_0101)),
        ValType::FuncRef => Val::FuncRef(None),
        ValType::ExternRef => Val::ExternRef(None),
        ValType::AnyRef => Val::AnyRef(None),
    }
}

/// A value as it can be compared across engines: function references are opaque tokens with
/// a number of the engine's choosing, so only whether one is null is compared.
fn comparable(v: Val) -> Val {
    match v {
        Val::FuncRef(Some(_)) => Val::FuncRef(Some(0)),
        other => other,
    }
}
