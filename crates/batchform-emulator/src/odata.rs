//! The OData query options list and get operations take: `$filter` (a useful subset),
//! `$select`, and `maxresults` paging with an opaque continuation token.
//!
//! `$filter` supports `eq`, `ne`, `gt`, `ge`, `lt`, `le` on properties (paths with `/`),
//! `and`, `or`, `not`, parentheses, and `startswith`/`endswith`/`contains`/`substringof`.
//! String comparisons ignore case, as Batch ids and enum values do (inferred).
//! Parentheses and `not` nest at most [`MAX_DEPTH`] levels deep.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Num(f64),
    Open,
    Close,
    Comma,
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Property(Vec<String>),
    Literal(Value),
}

/// How deep parentheses and `not` may nest in a `$filter`. Parsing, matching and dropping a
/// filter each recurse once per level, so input must not choose the depth: a few thousand
/// levels overflow a thread's stack, which aborts the process. Real filters nest a few levels.
pub const MAX_DEPTH: usize = 64;

/// A chain of `and`s or of `or`s is one node holding its operands, so a long flat chain adds
/// no depth.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare(String, Operand, Operand),
    Call(String, Vec<Operand>),
}

/// A parsed `$filter`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter(Expr);

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            _ if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string literal".into()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Str(s));
            }
            _ if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                out.push(Token::Num(
                    text.parse().map_err(|_| format!("bad number `{text}`"))?,
                ));
            }
            _ if c.is_ascii_alphabetic() || c == '_' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || "_/.$".contains(chars[i]))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                // `datetime'2020-01-01T00:00:00Z'` is a typed literal.
                if word.eq_ignore_ascii_case("datetime") && chars.get(i) == Some(&'\'') {
                    continue;
                }
                out.push(Token::Word(word));
            }
            _ => return Err(format!("unexpected `{c}`")),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Parentheses and `not`s open around the current position.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut terms = vec![self.and()?];
        while self.keyword("or") {
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.swap_remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut terms = vec![self.not()?];
        while self.keyword("and") {
            terms.push(self.not()?);
        }
        Ok(if terms.len() == 1 {
            terms.swap_remove(0)
        } else {
            Expr::And(terms)
        })
    }

    /// Runs `inner` one nesting level deeper, refusing to go past [`MAX_DEPTH`].
    fn nested<T>(
        &mut self,
        inner: impl FnOnce(&mut Self) -> Result<T, String>,
    ) -> Result<T, String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "the filter nests parentheses and `not` more than {MAX_DEPTH} levels deep"
            ));
        }
        self.depth += 1;
        let result = inner(self);
        self.depth -= 1;
        result
    }

    fn not(&mut self) -> Result<Expr, String> {
        if self.keyword("not") {
            return self.nested(|p| Ok(Expr::Not(Box::new(p.not()?))));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.nested(Self::or)?;
            return self.close().map(|()| inner);
        }
        if let Some(Token::Word(name)) = self.peek().cloned()
            && self.tokens.get(self.pos + 1) == Some(&Token::Open)
        {
            let lower = name.to_ascii_lowercase();
            if !["startswith", "endswith", "contains", "substringof"].contains(&lower.as_str()) {
                return Err(format!("unsupported function `{name}`"));
            }
            self.pos += 2;
            let mut args = vec![self.operand()?];
            while self.peek() == Some(&Token::Comma) {
                self.pos += 1;
                args.push(self.operand()?);
            }
            self.close()?;
            if args.len() != 2 {
                return Err(format!("`{name}` takes two arguments"));
            }
            return Ok(Expr::Call(lower, args));
        }
        let left = self.operand()?;
        let op = match self.peek() {
            Some(Token::Word(w))
                if ["eq", "ne", "gt", "ge", "lt", "le"]
                    .contains(&w.to_ascii_lowercase().as_str()) =>
            {
                w.to_ascii_lowercase()
            }
            _ => return Err("expected a comparison such as `state eq 'idle'`".into()),
        };
        self.pos += 1;
        let right = self.operand()?;
        Ok(Expr::Compare(op, left, right))
    }

    fn close(&mut self) -> Result<(), String> {
        if self.peek() == Some(&Token::Close) {
            self.pos += 1;
            Ok(())
        } else {
            Err("expected `)`".into())
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        let token = self.peek().cloned().ok_or("unexpected end of filter")?;
        self.pos += 1;
        Ok(match token {
            Token::Str(s) => Operand::Literal(Value::String(s)),
            Token::Num(n) => {
                Operand::Literal(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
            }
            Token::Word(w) if w.eq_ignore_ascii_case("true") => Operand::Literal(Value::Bool(true)),
            Token::Word(w) if w.eq_ignore_ascii_case("false") => {
                Operand::Literal(Value::Bool(false))
            }
            Token::Word(w) if w.eq_ignore_ascii_case("null") => Operand::Literal(Value::Null),
            Token::Word(w) => Operand::Property(w.split('/').map(str::to_string).collect()),
            other => return Err(format!("unexpected {other:?}")),
        })
    }
}

impl Filter {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parser = Parser {
            tokens: tokenize(text)?,
            pos: 0,
            depth: 0,
        };
        let expr = parser.or()?;
        if parser.pos != parser.tokens.len() {
            return Err("unexpected text after the filter".into());
        }
        Ok(Filter(expr))
    }

    /// Whether an item (its JSON form) passes the filter.
    pub fn matches(&self, item: &Value) -> bool {
        eval(&self.0, item)
    }
}

fn lookup<'a>(item: &'a Value, path: &[String]) -> &'a Value {
    let mut current = item;
    for part in path {
        current = match current {
            Value::Object(map) => map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(part))
                .map_or(&Value::Null, |(_, v)| v),
            _ => &Value::Null,
        };
    }
    current
}

fn resolve<'a>(operand: &'a Operand, item: &'a Value) -> &'a Value {
    match operand {
        Operand::Property(path) => lookup(item, path),
        Operand::Literal(v) => v,
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => {
            let times = (
                chrono::DateTime::parse_from_rfc3339(x),
                chrono::DateTime::parse_from_rfc3339(y),
            );
            if let (Ok(x), Ok(y)) = times {
                return Some(x.cmp(&y));
            }
            Some(x.to_lowercase().cmp(&y.to_lowercase()))
        }
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(std::cmp::Ordering::Equal),
        _ => None,
    }
}

fn eval(expr: &Expr, item: &Value) -> bool {
    use std::cmp::Ordering::*;
    match expr {
        Expr::And(terms) => terms.iter().all(|t| eval(t, item)),
        Expr::Or(terms) => terms.iter().any(|t| eval(t, item)),
        Expr::Not(a) => !eval(a, item),
        Expr::Compare(op, a, b) => {
            let order = compare(resolve(a, item), resolve(b, item));
            match op.as_str() {
                "eq" => order == Some(Equal),
                "ne" => order != Some(Equal),
                "gt" => order == Some(Greater),
                "ge" => matches!(order, Some(Greater | Equal)),
                "lt" => order == Some(Less),
                _ => matches!(order, Some(Less | Equal)),
            }
        }
        Expr::Call(name, args) => {
            let (mut hay, mut needle) = (resolve(&args[0], item), resolve(&args[1], item));
            if name == "substringof" {
                std::mem::swap(&mut hay, &mut needle);
            }
            let (Some(hay), Some(needle)) = (text(hay), text(needle)) else {
                return false;
            };
            match name.as_str() {
                "startswith" => hay.starts_with(&needle),
                "endswith" => hay.ends_with(&needle),
                _ => hay.contains(&needle),
            }
        }
    }
}

/// Parses `$select` against the entity's property names (matched ignoring case); returns the
/// names as the entity spells them, or the first unknown one.
pub fn parse_select(text: &str, known: &[&'static str]) -> Result<Vec<&'static str>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let name = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(part))
            .ok_or_else(|| part.to_string())?;
        if !out.contains(name) {
            out.push(*name);
        }
    }
    Ok(out)
}

/// Keeps only the selected properties of an entity (and its `odata.*` annotations).
pub fn apply_select(entity: &mut Map<String, Value>, selected: &[&str]) {
    entity.retain(|k, _| k.starts_with("odata.") || selected.contains(&k.as_str()));
}

/// The continuation token for a page that ended at `last_key`.
pub fn token_after(last_key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{last_key}"))
}

/// The key a continuation token resumes after.
pub fn resume_after(token: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("v1:")
        .map(str::to_string)
}

/// Property names of `BatchPool`, for `$select`.
pub const POOL_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "url",
    "eTag",
    "lastModified",
    "creationTime",
    "state",
    "stateTransitionTime",
    "allocationState",
    "allocationStateTransitionTime",
    "vmSize",
    "virtualMachineConfiguration",
    "resizeTimeout",
    "resizeErrors",
    "currentDedicatedNodes",
    "currentLowPriorityNodes",
    "targetDedicatedNodes",
    "targetLowPriorityNodes",
    "enableAutoScale",
    "autoScaleFormula",
    "autoScaleEvaluationInterval",
    "autoScaleRun",
    "enableInterNodeCommunication",
    "networkConfiguration",
    "startTask",
    "applicationPackageReferences",
    "taskSlotsPerNode",
    "taskSchedulingPolicy",
    "userAccounts",
    "metadata",
    "stats",
    "mountConfiguration",
    "identity",
    "upgradePolicy",
];

/// Property names of `BatchNode`, for `$select`.
pub const NODE_PROPERTIES: &[&str] = &[
    "id",
    "url",
    "state",
    "schedulingState",
    "stateTransitionTime",
    "lastBootTime",
    "allocationTime",
    "ipAddress",
    "ipv6Address",
    "affinityId",
    "vmSize",
    "totalTasksRun",
    "runningTasksCount",
    "runningTaskSlotsCount",
    "totalTasksSucceeded",
    "recentTasks",
    "startTask",
    "startTaskInfo",
    "errors",
    "isDedicated",
    "endpointConfiguration",
    "nodeAgentInfo",
    "virtualMachineInfo",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(filter: &str, item: &Value) -> bool {
        Filter::parse(filter).unwrap().matches(item)
    }

    #[test]
    fn filters() {
        let pool = json!({"id": "Render-1", "state": "active", "currentDedicatedNodes": 3,
                          "virtualMachineConfiguration": {"nodeAgentSKUId": "batch.node.ubuntu 22.04"}});
        assert!(check("id eq 'render-1'", &pool));
        assert!(check(
            "state eq 'active' and startswith(id, 'render')",
            &pool
        ));
        assert!(!check("state ne 'active' or id eq 'x'", &pool));
        assert!(check(
            "not (id eq 'x') and currentDedicatedNodes ge 2",
            &pool
        ));
        assert!(check(
            "virtualMachineConfiguration/nodeAgentSKUId eq 'batch.node.ubuntu 22.04'",
            &pool
        ));
        assert!(check("substringof('der', id)", &pool));
        assert!(check("displayName eq null", &pool));
        assert!(check("id eq 'it''s' or true eq true", &pool));
    }

    #[test]
    fn filter_errors() {
        for bad in [
            "",
            "id",
            "id eq",
            "id eq 'x",
            "(id eq 'x'",
            "id eq 'x' junk",
            "length(id) eq 3",
            "id ~ 'x'",
        ] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nesting_is_bounded_and_chains_are_flat() {
        let pool = json!({"id": "a"});
        let nested = |depth: usize| format!("{}id eq 'a'{}", "(".repeat(depth), ")".repeat(depth));
        assert!(check(&nested(MAX_DEPTH), &pool));
        for deep in [
            nested(MAX_DEPTH + 1),
            nested(100_000),
            format!("{}id eq 'a'", "not ".repeat(100_000)),
            format!("{}id eq 'a'", "(not ".repeat(50_000)),
        ] {
            let err = Filter::parse(&deep).unwrap_err();
            assert!(err.contains("levels deep"), "{err}");
        }
        let chain = vec!["id eq 'a'"; 100_000].join(" and ");
        assert!(check(&chain, &pool));
        let chain = vec!["id eq 'b'"; 100_000].join(" or ");
        assert!(!check(&chain, &pool));
    }

    #[test]
    fn select_and_tokens() {
        assert_eq!(
            parse_select("ID, eTag,id", POOL_PROPERTIES).unwrap(),
            vec!["id", "eTag"]
        );
        assert_eq!(
            parse_select("id,nope", POOL_PROPERTIES).unwrap_err(),
            "nope"
        );
        let token = token_after("pool-7");
        assert_eq!(resume_after(&token).as_deref(), Some("pool-7"));
        assert_eq!(resume_after("garbage!"), None);
    }
}

/// Query options read from a request, checked.
pub mod options {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    use serde_json::{Map, Value, json};

    use super::{Filter, parse_select, resume_after, token_after};
    use crate::errors::ApiError;
    use crate::exchange::Call;

    /// Characters left as they are in query values of `odata.nextLink`.
    const VALUE: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    /// Names keep their `$` (`$filter`, `$select`), as the SDKs send them.
    const NAME: &AsciiSet = &VALUE.remove(b'$');

    /// The continuation parameter of `odata.nextLink` (the service's token format is opaque;
    /// this one encodes the last key returned, so pages stay stable as items come and go).
    pub const SKIP_TOKEN: &str = "$skiptoken";

    /// `$filter`, if present.
    pub fn filter(call: &Call) -> Result<Option<Filter>, ApiError> {
        match call.query("$filter") {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => Filter::parse(text)
                .map(Some)
                .map_err(|reason| ApiError::invalid_query_value("$filter", text, reason)),
        }
    }

    /// `$select`, if present, as the entity's property names.
    ///
    /// Inferred: a property the entity does not have is 400 `InvalidQueryParameterValue`.
    pub fn select(
        call: &Call,
        known: &[&'static str],
    ) -> Result<Option<Vec<&'static str>>, ApiError> {
        match call.query("$select") {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => parse_select(text, known).map(Some).map_err(|unknown| {
                ApiError::invalid_query_value(
                    "$select",
                    text,
                    format!("`{unknown}` is not a property of this resource"),
                )
            }),
        }
    }

    /// Whether `$expand=stats` was asked for (the only expansion pools have; others are 400).
    pub fn expand_stats(call: &Call) -> Result<bool, ApiError> {
        let Some(text) = call.query("$expand") else {
            return Ok(false);
        };
        let mut stats = false;
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("stats") {
                stats = true;
            } else {
                return Err(ApiError::invalid_query_value(
                    "$expand",
                    text,
                    format!("`{part}` cannot be expanded"),
                ));
            }
        }
        Ok(stats)
    }

    /// `maxresults`: 1 to 1000, default 1000.
    pub fn max_results(call: &Call) -> Result<usize, ApiError> {
        let Some(text) = call.query("maxresults") else {
            return Ok(1000);
        };
        let n: i64 = text.trim().parse().map_err(|_| {
            ApiError::invalid_query_value("maxresults", text, "The value must be an integer.")
        })?;
        if !(1..=1000).contains(&n) {
            return Err(ApiError::out_of_range_query_value(
                "maxresults",
                text,
                "The value must be between 1 and 1000.",
            ));
        }
        Ok(n as usize)
    }

    /// One page of `items` (sorted by key) for this request, as the list envelope with an
    /// absolute `odata.nextLink` when more remain.
    pub fn page(
        call: &Call,
        entity_set: &str,
        items: Vec<(String, Value)>,
    ) -> Result<Value, ApiError> {
        let max = max_results(call)?;
        let after = match call.query(SKIP_TOKEN) {
            None => None,
            Some(token) => Some(resume_after(token).ok_or_else(|| {
                ApiError::invalid_query_value(
                    SKIP_TOKEN,
                    token,
                    "The continuation token is not valid.",
                )
            })?),
        };
        let mut remaining = items
            .into_iter()
            .filter(|(key, _)| after.as_ref().is_none_or(|a| key > a))
            .peekable();
        let mut value = Vec::new();
        let mut last_key = None;
        while value.len() < max {
            let Some((key, item)) = remaining.next() else {
                break;
            };
            value.push(item);
            last_key = Some(key);
        }
        let mut envelope = Map::new();
        envelope.insert(
            "odata.metadata".into(),
            Value::String(format!("{}/$metadata#{entity_set}", call.endpoint)),
        );
        envelope.insert("value".into(), Value::Array(value));
        if let (Some(key), Some(_)) = (last_key, remaining.peek()) {
            envelope.insert(
                "odata.nextLink".into(),
                json!(next_link(call, &token_after(&key))),
            );
        }
        Ok(Value::Object(envelope))
    }

    fn next_link(call: &Call, token: &str) -> String {
        let mut query: Vec<String> = call
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case(SKIP_TOKEN))
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, NAME),
                    utf8_percent_encode(v, VALUE)
                )
            })
            .collect();
        query.push(format!(
            "{SKIP_TOKEN}={}",
            utf8_percent_encode(token, VALUE)
        ));
        format!("{}{}?{}", call.endpoint, call.raw_path, query.join("&"))
    }
}
