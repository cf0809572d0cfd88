//! The limit flags shared by `run` and `diff`.

use clap::Args;
use std::time::Duration;
use wasmux::{parse_duration, parse_size, Limits};

#[derive(Args, Debug, Clone, Default)]
pub struct LimitArgs {
    /// Fuel budget; each instruction costs fuel (see the cost table in wasmux-instrument).
    #[arg(long, value_name = "N")]
    pub fuel: Option<u64>,
    /// Bytes per linear memory, e.g. 64MiB; memory.grow past it returns -1.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Wall-clock limit per call, e.g. 500ms or 5s.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
}

impl LimitArgs {
    pub fn limits(&self) -> Limits {
        Limits {
            max_memory: self.max_memory,
            fuel: self.fuel,
            timeout: self.timeout,
        }
    }

    /// `base` (a policy file's limits) with each limit given as a flag replacing its value.
    pub fn over(&self, base: Limits) -> Limits {
        Limits {
            max_memory: self.max_memory.or(base.max_memory),
            fuel: self.fuel.or(base.fuel),
            timeout: self.timeout.or(base.timeout),
        }
    }
}
