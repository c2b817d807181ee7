//! Carrying a fix-it hint through serde's string-only custom errors, and "did you mean".

/// Separates a message from its hint inside a serde custom error.
const SEPARATOR: &str = "\nhelp: ";

/// Packs a message and a hint into one error string (serde errors carry only a string).
pub(crate) fn with_hint(message: impl Into<String>, hint: impl AsRef<str>) -> String {
    format!("{}{SEPARATOR}{}", message.into(), hint.as_ref())
}

/// Unpacks what [`with_hint`] packed.
pub(crate) fn split(message: &str) -> (String, Option<String>) {
    match message.split_once(SEPARATOR) {
        Some((message, hint)) => (message.to_owned(), Some(hint.to_owned())),
        None => (message.to_owned(), None),
    }
}

/// The closest candidate to a misspelled name, if one is close enough to be what was meant.
///
/// Names are compared after folding case, `-` and camelCase onto snake_case, so `vmSize` and
/// `VM-SIZE` both find `vm_size`.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted = fold(name);
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let folded = fold(candidate);
        let score = if folded == wanted {
            2.0
        } else {
            let mut score = strsim::normalized_damerau_levenshtein(&wanted, &folded)
                .max(strsim::jaro_winkler(&wanted, &folded) - 0.1);
            // One slip in a short name (`evn` for `env`) is still clearly that name.
            if wanted.len().min(folded.len()) >= 3
                && strsim::damerau_levenshtein(&wanted, &folded) <= 1
            {
                score = score.max(0.75);
            }
            score
        };
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.filter(|(score, _)| *score >= 0.7).map(|(_, c)| c)
}

fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        if c == '-' || c == ' ' {
            out.push('_');
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_survive_a_round_trip() {
        let packed = with_hint("bad", "do this");
        assert_eq!(split(&packed), ("bad".into(), Some("do this".into())));
        assert_eq!(split("plain"), ("plain".into(), None));
    }

    #[test]
    fn suggests_close_names_only() {
        let keys = ["vm_size", "node_agent_sku", "scale", "autoscale", "users"];
        assert_eq!(did_you_mean("vm_sise", keys), Some("vm_size"));
        assert_eq!(did_you_mean("vmSize", keys), Some("vm_size"));
        assert_eq!(did_you_mean("VM-SIZE", keys), Some("vm_size"));
        assert_eq!(did_you_mean("autoscaling", keys), Some("autoscale"));
        assert_eq!(did_you_mean("user", keys), Some("users"));
        assert_eq!(did_you_mean("evn", ["env", "file"]), Some("env"));
        assert_eq!(did_you_mean("completely_different", keys), None);
    }
}
