//! The registry over HTTP: `wasmux registry serve` ([`server`]) offers one home's registry to
//! others, and [`RemoteRegistry`] is the client side that `--registry URL` selects. The server
//! runs the same publish validation and policy as a local publish; the client checks every
//! module it receives against its digest, and signatures against its own trusted keys, before
//! it installs a release into the local registry to run it.

mod client;
mod install;
pub mod server;
mod wire;

pub use client::RemoteRegistry;
pub use server::{serve, ServerConfig};
