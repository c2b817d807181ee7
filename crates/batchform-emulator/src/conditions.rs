//! Conditional headers (`If-Match`, `If-None-Match`, `If-Modified-Since`,
//! `If-Unmodified-Since`) on the operations that take them: a read that would return what the
//! client already has answers 304; a write whose condition fails answers 412.

use http::{HeaderMap, StatusCode};

use super::errors::ApiError;
use batchform_batch::auth::parse_rfc1123;
use batchform_batch::wire::Timestamp;

/// Whether the operation reads or writes; it decides 304 versus 412.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

const HEADERS: [&str; 4] = [
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
];

fn normalize(tag: &str) -> &str {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.trim_matches('"')
}

fn matches_any(list: &str, etag: &str) -> bool {
    list.split(',').any(|t| {
        let t = normalize(t);
        t == "*" || t == normalize(etag)
    })
}

fn date(headers: &HeaderMap, name: &str) -> Result<Timestamp, ApiError> {
    let raw = headers
        .get(name)
        .map(|v| v.to_str().unwrap_or(""))
        .unwrap_or("");
    parse_rfc1123(raw).ok_or_else(|| ApiError::invalid_header(name, raw))
}

/// Checks the request's conditions against the resource's ETag and last-modified time.
///
/// Inferred: more than one condition header is 400 `MultipleConditionHeadersNotSupported`;
/// a failed `If-Match`/`If-Unmodified-Since` is 412 even on a read, as in HTTP.
pub fn check(
    headers: &HeaderMap,
    etag: &str,
    last_modified: Timestamp,
    access: Access,
) -> Result<(), ApiError> {
    let present: Vec<&str> = HEADERS
        .into_iter()
        .filter(|h| headers.contains_key(*h))
        .collect();
    if present.len() > 1 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "MultipleConditionHeadersNotSupported",
            "Multiple condition headers are not supported.",
        ));
    }
    let Some(&name) = present.first() else {
        return Ok(());
    };
    let value = headers[name].to_str().unwrap_or("");
    // HTTP dates carry whole seconds; compare at that precision.
    let modified = last_modified.timestamp();
    let not_modified = if access == Access::Read {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::PRECONDITION_FAILED
    };
    let failed = match name {
        "if-match" if !matches_any(value, etag) => Some(StatusCode::PRECONDITION_FAILED),
        "if-none-match" if matches_any(value, etag) => Some(not_modified),
        "if-modified-since" if modified <= date(headers, name)?.timestamp() => Some(not_modified),
        "if-unmodified-since" if modified > date(headers, name)?.timestamp() => {
            Some(StatusCode::PRECONDITION_FAILED)
        }
        _ => None,
    };
    match failed {
        Some(status) => Err(ApiError::condition_not_met(status)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    fn status(r: Result<(), ApiError>) -> Option<u16> {
        r.err().map(|e| e.status.as_u16())
    }

    #[test]
    fn etag_conditions() {
        let t = chrono::Utc::now();
        let etag = "0x8DD0000000000AB";
        assert_eq!(
            status(check(&with("if-match", etag), etag, t, Access::Write)),
            None
        );
        assert_eq!(
            status(check(
                &with("if-match", "\"0x8DD0000000000AB\""),
                etag,
                t,
                Access::Write
            )),
            None
        );
        assert_eq!(
            status(check(&with("if-match", "*"), etag, t, Access::Write)),
            None
        );
        assert_eq!(
            status(check(&with("if-match", "0x1"), etag, t, Access::Write)),
            Some(412)
        );
        assert_eq!(
            status(check(&with("if-match", "0x1"), etag, t, Access::Read)),
            Some(412)
        );
        assert_eq!(
            status(check(&with("if-none-match", etag), etag, t, Access::Read)),
            Some(304)
        );
        assert_eq!(
            status(check(&with("if-none-match", etag), etag, t, Access::Write)),
            Some(412)
        );
        assert_eq!(
            status(check(&with("if-none-match", "0x1"), etag, t, Access::Read)),
            None
        );
    }

    #[test]
    fn date_conditions() {
        let t = parse_rfc1123("Fri, 17 Feb 2017 00:00:00 GMT").unwrap()
            + chrono::TimeDelta::milliseconds(300);
        let same = "Fri, 17 Feb 2017 00:00:00 GMT";
        let before = "Thu, 16 Feb 2017 00:00:00 GMT";
        assert_eq!(
            status(check(
                &with("if-modified-since", same),
                "x",
                t,
                Access::Read
            )),
            Some(304)
        );
        assert_eq!(
            status(check(
                &with("if-modified-since", before),
                "x",
                t,
                Access::Read
            )),
            None
        );
        assert_eq!(
            status(check(
                &with("if-unmodified-since", same),
                "x",
                t,
                Access::Write
            )),
            None
        );
        assert_eq!(
            status(check(
                &with("if-unmodified-since", before),
                "x",
                t,
                Access::Write
            )),
            Some(412)
        );
        assert_eq!(
            status(check(
                &with("if-modified-since", "yesterday"),
                "x",
                t,
                Access::Read
            )),
            Some(400)
        );
        let mut both = with("if-match", "*");
        both.insert("if-none-match", HeaderValue::from_static("*"));
        assert_eq!(status(check(&both, "x", t, Access::Read)), Some(400));
    }
}
