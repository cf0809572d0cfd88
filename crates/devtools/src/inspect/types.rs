//! wasmparser's types as the report's plain ones, spelled as in the text format.

use super::report::{FuncRef, GlobalType, MemoryType, Signature, TableType};
use wasmparser::{CompositeInnerType, HeapType, RefType, SubType, ValType};

/// `i32`, `funcref`, `(ref null 3)`: wasmparser prints a concrete type index as
/// `(module 3)`, which is not the text format.
pub fn val_type(ty: ValType) -> String {
    match ty {
        ValType::Ref(r) => ref_type(r),
        other => other.to_string(),
    }
}

pub fn ref_type(r: RefType) -> String {
    let null = if r.is_nullable() { "null " } else { "" };
    match r.heap_type() {
        HeapType::Concrete(i) => format!("(ref {null}{})", index(i)),
        HeapType::Exact(i) => format!("(ref {null}(exact {}))", index(i)),
        HeapType::Abstract { .. } => r.to_string(),
    }
}

fn index(i: wasmparser::UnpackedIndex) -> String {
    match i.as_module_index() {
        Some(i) => i.to_string(),
        None => i.to_string(),
    }
}

/// The signature of type `index`, when it is a function type.
pub fn func_ref(types: &[SubType], index: u32) -> FuncRef {
    let signature = types
        .get(index as usize)
        .and_then(|t| match &t.composite_type.inner {
            CompositeInnerType::Func(f) => Some(Signature {
                params: f.params().iter().map(|&t| val_type(t)).collect(),
                results: f.results().iter().map(|&t| val_type(t)).collect(),
            }),
            _ => None,
        });
    FuncRef {
        type_index: index,
        signature,
    }
}

pub fn memory(m: &wasmparser::MemoryType) -> MemoryType {
    MemoryType {
        initial: m.initial,
        maximum: m.maximum,
        shared: m.shared,
        memory64: m.memory64,
        page_size: 1u64 << m.page_size_log2(),
    }
}

pub fn table(t: &wasmparser::TableType) -> TableType {
    TableType {
        element_type: ref_type(t.element_type),
        initial: t.initial,
        maximum: t.maximum,
        table64: t.table64,
        shared: t.shared,
    }
}

pub fn global(g: &wasmparser::GlobalType) -> GlobalType {
    GlobalType {
        value_type: val_type(g.content_type),
        mutable: g.mutable,
        shared: g.shared,
    }
}

/// A constant expression of one instruction, in the text format; `None` for longer ones.
pub fn simple_init(expr: &wasmparser::ConstExpr<'_>) -> Option<String> {
    use wasmparser::Operator as O;
    let mut ops = expr.get_operators_reader();
    let first = ops.read().ok()?;
    if !matches!(ops.read().ok()?, O::End) || !ops.eof() {
        return None;
    }
    Some(match first {
        O::I32Const { value } => format!("i32.const {value}"),
        O::I64Const { value } => format!("i64.const {value}"),
        O::F32Const { value } => format!("f32.const {}", float(f32::from_bits(value.bits()))),
        O::F64Const { value } => format!("f64.const {}", float(f64::from_bits(value.bits()))),
        O::V128Const { value } => {
            let bytes: Vec<String> = value.bytes().iter().map(u8::to_string).collect();
            format!("v128.const i8x16 {}", bytes.join(" "))
        }
        O::GlobalGet { global_index } => format!("global.get {global_index}"),
        O::RefFunc { function_index } => format!("ref.func {function_index}"),
        O::RefNull { hty } => format!("ref.null {}", heap_type(hty)),
        _ => return None,
    })
}

fn heap_type(h: HeapType) -> String {
    match h {
        HeapType::Concrete(i) | HeapType::Exact(i) => index(i),
        // The variants' names are the text format's keywords (`func`, `noextern`, `i31`).
        HeapType::Abstract { ty, .. } => format!("{ty:?}").to_lowercase(),
    }
}

/// Rust spells `NaN`; the text format `nan`.
fn float(x: impl std::fmt::Display) -> String {
    match x.to_string() {
        s if s == "NaN" => "nan".into(),
        s => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_types_are_spelled_as_in_the_text_format() {
        assert_eq!(val_type(ValType::FUNCREF), "funcref");
        assert_eq!(val_type(ValType::EXTERNREF), "externref");
        let concrete = RefType::concrete(
            false,
            wasmparser::PackedIndex::from_module_index(3).unwrap(),
        );
        assert_eq!(ref_type(concrete), "(ref 3)");
        assert_eq!(ref_type(concrete.as_non_null().nullable()), "(ref null 3)");
    }
}
