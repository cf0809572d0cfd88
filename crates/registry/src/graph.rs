//! A resolved set of releases as a graph, in the order a linker instantiates them:
//! dependencies before the modules that import from them. Wasm instances cannot import from
//! each other in a circle, so a cycle is an error here even though the solver accepts it.

use crate::error::{Error, Repr, Result};
use crate::name::PackageName;
use crate::release::Release;
use crate::resolve::Selection;
use serde::Serialize;

/// One release and where its imports come from.
#[derive(Clone, Debug, Serialize)]
pub struct ResolvedPackage {
    pub release: Release,
    /// Import module name -> the package whose instance provides it. The import module name
    /// is the dependency's package name, as the manifest's `[dependencies]` promises.
    pub imports: Vec<(String, PackageName)>,
}

/// A dependency's module, ready for a linker: instantiate these in order, each registered
/// under `import_name` for the modules after it.
#[derive(Clone, Debug)]
pub struct DependencyModule {
    pub import_name: String,
    pub release: Release,
    /// The module's wasm bytes, checked against the release's digest.
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Resolution {
    /// Dependencies first; each package appears after everything it imports from.
    pub packages: Vec<ResolvedPackage>,
}

impl Resolution {
    /// Orders `selection` from `roots` down; a package nothing reaches is left out.
    pub fn new(roots: &[PackageName], selection: &Selection) -> Result<Resolution> {
        let mut order = Vec::new();
        let mut state = std::collections::BTreeMap::new();
        let mut path = Vec::new();
        for root in roots {
            visit(root, selection, &mut state, &mut path, &mut order)?;
        }
        let packages = order
            .into_iter()
            .map(|name| {
                let release = selection[&name].clone();
                let imports = release
                    .dependencies
                    .keys()
                    .map(|dep| (dep.to_string(), dep.clone()))
                    .collect();
                ResolvedPackage { release, imports }
            })
            .collect();
        Ok(Resolution { packages })
    }

    /// The package asked for: the last one, after all it needs.
    pub fn root(&self) -> Option<&ResolvedPackage> {
        self.packages.last()
    }

    pub fn get(&self, name: &PackageName) -> Option<&ResolvedPackage> {
        self.packages.iter().find(|p| &p.release.name == name)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    InProgress,
    Done,
}

/// Depth-first: a package is placed after its dependencies; meeting one still in progress
/// is a cycle, reported along the path that closes it.
fn visit(
    name: &PackageName,
    selection: &Selection,
    state: &mut std::collections::BTreeMap<PackageName, Mark>,
    path: &mut Vec<String>,
    order: &mut Vec<PackageName>,
) -> Result<()> {
    let Some(release) = selection.get(name) else {
        return Err(Error::not_found(format!("{name} was not resolved")));
    };
    match state.get(name) {
        Some(Mark::Done) => return Ok(()),
        Some(Mark::InProgress) => {
            let id = release.id();
            let start = path.iter().position(|p| *p == id).unwrap_or(0);
            let mut cycle = path[start..].to_vec();
            cycle.push(id);
            return Err(Repr::Cycle(cycle).into());
        }
        None => {}
    }
    state.insert(name.clone(), Mark::InProgress);
    path.push(release.id());
    for dep in release.dependencies.keys() {
        visit(dep, selection, state, path, order)?;
    }
    path.pop();
    state.insert(name.clone(), Mark::Done);
    order.push(name.clone());
    Ok(())
}
