//! Resource limits and the parsers for their command-line spelling.

use crate::prelude::*;
use core::time::Duration;

/// Limits applied identically on every engine (see DESIGN.md, "Limits").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Bytes per linear memory.
    pub max_memory: Option<u64>,
    /// Fuel units; see `wasmux_instrument::cost` for what an instruction costs.
    pub fuel: Option<u64>,
    /// Wall-clock deadline for one call.
    pub timeout: Option<Duration>,
}

impl Limits {
    pub fn is_unlimited(&self) -> bool {
        self.max_memory.is_none() && self.fuel.is_none() && self.timeout.is_none()
    }
}

/// Parses `65536`, `64KiB`, `64MiB`, `1GiB`, `10MB`, `4k`... Decimal suffixes (kB, MB, GB) are
/// powers of 1000, binary ones (KiB, MiB, GiB, and the bare k/m/g) powers of 1024.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit_mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        other => {
            let expected = "B, KiB, MiB, GiB, kB, MB or GB";
            return Err(format!(
                "bad size `{text}`: unknown unit `{other}` (expected {expected})"
            ));
        }
    };
    if num.is_empty() {
        return Err(format!(
            "bad size `{text}`: expected a number, optionally followed by a unit, as `64MiB`"
        ));
    }
    let value: f64 = num
        .parse()
        .map_err(|_| format!("bad size `{text}`: `{num}` is not a number"))?;
    let bytes = value * unit_mult as f64;
    if !bytes.is_finite() || bytes > u64::MAX as f64 {
        return Err(format!("bad size `{text}`: too large"));
    }
    Ok(bytes as u64)
}

/// Parses `500ms`, `5s`, `2m`, `1h`, `250us`, `1.5s`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        return Err(format!(
            "bad duration `{text}`: expected a number followed by a unit, as `500ms` or `5s`"
        ));
    }
    let value: f64 = num
        .parse()
        .map_err(|_| format!("bad duration `{text}`: `{num}` is not a number"))?;
    let secs = match unit {
        "" | "s" => value,
        "ms" => value / 1e3,
        "us" | "µs" => value / 1e6,
        "ns" => value / 1e9,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "bad duration `{text}`: unknown unit `{other}` (expected ns, us, ms, s, m or h)"
            ))
        }
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("bad duration `{text}`: out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("65536").unwrap(), 65536);
        assert_eq!(parse_size("64KiB").unwrap(), 65536);
        assert_eq!(parse_size("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("10MB").unwrap(), 10_000_000);
        assert_eq!(parse_size("1.5k").unwrap(), 1536);
        assert!(parse_size("").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("12parsecs")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_size("1e999").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1m").unwrap(), Duration::from_secs(60));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 fortnights").is_err());
        assert!(parse_duration("-1s").is_err());
    }
}
