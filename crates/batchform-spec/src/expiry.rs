//! When node users expire: an absolute RFC 3339 time, or a rolling validity renewed before it lapses.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use schemars::{Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::hint::with_hint;

/// A node user's expiry, as the planner uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Expires at this instant and is not renewed.
    At(DateTime<Utc>),
    /// Valid for this long from when it is applied, and re-applied once less than
    /// `renew_before` remains.
    Rolling {
        /// Validity given at each apply.
        valid_for: Duration,
        /// Renew once less than this remains.
        renew_before: Duration,
    },
}

/// Validity when a user names neither `expires` nor `valid_for`.
pub const DEFAULT_VALID_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
/// Longest default renewal margin; shorter validities renew at half their length.
pub const DEFAULT_RENEW_BEFORE: Duration = Duration::from_secs(24 * 3600);

impl Expiry {
    /// Expiry from a user's three optional fields (validation guarantees they are consistent).
    pub fn from_fields(
        expires: Option<DateTime<Utc>>,
        valid_for: Option<Duration>,
        renew_before: Option<Duration>,
    ) -> Self {
        if let Some(at) = expires {
            return Expiry::At(at);
        }
        let valid_for = valid_for.unwrap_or(DEFAULT_VALID_FOR);
        let renew_before = renew_before.unwrap_or_else(|| DEFAULT_RENEW_BEFORE.min(valid_for / 2));
        Expiry::Rolling {
            valid_for,
            renew_before,
        }
    }
}

/// Schema of an absolute expiry time.
pub(crate) fn schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "format": "date-time",
        "examples": ["2027-01-01T00:00:00Z"]
    })
}

/// Reads an RFC 3339 time, written as a string or as a TOML offset date-time.
pub(crate) fn deserialize_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    deserializer.deserialize_any(TimeVisitor).map(Some)
}

struct TimeVisitor;

impl<'de> Visitor<'de> for TimeVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 time such as \"2027-01-01T00:00:00Z\"")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        parse_time(value).map_err(E::custom)
    }

    // TOML's own date-times reach serde as a one-entry map holding their text.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut text = None;
        while let Some(key) = map.next_key::<String>()? {
            let value: String = map.next_value()?;
            if text.is_some() || !key.contains("datetime") {
                return Err(de::Error::custom(
                    "expected an RFC 3339 time such as \"2027-01-01T00:00:00Z\", found a table",
                ));
            }
            text = Some(value);
        }
        match text {
            Some(text) => parse_time(&text).map_err(de::Error::custom),
            None => Err(de::Error::custom(
                "expected an RFC 3339 time such as \"2027-01-01T00:00:00Z\", found a table",
            )),
        }
    }
}

fn parse_time(value: &str) -> Result<DateTime<Utc>, String> {
    let hint = "write an RFC 3339 time with a UTC offset, e.g. \"2027-01-01T00:00:00Z\"";
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|err| {
            let local = value.trim().parse::<chrono::NaiveDateTime>().is_ok()
                || value.trim().parse::<chrono::NaiveDate>().is_ok();
            if local {
                // Without an offset the instant depends on where batchform runs.
                with_hint(format!("the time \"{value}\" has no UTC offset"), hint)
            } else {
                with_hint(format!("invalid time \"{value}\": {err}"), hint)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "deserialize_time")]
        at: Option<DateTime<Utc>>,
    }

    fn at(text: &str) -> Result<Option<DateTime<Utc>>, String> {
        toml::from_str::<Holder>(text)
            .map(|h| h.at)
            .map_err(|e| e.message().to_owned())
    }

    #[test]
    fn reads_strings_and_toml_datetimes() {
        let want = "2027-01-01T00:00:00Z".parse::<DateTime<Utc>>().ok();
        assert_eq!(at("at = \"2027-01-01T00:00:00Z\"").unwrap(), want);
        assert_eq!(at("at = 2027-01-01T00:00:00Z").unwrap(), want);
        assert_eq!(at("at = 2027-01-01T01:00:00+01:00").unwrap(), want);
        assert!(at("at = 2027-01-01T00:00:00").is_err());
        assert!(at("at = 2027-01-01").is_err());
        assert!(at("at = \"tomorrow\"").is_err());
    }

    #[test]
    fn rolling_defaults() {
        let day = Duration::from_secs(86400);
        assert_eq!(
            Expiry::from_fields(None, None, None),
            Expiry::Rolling {
                valid_for: 7 * day,
                renew_before: day
            }
        );
        assert_eq!(
            Expiry::from_fields(None, Some(day / 2), None),
            Expiry::Rolling {
                valid_for: day / 2,
                renew_before: day / 4
            }
        );
    }
}
