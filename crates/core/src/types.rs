//! Values and types as every engine sees them.

use crate::prelude::*;
use core::fmt;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
    /// A reference in the GC proposal's internal hierarchy (`anyref`, `eqref`, `i31ref`,
    /// `structref`, `arrayref` and typed references to structs and arrays).
    AnyRef,
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
            ValType::AnyRef => "anyref",
        })
    }
}

/// A WebAssembly value. Floats are kept as raw bits so that NaN payloads survive the trip
/// through every engine and can be compared exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    /// A function reference. Engines do not share function identities, so a non-null reference
    /// is only an opaque token: it can be observed (null or not) but not forged by the host.
    FuncRef(Option<u32>),
    /// A host reference carrying a host-chosen number.
    ExternRef(Option<u32>),
    /// A GC reference: what the host can observe of it, not the object itself.
    AnyRef(Option<AnyRef>),
}

/// A non-null GC reference as the host sees it. Struct and array contents stay in the guest:
/// like function references, they can be observed but not forged by the host. A 31-bit integer
/// (`i31ref`) is a plain value and can be passed in both directions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AnyRef {
    /// The low 31 bits are the value (read back unsigned).
    I31(u32),
    Struct,
    Array,
    /// A host reference (an externref carrying this host number) brought into the GC
    /// hierarchy with `any.convert_extern`; can be passed in both directions.
    Host(u32),
    /// Any other internal reference.
    Other,
}

impl Val {
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
            Val::AnyRef(_) => ValType::AnyRef,
        }
    }

    /// The zero value of a type, as an uninitialised local or an unknown import returns.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
            ValType::AnyRef => Val::AnyRef(None),
        }
    }

    pub fn f32(v: f32) -> Val {
        Val::F32(v.to_bits())
    }

    pub fn f64(v: f64) -> Val {
        Val::F64(v.to_bits())
    }

    /// Parses a command-line argument as a value of `ty` (`42`, `-1`, `0x10`, `1.5`, `nan`, `inf`).
    pub fn parse(ty: ValType, text: &str) -> Result<Val, String> {
        let bad = |what: &str| format!("`{text}` is not a valid {what}");
        match ty {
            ValType::I32 => parse_int(text)
                .and_then(|v| {
                    if v >= i32::MIN as i128 && v <= u32::MAX as i128 {
                        Some(Val::I32(v as i64 as i32))
                    } else {
                        None
                    }
                })
                .ok_or_else(|| bad("i32")),
            ValType::I64 => parse_int(text)
                .and_then(|v| {
                    if v >= i64::MIN as i128 && v <= u64::MAX as i128 {
                        Some(Val::I64(v as i64))
                    } else {
                        None
                    }
                })
                .ok_or_else(|| bad("i64")),
            ValType::F32 => text.parse::<f32>().map(Val::f32).map_err(|_| bad("f32")),
            ValType::F64 => text.parse::<f64>().map(Val::f64).map_err(|_| bad("f64")),
            ValType::V128 => parse_int(text)
                .map(|v| Val::V128(v as u128))
                .ok_or_else(|| bad("v128 (give it as one integer)")),
            ValType::AnyRef => match text {
                "null" => Ok(Val::AnyRef(None)),
                _ => text
                    .strip_prefix("i31:")
                    .and_then(parse_int)
                    .filter(|v| (0..1 << 31).contains(v))
                    .map(|v| Val::AnyRef(Some(AnyRef::I31(v as u32))))
                    .ok_or_else(|| bad("anyref (`null` or `i31:N` with 0 <= N < 2^31)")),
            },
            ValType::FuncRef | ValType::ExternRef => {
                if text == "null" {
                    Ok(Val::default_for(ty))
                } else if ty == ValType::ExternRef {
                    text.parse::<u32>()
                        .map(|v| Val::ExternRef(Some(v)))
                        .map_err(|_| bad("externref (`null` or a number)"))
                } else {
                    Err(format!(
                        "`{text}`: only `null` can be passed as a funcref from the host"
                    ))
                }
            }
        }
    }
}

fn parse_int(text: &str) -> Option<i128> {
    let (neg, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let rest = rest.replace('_', "");
    let mag = if let Some(hex) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
        i128::from_str_radix(hex, 16).ok()?
    } else {
        rest.parse::<i128>().ok()?
    };
    Some(if neg { -mag } else { mag })
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::I32(v) => write!(f, "{v}"),
            Val::I64(v) => write!(f, "{v}"),
            Val::F32(b) => write!(f, "{}", f32::from_bits(*b)),
            Val::F64(b) => write!(f, "{}", f64::from_bits(*b)),
            Val::V128(v) => write!(f, "0x{v:032x}"),
            Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) => f.write_str("null"),
            Val::AnyRef(Some(AnyRef::I31(v))) => write!(f, "i31({v})"),
            Val::AnyRef(Some(AnyRef::Struct)) => f.write_str("structref"),
            Val::AnyRef(Some(AnyRef::Array)) => f.write_str("arrayref"),
            Val::AnyRef(Some(AnyRef::Host(v))) => write!(f, "anyref({v})"),
            Val::AnyRef(Some(AnyRef::Other)) => f.write_str("anyref"),
            Val::FuncRef(Some(_)) => f.write_str("funcref"),
            Val::ExternRef(Some(v)) => write!(f, "externref({v})"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize)]
pub struct FuncType {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

impl FuncType {
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        FuncType {
            params: params.into_iter().collect(),
            results: results.into_iter().collect(),
        }
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[ValType]| {
            v.iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(f, "({}) -> ({})", list(&self.params), list(&self.results))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GlobalType {
    pub content: ValType,
    pub mutable: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MemoryType {
    /// In 64 KiB pages.
    pub minimum: u64,
    pub maximum: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TableType {
    pub element: ValType,
    pub minimum: u64,
    pub maximum: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExportType {
    pub name: String,
    pub kind: ExportKind,
    /// Present for function exports.
    pub func: Option<FuncType>,
}
