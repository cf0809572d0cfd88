pub mod diff;
pub mod engines;
pub mod limits;
pub mod run;
pub mod validate;
pub mod wast;
