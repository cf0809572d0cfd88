//! One conformance suite for the engine adapters: every case runs on every engine variant of
//! the build, straight on the `wasmux_core::{Engine, Store}` traits (no facade, no rewriting),
//! as one `#[test]` per case and variant (`traps::every_trap_kind::wasmtime_winch`). `linker.rs`
//! runs the facade's `Linker` the same way, with the limits' rewriting, since what it checks
//! (one fuel tank, one deadline, caps across the link) is the facade's on every engine.
//!
//! Where an engine lacks a capability, a case branches on `engine.info().caps` and checks that
//! the engine refuses what it lacks with `Unsupported`; a difference with no capability flag is
//! named in the case, with its reason (and in ENGINES.md). Tests of one adapter's internals stay
//! in that adapter's crate.

#[macro_use]
mod support;

mod engines;
mod features;
mod host;
mod linker;
mod linking;
mod memory;
mod stack;
mod trap_report;
mod traps;
mod values;
