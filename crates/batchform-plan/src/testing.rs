//! Fixtures shared by the planner's unit tests.

use std::collections::BTreeMap;

use chrono::TimeZone;

use super::config::*;
use super::input::CatalogImage;

/// A container pool on Ubuntu 22.04 with a start task, a registry, a user account and metadata.
pub fn pool_config() -> PoolConfig {
    PoolConfig {
        display_name: None,
        vm_size: "standard_d2s_v3".into(),
        node_agent_sku: "batch.node.ubuntu 22.04".into(),
        image: Image::Marketplace {
            publisher: "canonical".into(),
            offer: "0001-com-ubuntu-server-jammy".into(),
            sku: "22_04-lts".into(),
            version: DEFAULT_IMAGE_VERSION.into(),
        },
        task_slots_per_node: 1,
        task_scheduling: NodeFill::Spread,
        inter_node_communication: false,
        scale: Scale::Fixed {
            dedicated: 2,
            low_priority: 0,
            resize_timeout: DEFAULT_RESIZE_TIMEOUT,
        },
        container: Some(Container {
            runtime: Runtime::Docker,
            images: vec!["myregistry.azurecr.io/app:1".into(), "ubuntu:22.04".into()],
            registries: vec![Registry {
                server: "myregistry.azurecr.io".into(),
                auth: RegistryAuth::Password {
                    username: "app".into(),
                    password: Sensitive {
                        fingerprint: Some("fp1".into()),
                    },
                },
            }],
        }),
        start_task: Some(StartTask {
            command_line: "a.sh".into(),
            identity: TaskIdentity::Elevated,
            wait_for_success: true,
            max_retries: 0,
            environment: BTreeMap::new(),
        }),
        user_accounts: BTreeMap::from([(
            "builder".to_string(),
            UserAccount {
                admin: false,
                uid: Some(4000),
                gid: Some(4000),
                password: Sensitive {
                    fingerprint: Some("fp2".into()),
                },
                ssh_private_key: None,
                login_mode: None,
            },
        )]),
        metadata: BTreeMap::from([("team".to_string(), "vfx".to_string())]),
        protect: false,
    }
}

/// A small catalog: current Ubuntu, a container-ready image, an end-of-life Ubuntu.
pub fn catalog() -> Vec<CatalogImage> {
    let image =
        |publisher: &str, offer: &str, sku: &str, agent: &str, caps: &[&str], eol: Option<i32>| {
            CatalogImage {
                publisher: publisher.into(),
                offer: offer.into(),
                sku: sku.into(),
                node_agent_sku: agent.into(),
                windows: false,
                capabilities: caps.iter().map(|c| c.to_string()).collect(),
                end_of_life: eol
                    .map(|year| chrono::Utc.with_ymd_and_hms(year, 4, 30, 0, 0, 0).unwrap()),
            }
        };
    vec![
        image(
            "canonical",
            "0001-com-ubuntu-server-focal",
            "20_04-lts",
            "batch.node.ubuntu 20.04",
            &[],
            None,
        ),
        image(
            "canonical",
            "0001-com-ubuntu-server-jammy",
            "22_04-lts",
            "batch.node.ubuntu 22.04",
            &[],
            None,
        ),
        image(
            "microsoft-dsvm",
            "ubuntu-hpc",
            "2204",
            "batch.node.ubuntu 22.04",
            &["DockerCompatible"],
            None,
        ),
        image(
            "canonical",
            "ubuntuserver",
            "16.04-lts",
            "batch.node.ubuntu 16.04",
            &[],
            Some(2021),
        ),
    ]
}
