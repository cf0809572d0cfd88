//! Reading a policy: TOML syntax and unknown keys (serde), then what serde cannot see (host
//! directories that do not exist, guest paths, addresses), each reported at its line.

use super::{Policy, PolicyError};
use std::ops::Range;
use std::path::Path;

fn line_of(text: &str, span: Option<Range<usize>>) -> usize {
    span.map_or(0, |s| {
        text[..s.start.min(text.len())].matches('\n').count() + 1
    })
}

impl Policy {
    /// Reads a policy file; relative host paths are relative to the file's directory.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Policy, PolicyError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            file: file.clone(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Policy::parse(&text, &file, base)
    }

    /// Parses policy text named `file` (for messages); relative host paths are resolved
    /// against `base`.
    pub fn parse(text: &str, file: &str, base: &Path) -> Result<Policy, PolicyError> {
        let invalid = |span: Option<Range<usize>>, message: String| PolicyError::Invalid {
            file: file.to_string(),
            line: line_of(text, span),
            message,
        };
        let mut policy: Policy =
            toml::from_str(text).map_err(|e| invalid(e.span(), e.message().to_string()))?;
        for (guest, mount) in &mut policy.fs {
            let span = mount.host.span();
            if !(guest.starts_with('/') || guest == ".") {
                return Err(invalid(
                    Some(span),
                    format!("guest path {guest:?} must be absolute or \".\""),
                ));
            }
            let host = base.join(mount.host.get_ref());
            if !host.is_dir() {
                return Err(invalid(
                    Some(span),
                    format!(
                        "host directory {} for {guest} does not exist",
                        host.display()
                    ),
                ));
            }
            *mount.host.get_mut() = host;
        }
        for addr in &policy.net.listen {
            if addr.get_ref().parse::<std::net::SocketAddr>().is_err() {
                return Err(invalid(
                    Some(addr.span()),
                    format!("{:?} is not an address (expected ip:port)", addr.get_ref()),
                ));
            }
        }
        Ok(policy)
    }
}
