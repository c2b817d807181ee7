//! Every example is a valid spec: it loads without errors or warnings, it satisfies the
//! checked-in JSON schema (as an editor would check it), and it names that schema.

use std::path::{Path, PathBuf};

use batchform_spec::{load, load_str};

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

fn examples() -> Vec<PathBuf> {
    let mut files = Vec::new();
    toml_files(Path::new("examples"), &mut files);
    files.sort();
    assert!(files.len() >= 7, "examples: {files:?}");
    files
}

/// A TOML document as the JSON an editor validates (date-times become strings, as Taplo
/// treats them).
fn to_json(value: toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => s.into(),
        toml::Value::Integer(i) => i.into(),
        toml::Value::Float(f) => f.into(),
        toml::Value::Boolean(b) => b.into(),
        toml::Value::Datetime(d) => d.to_string().into(),
        toml::Value::Array(a) => a.into_iter().map(to_json).collect(),
        toml::Value::Table(t) => t.into_iter().map(|(k, v)| (k, to_json(v))).collect(),
    }
}

fn checked_in_schema() -> serde_json::Value {
    let text = std::fs::read_to_string("schema/batchform.schema.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn each_example_spec_loads_cleanly() {
    // Each top-level file is a spec of its own; a directory's files form one spec together
    // (examples/github holds a workflow, not a spec).
    let is_toml = |p: &Path| p.extension().is_some_and(|e| e == "toml");
    let mut specs: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            is_toml(p)
                || (p.is_dir()
                    && std::fs::read_dir(p)
                        .unwrap()
                        .any(|e| is_toml(&e.unwrap().path())))
        })
        .collect();
    specs.sort();
    for spec in specs {
        let loaded = load(std::slice::from_ref(&spec))
            .unwrap_or_else(|d| panic!("{}:\n{}", spec.display(), d.render_text(false)));
        assert!(
            loaded.diagnostics.items.is_empty(),
            "{}:\n{}",
            spec.display(),
            loaded.diagnostics.render_text(false)
        );
        assert!(!loaded.spec.pools.is_empty(), "{}", spec.display());
    }
}

#[test]
fn the_multi_pool_example_is_one_spec() {
    let loaded = load(&[PathBuf::from("examples/multi-pool")]).unwrap();
    assert_eq!(loaded.diagnostics.files, 3);
    assert_eq!(
        loaded.spec.pools.keys().collect::<Vec<_>>(),
        ["ingest", "render"]
    );
    assert_eq!(loaded.spec.account.owner.as_deref(), Some("team-render"));
    let render = &loaded.spec.pools["render"];
    let key = render.users["renderadmin"].ssh_key().unwrap();
    assert!(
        key.starts_with("ssh-ed25519 "),
        "the key file is read: {key}"
    );
    let location = loaded
        .spec
        .location("render", "scale.low_priority")
        .unwrap();
    assert_eq!(location.to_string(), "examples/multi-pool/render.toml:19:1");
}

#[test]
fn every_example_satisfies_the_checked_in_schema() {
    let schema = checked_in_schema();
    let validator = jsonschema::draft7::new(&schema).expect("the schema compiles as draft-07");
    let mut failures = Vec::new();
    for file in examples() {
        let text = std::fs::read_to_string(&file).unwrap();
        let instance = to_json(toml::from_str(&text).unwrap());
        for error in validator.iter_errors(&instance) {
            failures.push(format!(
                "{}: {} at {}",
                file.display(),
                error,
                error.instance_path
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_example_names_the_schema_for_editors() {
    for file in examples() {
        let text = std::fs::read_to_string(&file).unwrap();
        let first = text.lines().next().unwrap_or_default();
        let target = first
            .strip_prefix("#:schema ")
            .unwrap_or_else(|| panic!("{} must start with `#:schema`", file.display()));
        let resolved = file.parent().unwrap().join(target);
        assert!(
            resolved.ends_with("schema/batchform.schema.json") && resolved.exists(),
            "{}: `{target}` does not lead to the schema",
            file.display()
        );
    }
}

#[test]
fn a_root_schema_key_is_accepted_by_loader_and_schema() {
    let text = r#"
"$schema" = "../schema/batchform.schema.json"

[pools.a]
vm_size = "standard_d2s_v3"
node_agent_sku = "batch.node.ubuntu 22.04"
image = { publisher = "canonical", offer = "0001-com-ubuntu-server-jammy", sku = "22_04-lts" }
scale = { dedicated = 1 }
"#;
    load_str("examples/inline.toml", text).unwrap();
    let validator = jsonschema::draft7::new(&checked_in_schema()).unwrap();
    assert!(validator.is_valid(&to_json(toml::from_str(text).unwrap())));
}

#[test]
fn the_schema_catches_what_editors_should_flag() {
    let validator = jsonschema::draft7::new(&checked_in_schema()).unwrap();
    let bad = [
        "[pools.a]\nvm_sise = \"x\"\n",
        "[pools.\"a b\"]\nvm_size = \"x\"\nnode_agent_sku = \"y\"\nimage = {}\n",
        "[pools.a]\nvm_size = \"x\"\nnode_agent_sku = \"y\"\nimage = {}\ntask_slots_per_node = 0\n",
        "[pools.a]\nvm_size = \"x\"\nnode_agent_sku = \"y\"\nimage = {}\ntask_scheduling = \"packed\"\n",
        "[pools.a]\nvm_size = \"x\"\nnode_agent_sku = \"y\"\nimage = {}\nmetadata = { \"batchform:owner\" = \"x\" }\n",
        "[pools.a]\nvm_size = \"x\"\nnode_agent_sku = \"y\"\nimage = {}\n[[pools.a.container.registries]]\nserver = \"r\"\npassword = \"plain\"\n",
    ];
    for text in bad {
        let instance = to_json(toml::from_str(text).unwrap());
        assert!(
            !validator.is_valid(&instance),
            "the schema accepts:\n{text}"
        );
    }
}
