//! `[limits]`: sizes and durations written as text ("64MiB", "5s") or plain numbers.

use serde::{Deserialize, Deserializer};
use std::time::Duration;
use wasmux_core::Limits;

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LimitsPolicy {
    /// Bytes per linear memory.
    #[serde(default, deserialize_with = "size")]
    pub memory: Option<u64>,
    #[serde(default)]
    pub fuel: Option<u64>,
    #[serde(default, deserialize_with = "duration")]
    pub timeout: Option<Duration>,
    /// Bytes the guest may add to the host's filesystem, e.g. "100MiB".
    #[serde(default, deserialize_with = "size")]
    pub disk: Option<u64>,
}

impl LimitsPolicy {
    /// The engine's limits (the disk quota is WASI's, applied by `Policy::wasi_ctx`).
    pub fn to_limits(&self) -> Limits {
        Limits {
            max_memory: self.memory,
            fuel: self.fuel,
            timeout: self.timeout,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText {
    Num(u64),
    Text(String),
}

fn size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match NumOrText::deserialize(d)? {
        NumOrText::Num(n) => Ok(Some(n)),
        NumOrText::Text(t) => wasmux_core::parse_size(&t)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    match NumOrText::deserialize(d)? {
        NumOrText::Num(n) => Ok(Some(Duration::from_secs(n))),
        NumOrText::Text(t) => wasmux_core::parse_duration(&t)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}
