//! Dependency resolution over the whole graph with pubgrub: newest non-yanked versions that
//! satisfy every requirement, or an explanation in words of which requirements clash.

use crate::error::{Error, Repr, Result};
use crate::name::PackageName;
use crate::ranges::Req;
use crate::release::Release;
use crate::source::ReleaseSource;
use pubgrub::{
    DefaultStringReporter, Dependencies, DependencyConstraints, DependencyProvider,
    PackageResolutionStatistics, PubGrubError, Reporter,
};
use semver::{Version, VersionReq};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::fmt;
use std::rc::Rc;

/// A package in the solver: the registry's, or the root that asks (a command line or a
/// manifest that need not be published).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Root(String),
    Package(PackageName),
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Root(label) => f.write_str(label),
            Node::Package(name) => write!(f, "{name}"),
        }
    }
}

/// The registry as pubgrub asks about it, each package read from the index once.
struct Provider<'a> {
    index: &'a dyn ReleaseSource,
    root: Vec<(PackageName, VersionReq)>,
    releases: RefCell<HashMap<PackageName, Rc<Vec<Release>>>>,
    error: RefCell<Option<Error>>,
}

impl Provider<'_> {
    /// The releases of `name`, oldest first; an index error is kept to report after the solver
    /// stops (pubgrub's error type cannot carry ours across its generic boundary cheaply).
    fn releases(&self, name: &PackageName) -> Rc<Vec<Release>> {
        if let Some(found) = self.releases.borrow().get(name) {
            return found.clone();
        }
        let found = Rc::new(self.index.releases(name).unwrap_or_else(|e| {
            self.error.borrow_mut().get_or_insert(e);
            Vec::new()
        }));
        self.releases
            .borrow_mut()
            .insert(name.clone(), found.clone());
        found
    }

    fn constraints(&self, deps: &[(PackageName, VersionReq)]) -> DependencyConstraints<Node, Req> {
        deps.iter()
            .map(|(name, req)| {
                let releases = self.releases(name);
                let set = Req::from_semver(req, releases.iter().map(|r| &r.version));
                (Node::Package(name.clone()), set)
            })
            .collect()
    }
}

/// The root's version: it has exactly one.
fn root_version() -> Version {
    Version::new(0, 0, 0)
}

impl DependencyProvider for Provider<'_> {
    type P = Node;
    type V = Version;
    type VS = Req;
    type M = String;
    type Err = Infallible;
    type Priority = (u32, Reverse<usize>);

    fn prioritize(
        &self,
        package: &Node,
        range: &Req,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let Node::Package(name) = package else {
            return (u32::MAX, Reverse(0));
        };
        // Packages in conflict first, then those with the fewest candidates: both find a
        // dead end sooner.
        let candidates = self
            .releases(name)
            .iter()
            .filter(|r| !r.yanked && pubgrub::VersionSet::contains(range, &r.version))
            .count();
        if candidates == 0 {
            return (u32::MAX, Reverse(0));
        }
        (stats.conflict_count(), Reverse(candidates))
    }

    fn choose_version(&self, package: &Node, range: &Req) -> Result<Option<Version>, Infallible> {
        Ok(match package {
            Node::Root(_) => Some(root_version()),
            // Yanked releases are never chosen anew; a lockfile that pins one bypasses this.
            Node::Package(name) => self
                .releases(name)
                .iter()
                .rev()
                .find(|r| !r.yanked && pubgrub::VersionSet::contains(range, &r.version))
                .map(|r| r.version.clone()),
        })
    }

    fn get_dependencies(
        &self,
        package: &Node,
        version: &Version,
    ) -> Result<Dependencies<Node, Req, String>, Infallible> {
        Ok(match package {
            Node::Root(_) => Dependencies::Available(self.constraints(&self.root)),
            Node::Package(name) => {
                let releases = self.releases(name);
                match releases.iter().find(|r| &r.version == version) {
                    Some(r) => {
                        let deps: Vec<_> = r
                            .dependencies
                            .iter()
                            .map(|(n, q)| (n.clone(), q.clone()))
                            .collect();
                        Dependencies::Available(self.constraints(&deps))
                    }
                    None => Dependencies::Unavailable("it is not in the registry".to_string()),
                }
            }
        })
    }
}

/// The versions chosen: package -> release.
pub type Selection = BTreeMap<PackageName, Release>;

/// Resolves `requirements` (what `root` asks for) to one release per package.
pub fn resolve(
    index: &dyn ReleaseSource,
    root: &str,
    requirements: &[(PackageName, VersionReq)],
) -> Result<Selection> {
    let provider = Provider {
        index,
        root: requirements.to_vec(),
        releases: RefCell::new(HashMap::new()),
        error: RefCell::new(None),
    };
    for (name, _) in requirements {
        if provider.releases(name).is_empty() {
            if let Some(e) = provider.error.take() {
                return Err(e);
            }
            return Err(Error::not_found(format!(
                "no package {name} in the registry"
            )));
        }
    }
    let solved = pubgrub::resolve(&provider, Node::Root(root.to_string()), root_version());
    if let Some(e) = provider.error.take() {
        return Err(e);
    }
    let solved = match solved {
        Ok(solved) => solved,
        // Not collapsed (`collapse_no_versions`): "there is no version of X in R" is the
        // reason a reader needs when a requirement matches nothing.
        Err(PubGrubError::NoSolution(tree)) => {
            // The root has one version, 0.0.0, which means nothing to a reader.
            let mut text =
                DefaultStringReporter::report(&tree).replace(&format!("{root} 0.0.0"), root);
            let yanked = provider
                .releases
                .borrow()
                .values()
                .flat_map(|rs| rs.iter())
                .any(|r| r.yanked);
            if yanked {
                text.push_str(
                    "\n(yanked versions are not chosen for new resolutions; a lockfile that \
                     pins one still runs)",
                );
            }
            return Err(Repr::Unsatisfiable(text).into());
        }
        // Infallible provider: the solver's other errors cannot happen.
        Err(other) => return Err(Repr::Unsatisfiable(other.to_string()).into()),
    };
    let releases = provider.releases.borrow();
    let mut selection = Selection::new();
    for (node, version) in solved {
        if let Node::Package(name) = node {
            let release = releases
                .get(&name)
                .and_then(|rs| rs.iter().find(|r| r.version == version))
                .ok_or_else(|| {
                    Error::not_found(format!("{name}@{version} vanished while resolving"))
                })?;
            selection.insert(name, release.clone());
        }
    }
    Ok(selection)
}
