//! Which proposals beyond WebAssembly 1.0 a module uses: found from its types, declarations and
//! instructions, not from what a validator would allow.

use super::report::Feature;
use std::collections::BTreeMap;
use wasmparser::{
    AbstractHeapType, BlockType, CompositeInnerType, HeapType, Operator, RefType, StorageType,
    SubType, ValType,
};

/// The first use of each proposal, by name.
#[derive(Default)]
pub struct Features {
    first: BTreeMap<&'static str, (usize, String)>,
}

/// Where an instruction is: in a function's body, or in a constant expression.
#[derive(Clone, Copy)]
pub enum Place {
    Function(u32),
    Const,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Function(i) => write!(f, "in function {i}"),
            Place::Const => write!(f, "in a constant expression"),
        }
    }
}

impl Features {
    /// Records `name` as used at `offset`, keeping the first use only; `what` says by what.
    pub fn note(&mut self, name: &'static str, offset: usize, what: impl FnOnce() -> String) {
        self.first.entry(name).or_insert_with(|| (offset, what()));
    }

    pub fn into_list(self) -> Vec<Feature> {
        self.first
            .into_iter()
            .map(|(name, (offset, what))| Feature { name, offset, what })
            .collect()
    }

    /// A value type in a value position (a parameter, result, local, global, field).
    pub fn val_type(&mut self, ty: ValType, offset: usize, place: &dyn Fn() -> String) {
        match ty {
            ValType::V128 => self.note("simd", offset, || format!("v128 {}", place())),
            ValType::Ref(r) => {
                // Before reference-types, no reference could be a value.
                self.note("reference-types", offset, || {
                    format!("{} {}", super::types::ref_type(r), place())
                });
                self.ref_type(r, offset, place);
            }
            _ => {}
        }
    }

    /// What a reference type needs beyond reference-types itself.
    pub fn ref_type(&mut self, r: RefType, offset: usize, place: &dyn Fn() -> String) {
        let what = || format!("{} {}", super::types::ref_type(r), place());
        match r.heap_type() {
            HeapType::Concrete(_) => self.note("function-references", offset, what),
            HeapType::Exact(_) => self.note("custom-descriptors", offset, what),
            HeapType::Abstract { shared, ty } => {
                if shared {
                    self.note("shared-everything-threads", offset, what);
                }
                use AbstractHeapType as A;
                match ty {
                    A::Func | A::Extern if !r.is_nullable() => {
                        self.note("function-references", offset, what)
                    }
                    A::Func | A::Extern => {}
                    A::Exn | A::NoExn => self.note("exceptions", offset, what),
                    A::Cont | A::NoCont => self.note("stack-switching", offset, what),
                    _ => self.note("gc", offset, what),
                }
            }
        }
    }

    /// A table's element type: `funcref` is WebAssembly 1.0, any other is not.
    pub fn element_type(&mut self, r: RefType, offset: usize, place: &dyn Fn() -> String) {
        if r != RefType::FUNCREF {
            self.val_type(ValType::Ref(r), offset, place);
        }
    }

    /// One type of the type section, at index `index`.
    pub fn sub_type(&mut self, ty: &SubType, explicit_rec: bool, index: u32, offset: usize) {
        let place = || format!("in type {index}");
        if explicit_rec {
            self.note("gc", offset, || format!("recursion group {}", place()));
        }
        if !ty.is_final || ty.supertype_idx.is_some() {
            self.note("gc", offset, || format!("subtyping {}", place()));
        }
        let composite = &ty.composite_type;
        if composite.shared {
            self.note("shared-everything-threads", offset, || {
                format!("shared type {index}")
            });
        }
        if composite.descriptor_idx.is_some() || composite.describes_idx.is_some() {
            self.note("custom-descriptors", offset, || {
                format!("descriptor {}", place())
            });
        }
        match &composite.inner {
            CompositeInnerType::Func(f) => {
                for &t in f.params().iter().chain(f.results()) {
                    self.val_type(t, offset, &place);
                }
                if f.results().len() > 1 {
                    self.note("multi-value", offset, || {
                        format!("{} results {}", f.results().len(), place())
                    });
                }
            }
            CompositeInnerType::Array(a) => {
                self.note("gc", offset, || format!("array type {index}"));
                self.storage_type(a.0.element_type, offset, &place);
            }
            CompositeInnerType::Struct(s) => {
                self.note("gc", offset, || format!("struct type {index}"));
                for field in s.fields.iter() {
                    self.storage_type(field.element_type, offset, &place);
                }
            }
            CompositeInnerType::Cont(_) => self.note("stack-switching", offset, || {
                format!("continuation type {index}")
            }),
        }
    }

    fn storage_type(&mut self, ty: StorageType, offset: usize, place: &dyn Fn() -> String) {
        if let StorageType::Val(v) = ty {
            self.val_type(v, offset, place);
        }
    }

    pub fn memory(&mut self, m: &wasmparser::MemoryType, index: u32, offset: usize) {
        if m.shared {
            self.note("threads", offset, || format!("shared memory {index}"));
        }
        if m.memory64 {
            self.note("memory64", offset, || format!("64-bit memory {index}"));
        }
        if m.page_size_log2.is_some() {
            self.note("custom-page-sizes", offset, || {
                format!("memory {index} with pages of {} bytes", m.page_size())
            });
        }
        if index > 0 {
            self.note("multi-memory", offset, || format!("memory {index}"));
        }
    }

    pub fn table(&mut self, t: &wasmparser::TableType, index: u32, offset: usize) {
        self.element_type(t.element_type, offset, &|| format!("table {index}"));
        if t.table64 {
            self.note("memory64", offset, || format!("64-bit table {index}"));
        }
        if t.shared {
            self.note("shared-everything-threads", offset, || {
                format!("shared table {index}")
            });
        }
        if index > 0 {
            self.note("reference-types", offset, || format!("table {index}"));
        }
    }

    pub fn global(&mut self, g: &wasmparser::GlobalType, index: u32, offset: usize) {
        self.val_type(g.content_type, offset, &|| format!("global {index}"));
        if g.shared {
            self.note("shared-everything-threads", offset, || {
                format!("shared global {index}")
            });
        }
    }

    /// A constant expression (a global's value, a segment's offset, an element).
    pub fn const_expr(&mut self, expr: &wasmparser::ConstExpr<'_>) -> wasmparser::Result<()> {
        let mut ops = expr.get_operators_reader();
        while !ops.eof() {
            let (op, offset) = ops.read_with_offset()?;
            if matches!(
                op,
                Operator::I32Add
                    | Operator::I32Sub
                    | Operator::I32Mul
                    | Operator::I64Add
                    | Operator::I64Sub
                    | Operator::I64Mul
            ) {
                self.note("extended-const", offset, || {
                    format!("{} in a constant expression", name(&op))
                });
            }
            self.operator(&op, offset, Place::Const);
        }
        Ok(())
    }

    /// One instruction: its proposal, and the operands that reach beyond it (a second memory,
    /// a block with a function type).
    pub fn operator(&mut self, op: &Operator<'_>, offset: usize, place: Place) {
        if let Some(feature) = proposal(op) {
            self.note(feature, offset, || format!("{} {place}", name(op)));
        }
        self.operands(op, offset, place);
    }

    fn memory_index(&mut self, mem: u32, op: &Operator<'_>, offset: usize, place: Place) {
        if mem != 0 {
            self.note("multi-memory", offset, || {
                format!("{} on memory {mem} {place}", name(op))
            });
        }
    }

    fn block_type(&mut self, ty: BlockType, op: &Operator<'_>, offset: usize, place: Place) {
        match ty {
            BlockType::Empty => {}
            BlockType::Type(t) => self.val_type(t, offset, &|| format!("block {place}")),
            BlockType::FuncType(i) => self.note("multi-value", offset, || {
                format!("{} of type {i} {place}", name(op))
            }),
        }
    }
}

/// The name of an instruction: wasmparser's name of its variant, such as `I32x4Add`.
fn name(op: &Operator<'_>) -> &'static str {
    macro_rules! names {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
            match op {
                $( Operator::$op { .. } => stringify!($op), )*
                _ => "an instruction",
            }
        };
    }
    wasmparser::for_each_operator!(names)
}

/// The proposal that brought an instruction, named as in `Feature::name`; `None` for 1.0.
fn proposal(op: &Operator<'_>) -> Option<&'static str> {
    macro_rules! proposals {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
            match op {
                $( Operator::$op { .. } => proposals!(@ $proposal), )*
                _ => None,
            }
        };
        (@ mvp) => { None };
        (@ $proposal:ident) => { Some(feature_name(stringify!($proposal))) };
    }
    wasmparser::for_each_operator!(proposals)
}

/// wasmparser's proposal tags (`bulk_memory`) as the proposals' own names (`bulk-memory`).
fn feature_name(tag: &'static str) -> &'static str {
    match tag {
        "sign_extension" => "sign-extension",
        "saturating_float_to_int" => "saturating-float-to-int",
        "bulk_memory" => "bulk-memory",
        "reference_types" => "reference-types",
        "tail_call" => "tail-call",
        "memory_control" => "memory-control",
        "relaxed_simd" => "relaxed-simd",
        "legacy_exceptions" => "legacy-exceptions",
        "shared_everything_threads" => "shared-everything-threads",
        "function_references" => "function-references",
        "stack_switching" => "stack-switching",
        "wide_arithmetic" => "wide-arithmetic",
        "custom_descriptors" => "custom-descriptors",
        // `simd`, `threads`, `gc`, `exceptions`: one word either way.
        other => other,
    }
}

impl Features {
    /// The operands of `op` that need a proposal of their own.
    fn operands(&mut self, op: &Operator<'_>, offset: usize, place: Place) {
        macro_rules! operands {
            ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
                match op {
                    $( Operator::$op $({ $($arg),* })? => { $($( operands!(arg $arg $arg); )*)? } )*
                    _ => {}
                }
            };
            // The binding comes in twice: matched by its name, used by the caller's token.
            (arg memarg $v:ident) => { self.memory_index($v.memory, op, offset, place) };
            (arg mem $v:ident) => { self.memory_index(*$v, op, offset, place) };
            (arg dst_mem $v:ident) => { self.memory_index(*$v, op, offset, place) };
            (arg src_mem $v:ident) => { self.memory_index(*$v, op, offset, place) };
            (arg blockty $v:ident) => { self.block_type(*$v, op, offset, place) };
            // `call_indirect` through a table other than 0.
            (arg table_index $v:ident) => {
                if *$v != 0 {
                    let table = *$v;
                    self.note("reference-types", offset, || format!("{} on table {table} {place}", name(op)));
                }
            };
            (arg ty $v:ident) => { self.val_type(*$v, offset, &|| format!("in {} {place}", name(op))) };
            (arg hty $v:ident) => {
                if let Some(r) = RefType::new(true, *$v) {
                    self.ref_type(r, offset, &|| format!("in {} {place}", name(op)));
                }
            };
            (arg $other:ident $v:ident) => { let _ = $v; };
        }
        wasmparser::for_each_operator!(operands)
    }
}
