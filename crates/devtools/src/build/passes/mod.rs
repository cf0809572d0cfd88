//! Rewrites of a finished module that make it smaller without changing what it computes. They
//! take and return bytes, so they apply to any core module, whatever built it.

mod dce;
mod reach;
mod sections;
mod strip;

pub use dce::{drop_unreachable, Dce};
pub(crate) use sections::first_dwarf_section;
pub use sections::{custom_section_names, has_dwarf, validate};
pub use strip::{strip, StripOptions, Stripped};
