//! The spec's JSON Schema (draft-07, which Taplo and Even Better TOML understand), generated
//! from the model types so editors and the loader agree on every key.

use std::sync::OnceLock;

use schemars::generate::SchemaSettings;
use serde_json::Value;

use super::model::SpecFile;

/// The `$schema` URI of JSON Schema draft-07.
pub const DRAFT_07: &str = "http://json-schema.org/draft-07/schema#";

/// Where the checked-in copy of the schema lives, relative to the repository root.
pub const CHECKED_IN_PATH: &str = "schema/batchform.schema.json";

/// The schema as a JSON value.
pub fn json_schema() -> Value {
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<SpecFile>();
    let mut value = schema.to_value();
    tidy(&mut value);
    if let Some(root) = value.as_object_mut() {
        root.insert("$schema".into(), DRAFT_07.into());
        root.insert(
            "description".into(),
            "A batchform spec: the Azure Batch pools that should exist, and how batchform manages them. \
             `batchform plan` shows what would change; `batchform apply` makes it so."
                .into(),
        );
    }
    value
}

/// The schema as `batchform schema` prints it and the repository keeps it: pretty, ending in a
/// newline.
pub fn render() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// The schema, generated once per process (the loader consults it for every file).
pub(crate) fn generated() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(json_schema)
}

/// Makes the generated schema read as the spec is written:
/// - TOML has no null, so `Option` fields are simply optional: drop the `null` alternatives
///   schemars adds for them, which editors would otherwise offer;
/// - durations default to strings like `15m`, not to Rust's `{ secs, nanos }`;
/// - descriptions are paragraphs, not the line breaks of the doc comments they come from;
/// - integer `format`s name Rust types, which mean nothing to a TOML author.
fn tidy(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Object(default)) = object.get("default")
                && let (Some(secs), Some(nanos)) = (
                    default.get("secs").and_then(Value::as_u64),
                    default.get("nanos").and_then(Value::as_u64),
                )
            {
                let duration = std::time::Duration::new(secs, u32::try_from(nanos).unwrap_or(0));
                object.insert("default".into(), super::duration::format(duration).into());
            }
            if let Some(Value::String(description)) = object.get_mut("description") {
                *description = unwrap_lines(description);
            }
            if object
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.starts_with("int") || f.starts_with("uint"))
            {
                object.remove("format");
            }
            if let Some(Value::Array(types)) = object.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    object.insert("type".into(), only);
                }
            }
            for combinator in ["anyOf", "oneOf"] {
                if let Some(Value::Array(members)) = object.get_mut(combinator) {
                    members.retain(|m| m.get("type").and_then(Value::as_str) != Some("null"));
                    if members.len() == 1 {
                        let only = members.remove(0);
                        object.remove(combinator);
                        // Draft-07 ignores keywords beside `$ref`, so a lone reference keeps its
                        // description by sitting inside `allOf`.
                        if only.get("$ref").is_some() && !object.is_empty() {
                            object.insert("allOf".into(), Value::Array(vec![only]));
                        } else if let Value::Object(inner) = only {
                            for (k, v) in inner {
                                object.entry(k).or_insert(v);
                            }
                        }
                    }
                }
            }
            if object.get("default") == Some(&Value::Null) {
                object.remove("default");
            }
            for child in object.values_mut() {
                tidy(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

/// Joins the lines of each paragraph; paragraphs stay apart.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| {
            paragraph
                .split('\n')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_draft_07_with_a_title_and_no_null() {
        let schema = json_schema();
        assert_eq!(schema["$schema"], DRAFT_07);
        assert_eq!(schema["title"], "batchform spec");
        let text = render();
        assert!(!text.contains("\"null\""), "{text}");
        assert!(
            !text.contains("$defs"),
            "draft-07 keeps shared parts in `definitions`"
        );
        assert!(schema["properties"]["$schema"].is_object());
    }

    /// Editors show descriptions on hover; every property must have one.
    #[test]
    fn every_property_is_described() {
        fn check(value: &Value, at: &str, schema: &Value, missing: &mut Vec<String>) {
            if let Some(properties) = value.get("properties").and_then(Value::as_object) {
                for (name, property) in properties {
                    let described = property.get("description").is_some()
                        || property
                            .get("$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| schema.pointer(r.trim_start_matches('#')))
                            .is_some_and(|t| t.get("description").is_some());
                    if !described {
                        missing.push(format!("{at}.{name}"));
                    }
                    check(property, &format!("{at}.{name}"), schema, missing);
                }
            }
            if let Some(definitions) = value.get("definitions").and_then(Value::as_object) {
                for (name, definition) in definitions {
                    check(definition, name, schema, missing);
                }
            }
            for combinator in ["anyOf", "oneOf", "allOf"] {
                if let Some(members) = value.get(combinator).and_then(Value::as_array) {
                    for member in members {
                        check(member, at, schema, missing);
                    }
                }
            }
        }
        let schema = json_schema();
        let mut missing = Vec::new();
        check(&schema, "", &schema, &mut missing);
        assert!(
            missing.is_empty(),
            "properties without a description: {missing:?}"
        );
    }
}
