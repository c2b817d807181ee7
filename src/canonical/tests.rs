//! Round trips through the wire: what batchform creates, read back as the service returns it,
//! must be exactly what the spec asked for, or a converged account would never be quiet.

use std::collections::BTreeMap;

use batchform_batch::wire;
use batchform_plan::bookkeeping;
use batchform_spec::{self as spec, LoadOptions, Secret};

fn examples() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    [
        "quickstart.toml",
        "linux-pool.toml",
        "container-pool.toml",
        "autoscale.toml",
        "multi-pool",
    ]
    .iter()
    .map(|name| dir.join(name))
    .collect()
}

/// The pool as a GET returns it after a create with `body`: write-only passwords are not returned.
fn as_service_returns(body: &wire::PoolCreate) -> wire::Pool {
    let mut json = serde_json::to_value(body).unwrap();
    if let Some(registries) =
        json.pointer_mut("/virtualMachineConfiguration/containerConfiguration/containerRegistries")
    {
        for registry in registries.as_array_mut().unwrap() {
            registry.as_object_mut().unwrap().remove("password");
        }
    }
    if let Some(accounts) = json.pointer_mut("/userAccounts") {
        for account in accounts.as_array_mut().unwrap() {
            account.as_object_mut().unwrap().remove("password");
        }
    }
    json["eTag"] = "0x1".into();
    json["allocationState"] = "steady".into();
    serde_json::from_value(json).unwrap()
}

#[test]
fn what_is_created_reads_back_as_the_desired_configuration() {
    for path in examples() {
        let loaded = spec::load_with(std::slice::from_ref(&path), &LoadOptions::default()).unwrap();
        let resolved: BTreeMap<String, Secret> = loaded
            .spec
            .secret_refs()
            .into_iter()
            .map(|(path, _)| (path, Secret::new("a-password")))
            .collect();
        let (desired, secrets) = super::desired(&loaded.spec, &resolved, &[]);
        for pool in &desired.pools {
            let body =
                super::create_body(&pool.id, &pool.config, &desired.owner, &secrets).unwrap();
            let live = crate::canonical::live::live_pool(&as_service_returns(&body));
            assert_eq!(
                live.config,
                pool.config,
                "{}: pool {}",
                path.display(),
                pool.id
            );
            assert_eq!(live.owner.as_deref(), Some(desired.owner.as_str()));
            let json = serde_json::to_string(&body).unwrap();
            assert_eq!(
                json.matches("a-password").count(),
                body_passwords(&pool.config),
                "{}",
                pool.id
            );
        }
    }
}

/// How many passwords a create body must carry (one per registry that has one, one per user
/// account).
fn body_passwords(config: &batchform_plan::config::PoolConfig) -> usize {
    config
        .container
        .iter()
        .flat_map(|c| &c.registries)
        .filter(|r| {
            matches!(
                r.auth,
                batchform_plan::config::RegistryAuth::Password { .. }
            )
        })
        .count()
        + config.user_accounts.len()
}

#[test]
fn an_unchanged_secret_keeps_its_fingerprint_and_a_changed_one_does_not() {
    let path = examples()
        .into_iter()
        .find(|p| p.ends_with("container-pool.toml"))
        .unwrap();
    let loaded = spec::load_with(std::slice::from_ref(&path), &LoadOptions::default()).unwrap();
    let with = |value: &str| -> BTreeMap<String, Secret> {
        loaded
            .spec
            .secret_refs()
            .into_iter()
            .map(|(path, _)| (path, Secret::new(value)))
            .collect()
    };
    let (first, secrets) = super::desired(&loaded.spec, &with("one"), &[]);
    let pool = &first.pools[0];
    let body = super::create_body(&pool.id, &pool.config, &first.owner, &secrets).unwrap();
    let live = vec![crate::canonical::live::live_pool(&as_service_returns(
        &body,
    ))];

    let (same, _) = super::desired(&loaded.spec, &with("one"), &live);
    assert_eq!(same.pools[0].config, live[0].config);
    let (rotated, _) = super::desired(&loaded.spec, &with("two"), &live);
    let changes = batchform_plan::diff::diff(&live[0].config, &rotated.pools[0].config);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(changes[0].sensitive && changes[0].path.ends_with(".auth.password"));
    // The fingerprint is in the metadata; the value is nowhere in it.
    let metadata = serde_json::to_string(&body.metadata).unwrap();
    assert!(metadata.contains(bookkeeping::FINGERPRINT) && !metadata.contains("\"one\""));
}
