//! Loading and validating modules before any engine sees them.

use std::path::Path;
use std::sync::Arc;
use wasmux_core::Error;

/// A validated module: its bytes and where they came from. Only the constructors make one,
/// so a `Module` is always valid. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Module {
    name: String,
    bytes: Arc<[u8]>,
    /// False only inside the facade, for a module whose function bodies are left to an engine
    /// that validates them (`EngineCaps::validates`); see [`Runtime::prepare_bytes`].
    ///
    /// [`Runtime::prepare_bytes`]: crate::Runtime::prepare_bytes
    bodies_checked: bool,
}

impl Module {
    /// Reads a `.wasm` or `.wat` file and validates it.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Module, Error> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|e| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ))
        })?;
        Module::from_bytes(path.display().to_string(), &data)
    }

    /// Accepts binary or text; text is recognised by not starting with the wasm magic number.
    pub fn from_bytes(name: impl Into<String>, data: &[u8]) -> Result<Module, Error> {
        Module::checked(name.into(), data, Bodies::Check)
    }

    /// A module whose sections are checked but whose function bodies are not yet: most of the
    /// work of validating a large module, done once more by an engine that validates anyway.
    pub(crate) fn bodies_unchecked(name: &str, data: &[u8]) -> Result<Module, Error> {
        Module::checked(name.to_string(), data, Bodies::Skip)
    }

    fn checked(name: String, data: &[u8], bodies: Bodies) -> Result<Module, Error> {
        // Straight into the `Arc`: one copy of a large module, not two.
        let bytes: Arc<[u8]> = if data.starts_with(b"\0asm") {
            Arc::from(data)
        } else {
            let binary = wat::parse_bytes(data).map_err(|mut e| {
                e.set_path(&name);
                Error::InvalidText {
                    file: name.clone(),
                    message: e.to_string(),
                }
            })?;
            Arc::from(&*binary)
        };
        validate_with(&name, &bytes, bodies)?;
        Ok(Module {
            name,
            bytes,
            bodies_checked: bodies == Bodies::Check,
        })
    }

    pub(crate) fn bodies_checked(&self) -> bool {
        self.bodies_checked
    }

    /// The name errors give the module: its path, for a file.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The binary module (text is encoded when loaded).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The binary module, shared: what a prepared module keeps to name the frames of a trap.
    pub(crate) fn shared_bytes(&self) -> &Arc<[u8]> {
        &self.bytes
    }
}

/// What wasmux accepts: WebAssembly 3.0, that is every finished proposal. Proposals still in
/// progress stay off, so a module using them is refused here rather than by some engines only.
pub const FEATURES: wasmparser::WasmFeatures = wasmparser::WasmFeatures::WASM3;

/// Validates against [`FEATURES`]; engines that lack one of them get the module lowered or
/// refuse it with a clear `Unsupported` error.
pub fn validate(name: &str, bytes: &[u8]) -> Result<(), Error> {
    validate_with(name, bytes, Bodies::Check)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bodies {
    Check,
    Skip,
}

fn validate_with(name: &str, bytes: &[u8], bodies: Bodies) -> Result<(), Error> {
    let invalid = |e: wasmparser::BinaryReaderError| Error::InvalidModule {
        file: name.to_string(),
        offset: e.offset(),
        message: e.message().to_string(),
    };
    let mut validator = wasmparser::Validator::new_with_features(FEATURES);
    let mut allocations = wasmparser::FuncValidatorAllocations::default();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(invalid)?;
        if let wasmparser::ValidPayload::Func(func, body) =
            validator.payload(&payload).map_err(invalid)?
        {
            if bodies == Bodies::Check {
                let mut func = func.into_validator(std::mem::take(&mut allocations));
                func.validate(&body).map_err(invalid)?;
                allocations = func.into_allocations();
            }
        }
    }
    Ok(())
}
