//! Small shapes shared by many resources: metadata, name/value pairs, ISO 8601 durations.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A timestamp as the service sends it (ISO 8601, UTC).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// `BatchMetadataItem`: a name/value pair attached to a pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataItem {
    pub name: String,
    pub value: String,
}

/// `NameValuePair`: the detail entries of resize errors, node errors and autoscale errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameValuePair {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl NameValuePair {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            value: Some(value.into()),
        }
    }
}

/// An ISO 8601 duration such as `PT15M` or `P1DT2H`, the wire form of every time span
/// (`resizeTimeout`, `autoScaleEvaluationInterval`, ...).
///
/// Parsing accepts what the SDKs send (`PT05M`, `PT0.5S`, weeks and days); years and months
/// have no fixed length and are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDuration(pub Duration);

/// Why an ISO 8601 duration did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an ISO 8601 duration such as PT15M")]
pub struct IsoDurationError(pub String);

impl IsoDuration {
    pub fn from_secs(secs: u64) -> Self {
        Self(Duration::from_secs(secs))
    }

    pub fn from_mins(mins: u64) -> Self {
        Self(Duration::from_secs(mins * 60))
    }

    pub fn as_duration(self) -> Duration {
        self.0
    }

    pub fn parse(text: &str) -> Result<Self, IsoDurationError> {
        let err = || IsoDurationError(text.to_string());
        let upper = text.trim().to_ascii_uppercase();
        let rest = upper.strip_prefix('P').ok_or_else(err)?;
        if rest.is_empty() {
            return Err(err());
        }
        let (date, time) = match rest.split_once('T') {
            Some((_, "")) => return Err(err()),
            Some((date, time)) => (date, Some(time)),
            None => (rest, None),
        };
        let mut nanos: u128 = 0;
        let mut parse_part = |part: &str, units: &[(char, u128)]| -> Result<(), IsoDurationError> {
            let mut number = String::new();
            let mut allowed = units;
            for c in part.chars() {
                if c.is_ascii_digit() || c == '.' || c == ',' {
                    number.push(if c == ',' { '.' } else { c });
                    continue;
                }
                let pos = allowed.iter().position(|(u, _)| *u == c).ok_or_else(err)?;
                let scale = allowed[pos].1;
                allowed = &allowed[pos + 1..];
                if number.is_empty() {
                    return Err(err());
                }
                nanos += scaled(&number, scale, c == 'S').ok_or_else(err)?;
                number.clear();
            }
            if number.is_empty() {
                Ok(())
            } else {
                Err(err())
            }
        };
        const SEC: u128 = 1_000_000_000;
        parse_part(date, &[('W', 7 * 86_400 * SEC), ('D', 86_400 * SEC)])?;
        if let Some(time) = time {
            parse_part(time, &[('H', 3_600 * SEC), ('M', 60 * SEC), ('S', SEC)])?;
        }
        let secs = u64::try_from(nanos / SEC).map_err(|_| err())?;
        Ok(Self(Duration::new(secs, (nanos % SEC) as u32)))
    }
}

/// `number` (digits, optionally with a fraction when `fraction_ok`) times `scale` nanoseconds.
fn scaled(number: &str, scale: u128, fraction_ok: bool) -> Option<u128> {
    let (whole, frac) = match number.split_once('.') {
        Some((w, f)) if fraction_ok => (w, f),
        Some(_) => return None,
        None => (number, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut total = whole.checked_mul(scale)?;
    let mut unit = scale;
    for digit in frac.chars().take(9) {
        unit /= 10;
        total += u128::from(digit.to_digit(10)?) * unit;
    }
    Some(total)
}

impl fmt::Display for IsoDuration {
    /// The shortest form the service itself uses: `PT15M`, `P1DT2H`, `PT0.5S`, `PT0S`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0.as_secs();
        let nanos = self.0.subsec_nanos();
        let (days, rem) = (total / 86_400, total % 86_400);
        let (hours, rem) = (rem / 3_600, rem % 3_600);
        let (mins, secs) = (rem / 60, rem % 60);
        f.write_str("P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if hours == 0 && mins == 0 && secs == 0 && nanos == 0 {
            return if days == 0 {
                f.write_str("T0S")
            } else {
                Ok(())
            };
        }
        f.write_str("T")?;
        if hours > 0 {
            write!(f, "{hours}H")?;
        }
        if mins > 0 {
            write!(f, "{mins}M")?;
        }
        if nanos > 0 {
            let frac = format!("{nanos:09}");
            write!(f, "{secs}.{}S", frac.trim_end_matches('0'))?;
        } else if secs > 0 {
            write!(f, "{secs}S")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for IsoDuration {
    type Err = IsoDurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<Duration> for IsoDuration {
    fn from(d: Duration) -> Self {
        Self(d)
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_sdks_send() {
        assert_eq!(
            IsoDuration::parse("PT15M").unwrap(),
            IsoDuration::from_mins(15)
        );
        assert_eq!(
            IsoDuration::parse("PT05M").unwrap(),
            IsoDuration::from_mins(5)
        );
        assert_eq!(
            IsoDuration::parse("P1DT02H00M").unwrap(),
            IsoDuration::from_secs(93_600)
        );
        assert_eq!(
            IsoDuration::parse("P1W").unwrap(),
            IsoDuration::from_secs(604_800)
        );
        assert_eq!(
            IsoDuration::parse("pt0.5s").unwrap(),
            IsoDuration(Duration::from_millis(500))
        );
        assert_eq!(
            IsoDuration::parse("PT00.250000S").unwrap(),
            IsoDuration(Duration::from_millis(250))
        );
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "", "P", "PT", "15M", "PT15", "P1M", "PTM", "PT1.5M", "P1Y", "PT1S2M",
        ] {
            assert!(IsoDuration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prints_the_short_form() {
        assert_eq!(IsoDuration::from_mins(15).to_string(), "PT15M");
        assert_eq!(IsoDuration::from_secs(93_600).to_string(), "P1DT2H");
        assert_eq!(IsoDuration::from_secs(86_400).to_string(), "P1D");
        assert_eq!(IsoDuration::from_secs(0).to_string(), "PT0S");
        assert_eq!(
            IsoDuration(Duration::from_millis(1500)).to_string(),
            "PT1.5S"
        );
        for secs in [0, 1, 59, 61, 3_599, 3_601, 86_399, 90_061] {
            let d = IsoDuration::from_secs(secs);
            assert_eq!(IsoDuration::parse(&d.to_string()).unwrap(), d);
        }
    }
}
