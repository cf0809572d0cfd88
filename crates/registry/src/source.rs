//! Where a resolution reads releases from: this home's index, or another registry over HTTP.

use crate::error::Result;
use crate::index::Index;
use crate::name::PackageName;
use crate::release::Release;

/// The releases of one package, oldest version first, yanked ones included.
pub trait ReleaseSource {
    fn releases(&self, name: &PackageName) -> Result<Vec<Release>>;
}

impl ReleaseSource for Index {
    fn releases(&self, name: &PackageName) -> Result<Vec<Release>> {
        Index::releases(self, name)
    }
}
