//! Field-level differences between two canonical pool configurations, each classified by how
//! the service lets that field change.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::config::PoolConfig;

/// How the service lets a field change (DESIGN.md, "How each kind of change is carried out").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeClass {
    /// `PATCH /pools/{id}` at any time: metadata, start task.
    InPlace,
    /// `POST /pools/{id}/resize`: fixed node counts and resize timeout.
    Resize,
    /// `enableautoscale` / `disableautoscale`: formula, interval, fixed ↔ autoscale.
    Autoscale,
    /// `PATCH` only while the pool is empty; otherwise drain, recreate or refuse.
    EmptyOnly,
}

impl ChangeClass {
    /// Why a field of this class changes the way it does, for reviewers.
    pub fn reason(self) -> &'static str {
        match self {
            ChangeClass::InPlace => "patched in place, any time",
            ChangeClass::Resize => "resize",
            ChangeClass::Autoscale => "autoscale settings",
            ChangeClass::EmptyOnly => {
                "the service accepts this change only while the pool is empty"
            }
        }
    }
}

/// One field whose value differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Dotted path in spec terms, e.g. `container.images` or `metadata.team`.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    pub class: ChangeClass,
    /// A write-only value: shown as `(sensitive)`, never by value.
    pub sensitive: bool,
}

/// Every field that differs between `live` and `desired`, in path order.
pub fn diff(live: &PoolConfig, desired: &PoolConfig) -> Vec<FieldChange> {
    let old = flatten(live);
    let new = flatten(desired);
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    // Switching between fixed scale and autoscale is one autoscale change, whichever fields move.
    let mode_changes = old.get("scale.mode") != new.get("scale.mode");
    paths
        .into_iter()
        .filter(|path| old.get(*path) != new.get(*path))
        .map(|path| {
            let (display, sensitive) = match path.strip_suffix(".fingerprint") {
                Some(secret) => (secret.to_string(), true),
                None => (path.clone(), false),
            };
            let class = match classify(&display) {
                ChangeClass::Resize if mode_changes => ChangeClass::Autoscale,
                class => class,
            };
            FieldChange {
                class,
                path: display,
                old: old.get(path).cloned(),
                new: new.get(path).cloned(),
                sensitive,
            }
        })
        .collect()
}

/// The change class of a field, by its path.
pub fn classify(path: &str) -> ChangeClass {
    let head = path.split(['.', '[']).next().unwrap_or(path);
    match head {
        "metadata" | "start_task" | "protect" => ChangeClass::InPlace,
        "scale" => match path {
            "scale.dedicated" | "scale.low_priority" | "scale.resize_timeout" => {
                ChangeClass::Resize
            }
            _ => ChangeClass::Autoscale,
        },
        _ => ChangeClass::EmptyOnly,
    }
}

/// The configuration as `path → leaf value`. Lists of scalars are leaves (shown whole); lists
/// of records are keyed by their `server` so a change names the registry it is in.
pub fn flatten(config: &PoolConfig) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    // A canonical config always serialises; an error here would be a bug in its types.
    let value = serde_json::to_value(config).unwrap_or(Value::Null);
    walk(String::new(), value, &mut out);
    out
}

fn walk(prefix: String, value: Value, out: &mut BTreeMap<String, Value>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                walk(join(&key), value, out);
            }
        }
        Value::Array(items)
            if items.iter().all(|i| i.get("server").is_some()) && !items.is_empty() =>
        {
            for item in items {
                let key = item["server"].as_str().unwrap_or_default().to_string();
                walk(format!("{prefix}[{key}]"), item, out);
            }
        }
        leaf => {
            out.insert(prefix, leaf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::*;
    use crate::testing::pool_config;

    fn paths(changes: &[FieldChange]) -> Vec<(&str, ChangeClass)> {
        changes.iter().map(|c| (c.path.as_str(), c.class)).collect()
    }

    #[test]
    fn identical_configs_have_no_changes() {
        assert!(diff(&pool_config(), &pool_config()).is_empty());
    }

    #[test]
    fn each_field_is_classified_as_the_service_allows_it_to_change() {
        let live = pool_config();
        type Edit = Box<dyn Fn(&mut PoolConfig)>;
        let cases: Vec<(&str, ChangeClass, Edit)> = vec![
            (
                "metadata.team",
                ChangeClass::InPlace,
                Box::new(|c| {
                    c.metadata.insert("team".into(), "other".into());
                }),
            ),
            (
                "start_task.command_line",
                ChangeClass::InPlace,
                Box::new(|c| {
                    c.start_task.as_mut().unwrap().command_line = "b.sh".into();
                }),
            ),
            (
                "scale.dedicated",
                ChangeClass::Resize,
                Box::new(|c| {
                    c.scale = Scale::Fixed {
                        dedicated: 5,
                        low_priority: 0,
                        resize_timeout: DEFAULT_RESIZE_TIMEOUT,
                    };
                }),
            ),
            (
                "vm_size",
                ChangeClass::EmptyOnly,
                Box::new(|c| c.vm_size = "standard_d4s_v3".into()),
            ),
            (
                "image.sku",
                ChangeClass::EmptyOnly,
                Box::new(|c| {
                    if let Image::Marketplace { sku, .. } = &mut c.image {
                        *sku = "24_04-lts".into();
                    }
                }),
            ),
            (
                "node_agent_sku",
                ChangeClass::EmptyOnly,
                Box::new(|c| c.node_agent_sku = "batch.node.ubuntu 24.04".into()),
            ),
            (
                "task_slots_per_node",
                ChangeClass::EmptyOnly,
                Box::new(|c| c.task_slots_per_node = 4),
            ),
            (
                "task_scheduling",
                ChangeClass::EmptyOnly,
                Box::new(|c| c.task_scheduling = NodeFill::Pack),
            ),
            (
                "display_name",
                ChangeClass::EmptyOnly,
                Box::new(|c| c.display_name = Some("x".into())),
            ),
            (
                "container.images",
                ChangeClass::EmptyOnly,
                Box::new(|c| {
                    c.container.as_mut().unwrap().images.push("new:1".into());
                }),
            ),
            (
                "user_accounts.builder.admin",
                ChangeClass::EmptyOnly,
                Box::new(|c| c.user_accounts.get_mut("builder").unwrap().admin = true),
            ),
        ];
        for (path, class, edit) in cases {
            let mut desired = live.clone();
            edit(&mut desired);
            assert_eq!(
                paths(&diff(&live, &desired)),
                vec![(path, class)],
                "editing {path}"
            );
        }
    }

    #[test]
    fn switching_to_autoscale_is_an_autoscale_change() {
        let live = pool_config();
        let mut desired = live.clone();
        desired.scale = Scale::Auto {
            formula: "$TargetDedicatedNodes = 1;".into(),
            interval: std::time::Duration::from_secs(300),
        };
        let changes = diff(&live, &desired);
        assert!(!changes.is_empty());
        assert!(
            changes.iter().all(|c| c.class == ChangeClass::Autoscale),
            "{changes:?}"
        );
    }

    #[test]
    fn a_registry_password_change_is_sensitive_and_named_by_server() {
        let live = pool_config();
        let mut desired = live.clone();
        let registry = &mut desired.container.as_mut().unwrap().registries[0];
        registry.auth = RegistryAuth::Password {
            username: "app".into(),
            password: Sensitive {
                fingerprint: Some("other".into()),
            },
        };
        let changes = diff(&live, &desired);
        assert_eq!(
            paths(&changes),
            vec![(
                "container.registries[myregistry.azurecr.io].auth.password",
                ChangeClass::EmptyOnly
            )]
        );
        assert!(changes[0].sensitive);
    }
}
