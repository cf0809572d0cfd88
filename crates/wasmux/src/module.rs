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
        let name = name.into();
        let bytes = if data.starts_with(b"\0asm") {
            data.to_vec()
        } else {
            wat::parse_bytes(data)
                .map_err(|e| {
                    let mut e = e;
                    e.set_path(&name);
                    Error::InvalidText {
                        file: name.clone(),
                        message: e.to_string(),
                    }
                })?
                .into_owned()
        };
        validate(&name, &bytes)?;
        Ok(Module {
            name,
            bytes: bytes.into(),
        })
    }

    /// The name errors give the module: its path, for a file.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The binary module (text is encoded when loaded).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// What wasmux accepts: WebAssembly 3.0, that is every finished proposal. Proposals still in
/// progress stay off, so a module using them is refused here rather than by some engines only.
pub const FEATURES: wasmparser::WasmFeatures = wasmparser::WasmFeatures::WASM3;

/// Validates against [`FEATURES`]; engines that lack one of them get the module lowered or
/// refuse it with a clear `Unsupported` error.
pub fn validate(name: &str, bytes: &[u8]) -> Result<(), Error> {
    let mut validator = wasmparser::Validator::new_with_features(FEATURES);
    validator
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| Error::InvalidModule {
            file: name.to_string(),
            offset: e.offset(),
            message: e.message().to_string(),
        })
}
