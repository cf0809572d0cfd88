//! The registry library end to end: real files in temporary directories, real SQLite, real
//! modules compiled from text. One test binary, a module per area.

mod maintenance;
mod publish;
mod resolve;
mod signing;

use std::path::{Path, PathBuf};
use wasmux_registry::{PackageRef, PublishPolicy, Registry};

/// A module exporting `add`, with `marker` as a constant export so versions differ in bytes.
pub fn adder(marker: i32) -> String {
    format!(
        r#"(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "marker") (result i32) i32.const {marker}))"#
    )
}

/// A registry in a fresh temporary home; the directory lives as long as the value.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub reg: Registry,
}

impl Fixture {
    pub fn fresh() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let reg = Registry::open(dir.path().join("home")).unwrap();
        Fixture { dir, reg }
    }

    /// Writes a package directory (manifest + `module.wat`) and returns it.
    pub fn package(&self, name: &str, version: &str, deps: &[(&str, &str)], wat: &str) -> PathBuf {
        let dir = self
            .dir
            .path()
            .join("src")
            .join(format!("{}-{version}", name.replace('/', "-")));
        write_package(&dir, name, version, deps, wat);
        dir
    }

    /// Publishes a package with no policy and no signature.
    pub fn publish(&mut self, name: &str, version: &str, deps: &[(&str, &str)]) {
        let marker = version.bytes().map(i32::from).sum::<i32>() + name.len() as i32;
        let dir = self.package(name, version, deps, &adder(marker));
        self.reg
            .publish(&dir, &PublishPolicy::default(), None)
            .unwrap_or_else(|e| panic!("publish {name}@{version}: {e}"));
    }

    pub fn resolved_versions(&self, reference: &str) -> Vec<String> {
        let resolution = self
            .reg
            .resolve(&PackageRef::parse(reference).unwrap(), false)
            .unwrap();
        resolution.packages.iter().map(|p| p.release.id()).collect()
    }
}

pub fn write_package(dir: &Path, name: &str, version: &str, deps: &[(&str, &str)], wat: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let deps: String = deps
        .iter()
        .map(|(n, r)| format!("\"{n}\" = \"{r}\"\n"))
        .collect();
    std::fs::write(
        dir.join("wasmux.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"{version}\"\ndescription = \"test\"\n\
             license = \"MIT\"\nmodule = \"module.wat\"\nentry = \"add\"\n[dependencies]\n{deps}"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("module.wat"), wat).unwrap();
}
