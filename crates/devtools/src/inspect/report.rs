//! What `inspect` tells about a module: plain data, serialised as the `--json` document.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Everything `inspect` found in one module.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Bytes of the binary module (text is encoded first).
    pub size: usize,
    /// Every section in file order.
    pub sections: Vec<Section>,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    /// Memories, tables, globals and tags the module defines (imported ones are in `imports`).
    pub memories: Vec<Memory>,
    pub tables: Vec<Table>,
    pub globals: Vec<Global>,
    pub tags: Vec<Tag>,
    /// The start function's index, if any.
    pub start: Option<u32>,
    pub data: Data,
    pub custom: Custom,
    /// The proposals beyond WebAssembly 1.0 that the module uses, by name, sorted.
    pub features: Vec<Feature>,
    pub functions: Functions,
    /// Custom sections that did not decode; the module itself is fine.
    pub warnings: Vec<String>,
}

/// One section: `offset` and `size` are those of its contents, after the id and size bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub id: u8,
    /// `type`, `import`, ..., `custom`.
    pub name: &'static str,
    /// A custom section's own name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_name: Option<String>,
    pub offset: usize,
    pub size: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Import {
    pub module: String,
    pub name: String,
    /// `func`, `table`, `memory`, `global` or `tag`.
    pub kind: &'static str,
    /// The index this import takes in its kind's index space (functions, memories, ...).
    pub index: u32,
    #[serde(rename = "type")]
    pub ty: EntityType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Export {
    pub name: String,
    pub kind: &'static str,
    /// The exported item's index in its kind's index space.
    pub index: u32,
    /// `None` when the index points past the module's items (an invalid module).
    #[serde(rename = "type")]
    pub ty: Option<EntityType>,
}

/// The type of an imported or exported item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum EntityType {
    Func(FuncRef),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    Tag(FuncRef),
}

impl EntityType {
    pub fn kind(&self) -> &'static str {
        match self {
            EntityType::Func(_) => "func",
            EntityType::Table(_) => "table",
            EntityType::Memory(_) => "memory",
            EntityType::Global(_) => "global",
            EntityType::Tag(_) => "tag",
        }
    }
}

/// A function's (or tag's) type: its index, and its signature when that index names a
/// function type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FuncRef {
    pub type_index: u32,
    pub signature: Option<Signature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    pub params: Vec<String>,
    pub results: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemoryType {
    /// In pages.
    pub initial: u64,
    pub maximum: Option<u64>,
    pub shared: bool,
    pub memory64: bool,
    /// Bytes per page: 65536 unless the custom-page-sizes proposal says otherwise.
    pub page_size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableType {
    pub element_type: String,
    pub initial: u64,
    pub maximum: Option<u64>,
    pub table64: bool,
    pub shared: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GlobalType {
    pub value_type: String,
    pub mutable: bool,
    pub shared: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Memory {
    pub index: u32,
    #[serde(flatten)]
    pub ty: MemoryType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub index: u32,
    #[serde(flatten)]
    pub ty: TableType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Global {
    pub index: u32,
    #[serde(flatten)]
    pub ty: GlobalType,
    /// The initial value when it is one instruction (`i32.const 1048576`, `global.get 0`);
    /// `None` for a longer expression.
    pub init: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub index: u32,
    #[serde(flatten)]
    pub ty: FuncRef,
}

/// Data segments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Data {
    pub segments: u32,
    pub passive: u32,
    pub bytes: u64,
}

/// What the known custom sections say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Custom {
    /// The `producers` section: field (`language`, `processed-by`, `sdk`) to its tools.
    pub producers: Option<BTreeMap<String, Vec<Producer>>>,
    /// The `name` section.
    pub names: Option<Names>,
    /// DWARF sections (`.debug_info`, `.debug_line`, ...), in file order.
    pub dwarf: Vec<String>,
    /// LLVM's `target_features` section: what the compiler was allowed to use (`+simd128`),
    /// which says nothing of what the module uses (see `Report::features`).
    pub target_features: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Producer {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Names {
    pub module: Option<String>,
    /// How many functions have a name.
    pub functions: u32,
    /// How many locals have a name, over all functions.
    pub locals: u32,
}

/// A proposal the module uses, and where it is first seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feature {
    /// The proposal's name as the WebAssembly proposals repository spells it: `simd`,
    /// `bulk-memory`, `reference-types`, ...
    pub name: &'static str,
    /// The byte offset of its first use.
    pub offset: usize,
    /// What uses it there, e.g. `instruction I32x4Add in function 3`.
    pub what: String,
}

/// The functions, and the largest bodies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Functions {
    pub imported: u32,
    pub defined: u32,
    /// Bytes of the code section's contents.
    pub code_size: usize,
    /// Defined functions, largest body first (ties by index). `inspect` lists all of them;
    /// callers keep as many as they show.
    pub largest: Vec<FunctionSize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionSize {
    /// In the function index space (imports first).
    pub index: u32,
    /// From the name section, else the first export's name.
    pub name: Option<String>,
    /// A Rust symbol `name` demangled, without its hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demangled: Option<String>,
    /// Where the body starts (its locals), as in wasmprinter's offsets.
    pub offset: usize,
    /// Bytes of the body (locals and instructions).
    pub size: usize,
    /// Percent of the code section, to two decimals.
    pub share: f64,
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({})", self.params.join(", "))?;
        match self.results.as_slice() {
            [] => Ok(()),
            [one] => write!(f, " -> {one}"),
            many => write!(f, " -> ({})", many.join(", ")),
        }
    }
}

impl fmt::Display for FuncRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.signature {
            Some(sig) => write!(f, "{sig}"),
            None => write!(f, "(type {}, not a function type)", self.type_index),
        }
    }
}

/// `min..max` or `min..` limits.
fn limits(f: &mut fmt::Formatter<'_>, initial: u64, maximum: Option<u64>) -> fmt::Result {
    match maximum {
        Some(max) => write!(f, "{initial}..{max}"),
        None => write!(f, "{initial}.."),
    }
}

impl fmt::Display for MemoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        limits(f, self.initial, self.maximum)?;
        if self.page_size == 65536 {
            write!(f, " pages")?;
        } else {
            write!(f, " pages of {} bytes", self.page_size)?;
        }
        if self.memory64 {
            write!(f, ", 64-bit")?;
        }
        if self.shared {
            write!(f, ", shared")?;
        }
        Ok(())
    }
}

impl fmt::Display for TableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.element_type)?;
        limits(f, self.initial, self.maximum)?;
        if self.table64 {
            write!(f, ", 64-bit")?;
        }
        if self.shared {
            write!(f, ", shared")?;
        }
        Ok(())
    }
}

impl fmt::Display for GlobalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mutable {
            write!(f, "mut ")?;
        }
        if self.shared {
            write!(f, "shared ")?;
        }
        write!(f, "{}", self.value_type)
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntityType::Func(t) | EntityType::Tag(t) => write!(f, "{t}"),
            EntityType::Table(t) => write!(f, "{t}"),
            EntityType::Memory(t) => write!(f, "{t}"),
            EntityType::Global(t) => write!(f, "{t}"),
        }
    }
}
