//! `batchform validate` and `batchform schema` run as a user runs them: exit codes, text and
//! JSON output, secrets from the environment and from files.

use assert_cmd::Command;
use predicates::prelude::*;

fn batchform() -> Command {
    let mut command = Command::cargo_bin("batchform").unwrap();
    // Tests run with whatever the developer has set; secrets must come only from the test.
    command
        .env_remove("ACR_PASSWORD")
        .env_remove("INGEST_ADMIN_PASSWORD")
        .env_remove("INGEST_ACCOUNT_PASSWORD")
        .env_remove("RENDER_ACCOUNT_PASSWORD")
        .env_remove("NO_COLOR");
    command
}

const EXAMPLES: &[&str] = &[
    "examples/autoscale.toml",
    "examples/container-pool.toml",
    "examples/linux-pool.toml",
    "examples/multi-pool",
    "examples/quickstart.toml",
];

const POOL: &str = r#"
vm_size = "standard_d2s_v3"
node_agent_sku = "batch.node.ubuntu 22.04"
image = { publisher = "canonical", offer = "0001-com-ubuntu-server-jammy", sku = "22_04-lts" }
scale = { dedicated = 1 }
"#;

#[test]
fn the_examples_are_valid() {
    batchform()
        .arg("validate")
        .args(EXAMPLES)
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with("7 files, 6 pools: valid\n"));
}

/// What `examples/**` expands to in zsh (or bash with `globstar`): the directory itself, then
/// every entry below it, directories and key files included.
fn recursive_glob(dir: &str) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for entry in entries {
            out.push(entry.display().to_string());
            if entry.is_dir() {
                walk(&entry, out);
            }
        }
    }
    let mut out = vec![format!("{dir}/")];
    walk(std::path::Path::new(dir), &mut out);
    out
}

#[test]
fn the_examples_are_valid_through_a_recursive_glob() {
    let args = recursive_glob("examples");
    assert!(args.iter().any(|a| a.ends_with(".pub")), "{args:?}");
    batchform()
        .arg("validate")
        .args(&args)
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with(
            "7 files, 6 pools: valid (1 warning)\n",
        ));
    // A directory named with only some of its entries is still one spec.
    batchform()
        .args([
            "validate",
            "examples/multi-pool",
            "examples/multi-pool/render.toml",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with("4 files, 3 pools: valid\n"));
}

#[test]
fn an_invalid_spec_exits_1_with_file_line_and_column() {
    batchform()
        .args(["validate", "tests/specs/invalid/unknown-pool-field.toml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error: unknown field `vm_sise` in `pools.render`\n --> tests/specs/invalid/unknown-pool-field.toml:4:1\n",
        ))
        .stdout(predicate::str::contains("did you mean `vm_size`?"))
        .stdout(predicate::str::ends_with("1 file, 1 pool: invalid (1 error)\n"));
}

#[test]
fn every_invalid_spec_exits_1() {
    for entry in std::fs::read_dir("tests/specs/invalid").unwrap() {
        let path = entry.unwrap().path();
        batchform()
            .arg("validate")
            .arg(&path)
            .assert()
            .code(1)
            .stdout(predicate::str::is_match(r"\.toml:\d+:\d+\n").unwrap());
    }
}

#[test]
fn json_output_parses_and_locates_each_diagnostic() {
    let output = batchform()
        .args([
            "validate",
            "--format",
            "json",
            "tests/specs/invalid/unknown-nested-keys.toml",
            "examples/quickstart.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["files"], 2);
    assert_eq!(json["pools"], 2);
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 5);
    for d in diagnostics {
        assert_eq!(d["severity"], "error");
        assert_eq!(d["file"], "tests/specs/invalid/unknown-nested-keys.toml");
        assert!(d["line"].as_u64().unwrap() > 0);
        assert!(d["column"].as_u64().unwrap() > 0);
        assert!(d["message"].as_str().unwrap().starts_with("unknown field"));
        assert!(d["hint"].is_string());
        assert!(d["path"].is_string());
    }
    assert_eq!(diagnostics[0]["line"], 4);
    assert_eq!(diagnostics[0]["column"], 1);
    assert_eq!(diagnostics[0]["path"], "account.owners");
}

#[test]
fn json_output_of_a_valid_spec_says_so() {
    let output = batchform()
        .args(["validate", "--format", "json"])
        .args(EXAMPLES)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["valid"], true);
    assert_eq!(json["pools"], 6);
    assert_eq!(json["diagnostics"], serde_json::json!([]));
}

#[test]
fn warnings_do_not_fail_validation() {
    batchform()
        .args([
            "validate",
            "tests/specs/warnings/private-image-without-registry.toml",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "warning: no registry entry covers",
        ))
        .stdout(predicate::str::ends_with("valid (2 warnings)\n"));
}

#[test]
fn output_is_plain_when_not_a_terminal() {
    batchform()
        .args(["validate", "tests/specs/invalid/unknown-pool-field.toml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn secrets_are_checked_only_when_asked() {
    batchform()
        .args(["validate", "examples/container-pool.toml"])
        .assert()
        .code(0);
    batchform()
        .args(["validate", "--secrets", "examples/container-pool.toml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error: environment variable `ACR_PASSWORD` is not set\n  --> examples/container-pool.toml:35:12",
        ));
    batchform()
        .env("ACR_PASSWORD", "s3cret-value")
        .args(["validate", "--secrets", "examples/container-pool.toml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("s3cret-value").not());
}

#[test]
fn secret_files_are_relative_to_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.toml");
    std::fs::write(
        &spec,
        format!(
            "[pools.a]{POOL}\n[pools.a.users.alice]\npassword = {{ file = \"secrets/alice.txt\" }}\n"
        ),
    )
    .unwrap();
    batchform()
        .args(["validate", "--secrets"])
        .arg(&spec)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("secrets/alice.txt"))
        .stdout(predicate::str::contains("spec.toml:8:12"));
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/alice.txt"), "pw\n").unwrap();
    // From another working directory, the file is still found next to the spec.
    batchform()
        .current_dir(std::env::temp_dir())
        .args(["validate", "--secrets"])
        .arg(&spec)
        .assert()
        .code(0);
}

#[test]
fn duplicate_pool_ids_across_files_point_at_both() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), format!("[pools.render]{POOL}")).unwrap();
    std::fs::write(dir.path().join("b.toml"), format!("[pools.RENDER]{POOL}")).unwrap();
    let output = batchform()
        .current_dir(dir.path())
        .args(["validate", "."])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("pool `RENDER` clashes with pool `render`"),
        "{stdout}"
    );
    assert!(stdout.contains("./b.toml:1:8"), "{stdout}");
    assert!(stdout.contains("./a.toml:1:8"), "{stdout}");
    assert!(stdout.contains("first defined here"), "{stdout}");
}

#[test]
fn account_settings_live_in_one_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        format!("[account]\nowner = \"x\"\n[pools.a]{POOL}"),
    )
    .unwrap();
    std::fs::write(dir.path().join("b.toml"), "[account]\nowner = \"y\"\n").unwrap();
    batchform()
        .current_dir(dir.path())
        .args(["validate", "."])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error: the `[account]` table is defined in more than one file\n --> ./b.toml:1:2",
        ))
        .stdout(predicate::str::contains("./a.toml:1:2"));
}

#[test]
fn a_missing_path_is_an_error() {
    batchform()
        .args(["validate", "no/such/spec.toml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("cannot read `no/such/spec.toml`"));
}

#[test]
fn validate_needs_a_path() {
    batchform().arg("validate").assert().code(2);
}

#[test]
fn schema_prints_draft_07_json() {
    let output = batchform().arg("schema").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(schema["definitions"]["Pool"]["properties"]["vm_size"]["description"].is_string());
}
