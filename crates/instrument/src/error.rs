/// Why a module could not be rewritten. Offsets are bytes from the start of the input.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum InstrumentError {
    /// The input is not a valid WebAssembly module.
    #[error("invalid module at byte offset {offset:#x}: {message}")]
    Parse { offset: usize, message: String },
    /// A defined memory starts larger than the cap. Sizes are in the memory's own pages
    /// (64 KiB unless it declares a custom page size).
    #[error(
        "memory {memory} starts with {initial_pages} pages, more than the limit of {max_pages} pages"
    )]
    MemoryTooLarge {
        memory: u32,
        initial_pages: u64,
        max_pages: u64,
    },
    /// The module uses something the requested rewriting cannot handle.
    #[error("at byte offset {offset:#x}: {what} is not supported")]
    Unsupported { offset: usize, what: String },
    /// The module already exports a name that instrumentation needs to add.
    #[error("the module already exports `{name}`, a name reserved for instrumentation")]
    NameClash { name: String },
    /// The module imports from a module name reserved for what instrumentation adds.
    #[error("the module imports `{name}`, which only wasmux's own rewriting may import")]
    ReservedImport { name: String },
    /// Writing the rewritten module failed; this indicates a bug in this crate.
    #[error("re-encoding failed: {0}")]
    Encode(String),
}

impl InstrumentError {
    pub(crate) fn from_parser(err: wasmparser::BinaryReaderError) -> Self {
        InstrumentError::Parse {
            offset: err.offset(),
            message: err.message().to_string(),
        }
    }

    pub(crate) fn unsupported(offset: usize, what: impl Into<String>) -> Self {
        InstrumentError::Unsupported {
            offset,
            what: what.into(),
        }
    }

    /// Refuses `import` when it comes from `reserved`, the module name a pass adds its own
    /// imports under: a guest calling those itself would feed the host what it likes.
    pub(crate) fn refuse_import_from(
        reserved: &str,
        import: &wasmparser::Import<'_>,
    ) -> Result<(), Self> {
        if import.module == reserved {
            return Err(InstrumentError::ReservedImport {
                name: format!("{}::{}", import.module, import.name),
            });
        }
        Ok(())
    }
}
