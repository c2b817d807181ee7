//! Durations written as human strings (`"15m"`, `"1h 30m"`, `"7d"`), read into `std::time::Duration`.

use std::fmt;
use std::time::Duration;

use schemars::{Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};

use super::hint::with_hint;

/// Schema of a duration string: a number and a unit, repeated.
pub(crate) fn schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "pattern": "^\\s*([0-9]+\\s*[a-zA-Z]+\\s*)+$",
        "examples": ["15m", "1h 30m", "7d"]
    })
}

/// Reads a duration string.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Duration, D::Error> {
    deserializer.deserialize_any(DurationVisitor)
}

/// Reads an optional duration string (the field is simply absent when not given).
pub(crate) fn deserialize_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    deserializer.deserialize_any(DurationVisitor).map(Some)
}

struct DurationVisitor;

const EXAMPLE_HINT: &str = "write a number and a unit, e.g. \"15m\", \"1h 30m\" or \"7d\"";

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as \"15m\"")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Duration, E> {
        parse(value).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Duration, E> {
        Err(E::custom(with_hint(
            format!("a duration needs a unit, found the bare number `{value}`"),
            format!("write it as a string with a unit, e.g. \"{value}m\" or \"{value}s\""),
        )))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Duration, E> {
        self.visit_i64(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

/// Parses a duration the way spec files write them.
pub fn parse(value: &str) -> Result<Duration, String> {
    humantime::parse_duration(value.trim())
        .map_err(|err| with_hint(format!("invalid duration \"{value}\": {err}"), EXAMPLE_HINT))
}

/// Formats a duration the way spec files write them (`15m`, `1h 30m`, `7d`); fractions of a
/// second are dropped.
pub fn format(duration: Duration) -> String {
    let mut rest = duration.as_secs();
    let mut parts = Vec::new();
    for (unit, seconds) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= seconds {
            parts.push(format!("{}{unit}", rest / seconds));
            rest %= seconds;
        }
    }
    if parts.is_empty() {
        "0s".to_owned()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_human_durations() {
        assert_eq!(parse("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse("1h 30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse(" 7d ").unwrap(), Duration::from_secs(7 * 86400));
        assert!(parse("15").is_err());
        assert!(parse("fifteen minutes").is_err());
        assert_eq!(format(Duration::from_secs(5400)), "1h 30m");
        assert_eq!(format(Duration::from_secs(8 * 86400)), "8d");
        assert_eq!(format(Duration::from_secs(900)), "15m");
        assert_eq!(format(Duration::from_millis(1)), "0s");
    }
}
