//! Where wasmux keeps files by default, by one rule for the compile cache and the registry.

use std::path::PathBuf;

/// `$own` if set, else `$xdg/wasmux`, else `$HOME/<home_default...>/wasmux`; `None` without
/// any of them. XDG asks that a relative `$xdg` be ignored.
pub fn user_dir(own: &str, xdg: &str, home_default: &[&str]) -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var(own) {
        return Some(dir);
    }
    if let Some(dir) = var(xdg).filter(|d| d.is_absolute()) {
        return Some(dir.join("wasmux"));
    }
    var("HOME").map(|home| {
        home_default
            .iter()
            .fold(home, |p, d| p.join(d))
            .join("wasmux")
    })
}
