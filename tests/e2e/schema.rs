//! The checked-in schema is what `batchform schema` prints, and it is draft-07.

use assert_cmd::Command;

#[test]
fn checked_in_schema_matches_the_generated_one() {
    let output = Command::cargo_bin("batchform")
        .unwrap()
        .arg("schema")
        .output()
        .unwrap();
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).unwrap();
    let checked_in = std::fs::read_to_string("schema/batchform.schema.json").unwrap_or_default();
    assert!(
        generated == checked_in,
        "schema/batchform.schema.json is out of date; regenerate it with\n\n    cargo run -- schema > schema/batchform.schema.json\n"
    );
}

#[test]
fn the_schema_is_a_valid_draft_07_schema() {
    let text = std::fs::read_to_string("schema/batchform.schema.json").unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["title"], "batchform spec");
    jsonschema::draft7::meta::validate(&schema).expect("a valid draft-07 schema");
}
