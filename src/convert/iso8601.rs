//! ISO 8601 durations as the service writes them (`PT15M`, `PT1H30M`, `P1DT2H`, `PT0.5S`).

use std::time::Duration;

/// Parses a duration such as `PT15M`; `None` if it is not one.
pub fn parse(text: &str) -> Option<Duration> {
    let rest = text.trim().strip_prefix(['P', 'p'])?;
    let (date, time) = match rest.find(['T', 't']) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, ""),
    };
    let mut seconds = 0f64;
    let mut parsed_any = false;
    for (part, units) in [
        (date, &[('W', 604_800.0), ('D', 86_400.0)][..]),
        (time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)][..]),
    ] {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                number.push(if c == ',' { '.' } else { c });
                continue;
            }
            let (_, scale) = units
                .iter()
                .find(|(unit, _)| unit.eq_ignore_ascii_case(&c))?;
            seconds += number.parse::<f64>().ok()? * scale;
            number.clear();
            parsed_any = true;
        }
        if !number.is_empty() {
            return None;
        }
    }
    parsed_any.then(|| Duration::from_secs_f64(seconds))
}

/// Formats a duration the way the service does (`PT15M`, `PT1H30M`, `PT45S`).
pub fn format(duration: Duration) -> String {
    let total = duration.as_secs();
    let (hours, minutes, seconds) = (total / 3600, total % 3600 / 60, total % 60);
    let mut out = String::from("PT");
    if hours > 0 {
        out.push_str(&format!("{hours}H"));
    }
    if minutes > 0 {
        out.push_str(&format!("{minutes}M"));
    }
    if seconds > 0 || total == 0 {
        out.push_str(&format!("{seconds}S"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_service_writes() {
        assert_eq!(parse("PT15M"), Some(Duration::from_secs(900)));
        assert_eq!(parse("PT1H30M"), Some(Duration::from_secs(5400)));
        assert_eq!(parse("P1DT2H"), Some(Duration::from_secs(93_600)));
        assert_eq!(parse("PT0.5S"), Some(Duration::from_millis(500)));
        assert_eq!(parse("P1W"), Some(Duration::from_secs(604_800)));
        for bad in ["", "P", "PT", "15M", "PT15", "PT15X", "PTM"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for secs in [0, 45, 300, 900, 5400, 93_600] {
            let d = Duration::from_secs(secs);
            assert_eq!(parse(&format(d)), Some(d));
        }
        assert_eq!(format(Duration::from_secs(900)), "PT15M");
    }
}
