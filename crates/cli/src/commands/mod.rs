pub mod diff;
pub mod engines;
pub mod limits;
pub mod policy_args;
pub mod run;
pub mod stdio_args;
pub mod validate;
pub mod wast;
