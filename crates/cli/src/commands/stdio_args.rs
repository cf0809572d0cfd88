//! `--stdin/--stdout/--stderr inherit|null|FILE`.

use anyhow::{Context, Result};
use std::convert::Infallible;
use std::path::PathBuf;
use std::str::FromStr;
use wasmux::wasi::Stdio;

#[derive(Clone, Debug)]
pub enum StdioArg {
    Inherit,
    Null,
    File(PathBuf),
}

impl FromStr for StdioArg {
    type Err = Infallible;

    /// Anything but the two keywords is a file name (`./null` names a file called null).
    fn from_str(s: &str) -> Result<Self, Infallible> {
        Ok(match s {
            "inherit" => StdioArg::Inherit,
            "null" => StdioArg::Null,
            path => StdioArg::File(path.into()),
        })
    }
}

impl StdioArg {
    /// Opens the stream: an input file is read, an output file created or truncated.
    pub fn open(&self, input: bool) -> Result<Stdio> {
        Ok(match self {
            StdioArg::Inherit => Stdio::Inherit,
            StdioArg::Null => Stdio::Null,
            StdioArg::File(path) => {
                let file = if input {
                    std::fs::File::open(path)
                } else {
                    std::fs::File::create(path)
                };
                Stdio::File(file.with_context(|| format!("cannot open {}", path.display()))?)
            }
        })
    }
}
