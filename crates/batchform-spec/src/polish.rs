//! Rewrites serde's type errors in the words of TOML ("expected a table, found a string"), with
//! an example of the right form where one helps.

use toml::de::DeValue;

use super::hint::{did_you_mean, split};

/// What kind of TOML value this is, with its article.
pub(crate) fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// The field named by serde's "missing field `x`".
pub(crate) fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
}

/// A message and hint for a deserialization error. `found` is the value it concerns, when known;
/// `field` is the key it was found under.
pub(crate) fn polish(
    message: &str,
    found: Option<&DeValue<'_>>,
    field: &str,
) -> (String, Option<String>) {
    let (message, hint) = split(message);
    if hint.is_some() {
        return (message, hint);
    }
    let example = example_for(field).map(|e| format!("for example: {e}"));
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((actual, expected)) = rest.split_once(", expected ")
    {
        let found = found.map_or_else(|| toml_kind(actual), describe);
        let expected = expectation(expected);
        let hint = example.or_else(|| how_to_write(&expected));
        return (format!("expected {expected}, found {found}"), hint);
    }
    if let Some(rest) = message.strip_prefix("invalid value: ")
        && let Some((actual, expected)) = rest.split_once(", expected ")
    {
        let actual = actual
            .split_once(' ')
            .map_or(actual, |(_, literal)| literal);
        let expected = expectation(expected);
        let hint = example.or_else(|| how_to_write(&expected));
        return (format!("expected {expected}, found {actual}"), hint);
    }
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((variant, expected)) = rest.split_once("`, expected ")
    {
        let allowed: Vec<&str> = expected
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, s)| s)
            .collect();
        let listed = allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let hint = match did_you_mean(variant, allowed.iter().copied()) {
            Some(close) => format!("did you mean `{close}`? (expected one of {listed})"),
            None => format!("expected one of {listed}"),
        };
        return (format!("unknown value \"{variant}\""), Some(hint));
    }
    if message.contains("overflowed") {
        return ("the number is too large".to_owned(), example);
    }
    (message, example)
}

/// Serde's name for a Rust type, said in TOML terms.
fn expectation(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a non-negative integer".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer".to_owned(),
        "a sequence" => "an array".to_owned(),
        "a map" => "a table".to_owned(),
        "a boolean" => "a boolean (`true` or `false`)".to_owned(),
        other if other.starts_with("struct ") || other.starts_with("a map") => "a table".to_owned(),
        other => other.to_owned(),
    }
}

/// How to write a value of a kind, for hints when no example of the field is known.
fn how_to_write(expected: &str) -> Option<String> {
    Some(match expected {
        "a non-negative integer" => {
            "write a whole number of 0 or more, without quotes, e.g. 2".to_owned()
        }
        "an integer" => "write a whole number without quotes, e.g. 2".to_owned(),
        "a boolean (`true` or `false`)" => "write `true` or `false`, without quotes".to_owned(),
        "a string" => "put text in quotes, e.g. \"text\"".to_owned(),
        "a table" => "write a table: a `[section]` or `{ key = value }`".to_owned(),
        "an array" => "write an array: `[\"a\", \"b\"]`".to_owned(),
        _ => return None,
    })
}

/// Serde's name for what it found, when the value itself is not at hand.
fn toml_kind(actual: &str) -> &'static str {
    let kind = actual.split([' ', '`', '"']).next().unwrap_or_default();
    match kind {
        "string" => "a string",
        "integer" => "an integer",
        "floating" => "a float",
        "boolean" => "a boolean",
        "sequence" => "an array",
        "map" => "a table",
        _ => "something else",
    }
}

/// The right form of a field, for hints on missing or mistyped fields.
pub(crate) fn example_for(field: &str) -> Option<&'static str> {
    Some(match field {
        "vm_size" => "vm_size = \"standard_d2s_v3\"",
        "node_agent_sku" => "node_agent_sku = \"batch.node.ubuntu 22.04\"",
        "image" => {
            "image = { publisher = \"canonical\", offer = \"0001-com-ubuntu-server-jammy\", sku = \"22_04-lts\" }"
        }
        "scale" => "scale = { dedicated = 2 }",
        "autoscale" => "autoscale = { formula = \"$TargetDedicatedNodes = 2;\" }",
        "formula" => "formula = \"$TargetDedicatedNodes = min(10, $PendingTasks.GetSample(1));\"",
        "interval" | "resize_timeout" | "valid_for" | "renew_before" => {
            "\"15m\", \"1h 30m\" or \"7d\""
        }
        "command_line" => "command_line = \"/bin/bash -c 'echo hello'\"",
        "server" => "server = \"myregistry.azurecr.io\"",
        "images" => "images = [\"ubuntu:22.04\"]",
        "registries" => {
            "[[pools.<id>.container.registries]] with server = \"myregistry.azurecr.io\""
        }
        "container" => "[pools.<id>.container] with images = [\"ubuntu:22.04\"]",
        "start_task" => "[pools.<id>.start_task] with command_line = \"...\"",
        "users" => "[pools.<id>.users.alice] with admin = true",
        "user_accounts" => {
            "[pools.<id>.user_accounts.builder] with password = { env = \"BUILDER_PASSWORD\" }"
        }
        "metadata" => "metadata = { team = \"vfx\" }",
        "environment" => "environment = { FOO = \"bar\" }",
        "password" => "password = { env = \"ACR_PASSWORD\" }",
        "pools" => "[pools.render] with vm_size, node_agent_sku, image and scale",
        "account" => "[account] with owner = \"team-render\"",
        "expires" => "expires = \"2027-01-01T00:00:00Z\"",
        "task_scheduling" => "task_scheduling = \"spread\"",
        "on_nonempty_update" => "on_nonempty_update = \"drain\"",
        "runtime" => "runtime = \"docker\"",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaks_toml() {
        assert_eq!(
            polish(
                "invalid type: string \"two\", expected u32",
                None,
                "dedicated"
            )
            .0,
            "expected a non-negative integer, found a string"
        );
        assert_eq!(
            polish(
                "invalid value: integer `-1`, expected u32",
                None,
                "dedicated"
            )
            .0,
            "expected a non-negative integer, found `-1`"
        );
        let (message, hint) = polish(
            "unknown variant `packed`, expected `spread` or `pack`",
            None,
            "task_scheduling",
        );
        assert_eq!(message, "unknown value \"packed\"");
        assert_eq!(
            hint.as_deref(),
            Some("did you mean `pack`? (expected one of `spread`, `pack`)")
        );
        assert_eq!(
            polish("invalid type: map, expected a string", None, "vm_size").0,
            "expected a string, found a table"
        );
        assert_eq!(missing_field("missing field `vm_size`"), Some("vm_size"));
    }
}
