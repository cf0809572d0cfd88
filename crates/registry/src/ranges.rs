//! Semver requirements as pubgrub version sets. A requirement keeps the text it was written
//! as, so a conflict report reads `acme/base ^2.0` rather than `>=2.0.0, <3.0.0-0`.

use pubgrub::{Ranges, VersionSet};
use semver::{Comparator, Op, Prerelease, Version, VersionReq};
use std::fmt;
use std::ops::Bound;

/// A set of versions, with the requirement it was made from while it is unchanged.
#[derive(Clone, Debug)]
pub struct Req {
    ranges: Ranges<Version>,
    label: Option<String>,
}

impl PartialEq for Req {
    fn eq(&self, other: &Self) -> bool {
        self.ranges == other.ranges
    }
}
impl Eq for Req {}

impl fmt::Display for Req {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.label {
            Some(label) => f.write_str(label),
            None if self.ranges == Ranges::full() => f.write_str("*"),
            None => {
                let parts: Vec<String> = self.ranges.iter().map(segment).collect();
                f.write_str(&parts.join(" or "))
            }
        }
    }
}

/// A bound as a person writes it: `2.0.0-0` (below every 2.0.0 pre-release) reads `2.0.0`.
fn plain(v: &Version) -> String {
    if v.pre.as_str() == "0" {
        Version::new(v.major, v.minor, v.patch).to_string()
    } else {
        v.to_string()
    }
}

fn segment((low, high): (&Bound<Version>, &Bound<Version>)) -> String {
    match (low, high) {
        (Bound::Included(a), Bound::Included(b)) if a == b => a.to_string(),
        (Bound::Unbounded, Bound::Unbounded) => "*".to_string(),
        (low, high) => {
            let low = match low {
                Bound::Included(v) => Some(format!(">={}", plain(v))),
                Bound::Excluded(v) => Some(format!(">{}", plain(v))),
                Bound::Unbounded => None,
            };
            let high = match high {
                Bound::Included(v) => Some(format!("<={}", plain(v))),
                Bound::Excluded(v) => Some(format!("<{}", plain(v))),
                Bound::Unbounded => None,
            };
            low.into_iter().chain(high).collect::<Vec<_>>().join(", ")
        }
    }
}

impl Req {
    fn unlabelled(ranges: Ranges<Version>) -> Req {
        Req {
            ranges,
            label: None,
        }
    }

    /// `req` as a set, exact over `known` (the versions the registry has): semver lets a
    /// pre-release match only a comparator naming the same major.minor.patch with a
    /// pre-release, which bounds alone cannot say, so the few pre-releases that bounds get
    /// wrong are taken out (or put in) one by one.
    pub fn from_semver<'a>(req: &VersionReq, known: impl IntoIterator<Item = &'a Version>) -> Req {
        let mut ranges = req
            .comparators
            .iter()
            .fold(Ranges::full(), |acc, c| acc.intersection(&comparator(c)));
        for v in known {
            match (ranges.contains(v), req.matches(v)) {
                (true, false) => {
                    ranges = ranges.intersection(&Ranges::singleton(v.clone()).complement())
                }
                (false, true) => ranges = ranges.union(&Ranges::singleton(v.clone())),
                _ => {}
            }
        }
        Req {
            ranges,
            label: Some(req.to_string()),
        }
    }
}

fn v(major: u64, minor: u64, patch: u64) -> Version {
    Version::new(major, minor, patch)
}

/// The version just below any of `major.minor.patch`'s pre-releases: an exclusive upper
/// bound there leaves out `2.0.0-alpha` when it means "below 2.0.0" the semver way.
fn floor(major: u64, minor: u64, patch: u64) -> Version {
    let mut version = v(major, minor, patch);
    version.pre = Prerelease::new("0").expect("0 is a valid pre-release");
    version
}

/// One comparator as a range, as the semver crate reads it (missing minor or patch parts are
/// wildcards).
fn comparator(c: &Comparator) -> Ranges<Version> {
    let (major, minor, patch) = (c.major, c.minor, c.patch);
    let full = || {
        let mut version = v(major, minor.unwrap_or(0), patch.unwrap_or(0));
        version.pre = c.pre.clone();
        version
    };
    // The end of the block a partial version names: 1.2 -> below 1.3.0, 1 -> below 2.0.0.
    let block_end = || match (minor, patch) {
        (None, _) => floor(major + 1, 0, 0),
        (Some(m), None) => floor(major, m + 1, 0),
        (Some(m), Some(p)) => floor(major, m, p + 1),
    };
    match c.op {
        Op::Exact | Op::Wildcard => match (minor, patch) {
            (Some(_), Some(_)) => Ranges::singleton(full()),
            _ => Ranges::between(full(), block_end()),
        },
        Op::Greater => match (minor, patch) {
            (Some(_), Some(_)) => Ranges::strictly_higher_than(full()),
            _ => Ranges::higher_than(block_end()),
        },
        Op::GreaterEq => Ranges::higher_than(full()),
        Op::Less => Ranges::strictly_lower_than(full()),
        Op::LessEq => match (minor, patch) {
            (Some(_), Some(_)) => Ranges::lower_than(full()),
            _ => Ranges::strictly_lower_than(block_end()),
        },
        Op::Tilde => {
            let end = match minor {
                Some(m) => floor(major, m + 1, 0),
                None => floor(major + 1, 0, 0),
            };
            Ranges::between(full(), end)
        }
        Op::Caret => {
            let end = match (major, minor, patch) {
                (0, Some(0), Some(p)) => floor(0, 0, p + 1),
                (0, Some(m), _) => floor(0, m + 1, 0),
                (0, None, _) => floor(1, 0, 0),
                (_, _, _) => floor(major + 1, 0, 0),
            };
            Ranges::between(full(), end)
        }
        // semver's Op is non-exhaustive: an operator it adds later is read as "any", and the
        // exactness pass in `from_semver` corrects it over the known versions.
        _ => Ranges::full(),
    }
}

impl VersionSet for Req {
    type V = Version;

    fn empty() -> Self {
        Req::unlabelled(Ranges::empty())
    }

    fn singleton(v: Version) -> Self {
        Req::unlabelled(Ranges::singleton(v))
    }

    fn complement(&self) -> Self {
        Req::unlabelled(self.ranges.complement())
    }

    fn intersection(&self, other: &Self) -> Self {
        let ranges = self.ranges.intersection(&other.ranges);
        // Keep a label when the intersection is one of the two sets unchanged.
        let label = if ranges == self.ranges {
            self.label.clone()
        } else if ranges == other.ranges {
            other.label.clone()
        } else {
            None
        };
        Req { ranges, label }
    }

    fn contains(&self, v: &Version) -> bool {
        self.ranges.contains(v)
    }

    fn full() -> Self {
        Req::unlabelled(Ranges::full())
    }

    fn union(&self, other: &Self) -> Self {
        Req::unlabelled(self.ranges.union(&other.ranges))
    }

    fn is_disjoint(&self, other: &Self) -> bool {
        self.ranges.is_disjoint(&other.ranges)
    }

    fn subset_of(&self, other: &Self) -> bool {
        self.ranges.subset_of(&other.ranges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every requirement shape agrees with the semver crate over a spread of versions.
    #[test]
    fn sets_match_semver_exactly() {
        let versions: Vec<Version> = [
            "0.0.1",
            "0.0.2",
            "0.1.0",
            "0.1.5",
            "0.2.0",
            "1.0.0-alpha",
            "1.0.0",
            "1.2.0",
            "1.2.3",
            "1.2.4-rc.1",
            "1.2.4",
            "1.3.0",
            "1.9.9",
            "2.0.0-beta",
            "2.0.0",
            "3.1.0",
        ]
        .iter()
        .map(|s| Version::parse(s).unwrap())
        .collect();
        for req in [
            "^1.2",
            "^1.2.3",
            "^0.1",
            "^0.0.1",
            "^0",
            "~1.2",
            "~1.2.3",
            "~1",
            "=1.2.3",
            "=1.2",
            "1.2.*",
            "1.*",
            "*",
            ">1.2.3",
            ">1.2",
            ">=1.2",
            "<2",
            "<=1.2",
            "<=1.2.3",
            "<2.0.0",
            ">=1.0.0-alpha, <2",
            "^1.2.4-rc.1",
            ">1",
            "1.2.3",
        ] {
            let parsed = VersionReq::parse(req).unwrap();
            // The bounds alone, without the exactness pass, for release versions.
            let bounds = Req::from_semver(&parsed, []);
            let exact = Req::from_semver(&parsed, &versions);
            for version in &versions {
                let wanted = parsed.matches(version);
                assert_eq!(exact.contains(version), wanted, "{req} vs {version}");
                if version.pre.is_empty() {
                    assert_eq!(
                        bounds.contains(version),
                        wanted,
                        "bounds {req} vs {version}"
                    );
                }
            }
        }
    }
}
