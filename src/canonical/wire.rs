//! Pools: a live wire pool to the canonical configuration, and the canonical configuration to
//! the bodies that create and update it.

use std::collections::BTreeMap;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::secrets::{self, Secrets};
use batchform_batch::wire;
use batchform_plan::bookkeeping::{self, Bookkeeping};
use batchform_plan::config::*;
use batchform_plan::users::{BOOK, UserRecord, UsersBook};

/// A write-only value the apply needs was not resolved.
#[derive(Debug, thiserror::Error)]
#[error(
    "pool {pool}: no value for {what}; it is resolved from the spec's secret reference when applying"
)]
pub struct MissingSecret {
    pub pool: String,
    pub what: String,
}

/// The live pool's configuration, canonical. `book` supplies what the service cannot tell back.
pub fn live_config(
    pool: &wire::Pool,
    book: &Bookkeeping,
    user_metadata: BTreeMap<String, String>,
) -> PoolConfig {
    let vm = pool.virtual_machine_configuration.as_ref();
    let windows = vm.is_some_and(|v| batchform_spec::model::is_windows_agent(&v.node_agent_sku_id));
    let scale = if pool.enable_auto_scale.unwrap_or(false) {
        Scale::Auto {
            formula: normalize_formula(pool.auto_scale_formula.as_deref().unwrap_or_default()),
            interval: pool
                .auto_scale_evaluation_interval
                .map(|d| d.as_duration())
                .unwrap_or(DEFAULT_RESIZE_TIMEOUT),
        }
    } else {
        Scale::Fixed {
            dedicated: count(pool.target_dedicated_nodes),
            low_priority: count(pool.target_low_priority_nodes),
            resize_timeout: pool
                .resize_timeout
                .map(|d| d.as_duration())
                .unwrap_or(DEFAULT_RESIZE_TIMEOUT),
        }
    };
    PoolConfig {
        display_name: pool.display_name.clone().filter(|name| !name.is_empty()),
        vm_size: lower(pool.vm_size.as_deref()),
        node_agent_sku: lower(vm.map(|v| v.node_agent_sku_id.as_str())),
        image: vm
            .map(|v| image(&v.image_reference))
            .unwrap_or(Image::Custom {
                virtual_machine_image_id: String::new(),
            }),
        task_slots_per_node: pool
            .task_slots_per_node
            .map(|n| n.max(1) as u32)
            .unwrap_or(1),
        task_scheduling: match pool
            .task_scheduling_policy
            .as_ref()
            .map(|p| &p.node_fill_type)
        {
            Some(wire::NodeFillType::Pack) => NodeFill::Pack,
            _ => NodeFill::Spread,
        },
        inter_node_communication: pool.enable_inter_node_communication.unwrap_or(false),
        scale,
        container: vm
            .and_then(|v| v.container_configuration.as_ref())
            .map(|c| container(c, book)),
        start_task: pool.start_task.as_ref().map(start_task),
        user_accounts: pool
            .user_accounts
            .iter()
            .flatten()
            .map(|account| (account.name.clone(), user_account(account, windows, book)))
            .collect(),
        metadata: user_metadata,
        protect: book.protect,
    }
}

fn count(n: Option<i32>) -> u32 {
    n.unwrap_or(0).max(0) as u32
}

fn lower(text: Option<&str>) -> String {
    text.unwrap_or_default().to_ascii_lowercase()
}

fn image(reference: &wire::ImageReference) -> Image {
    match &reference.virtual_machine_image_id {
        Some(id) => Image::Custom {
            virtual_machine_image_id: id.clone(),
        },
        None => Image::Marketplace {
            publisher: lower(reference.publisher.as_deref()),
            offer: lower(reference.offer.as_deref()),
            sku: lower(reference.sku.as_deref()),
            version: reference
                .version
                .as_deref()
                .unwrap_or(DEFAULT_IMAGE_VERSION)
                .to_ascii_lowercase(),
        },
    }
}

fn container(config: &wire::ContainerConfiguration, book: &Bookkeeping) -> Container {
    let mut registries: Vec<Registry> = config
        .container_registries
        .iter()
        .flatten()
        .map(|registry| {
            let server = registry
                .registry_server
                .as_deref()
                .unwrap_or("docker.io")
                .to_ascii_lowercase();
            let auth = match registry
                .identity_reference
                .as_ref()
                .and_then(|i| i.resource_id.clone())
            {
                Some(resource_id) => RegistryAuth::Identity { resource_id },
                None => RegistryAuth::Password {
                    username: registry.username.clone().unwrap_or_default(),
                    password: Sensitive {
                        fingerprint: book
                            .fingerprint(&bookkeeping::registry_password(&server))
                            .map(str::to_string),
                    },
                },
            };
            Registry { server, auth }
        })
        .collect();
    registries.sort_by(|a, b| a.server.cmp(&b.server));
    Container {
        runtime: match config.kind {
            wire::ContainerType::CriCompatible => Runtime::Cri,
            _ => Runtime::Docker,
        },
        images: normalize_images(config.container_image_names.iter().flatten().cloned()),
        registries,
    }
}

/// A live account. Its password and private key are never returned, so what is known of them
/// is the fingerprint batchform recorded when it wrote them.
fn user_account(account: &wire::UserAccount, windows: bool, book: &Bookkeeping) -> UserAccount {
    let linux = account.linux_user_configuration.as_ref();
    let id = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok());
    let recorded = |entry: String| book.fingerprint(&entry).map(str::to_string);
    let login_mode = account
        .windows_user_configuration
        .as_ref()
        .and_then(|w| w.login_mode.as_ref());
    UserAccount {
        admin: account.elevation_level == Some(wire::ElevationLevel::Admin),
        uid: id(linux.and_then(|l| l.uid)),
        gid: id(linux.and_then(|l| l.gid)),
        password: Sensitive {
            fingerprint: recorded(bookkeeping::account_password(&account.name)),
        },
        ssh_private_key: recorded(bookkeeping::account_ssh_key(&account.name)).map(|fp| {
            Sensitive {
                fingerprint: Some(fp),
            }
        }),
        login_mode: windows.then_some(match login_mode {
            Some(wire::LoginMode::Interactive) => LoginMode::Interactive,
            _ => LoginMode::Batch,
        }),
    }
}

fn start_task(task: &wire::StartTask) -> StartTask {
    let identity = match &task.user_identity {
        Some(wire::UserIdentity {
            username: Some(name),
            ..
        }) => TaskIdentity::User { name: name.clone() },
        Some(wire::UserIdentity {
            auto_user: Some(auto),
            ..
        }) if auto.elevation_level == Some(wire::ElevationLevel::Admin) => TaskIdentity::Elevated,
        _ => TaskIdentity::AutoUser,
    };
    StartTask {
        command_line: task.command_line.clone(),
        identity,
        // The service's defaults: wait for success, no retries.
        wait_for_success: task.wait_for_success.unwrap_or(true),
        max_retries: task.max_task_retry_count.unwrap_or(0),
        environment: task
            .environment_settings
            .iter()
            .flatten()
            .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
            .collect(),
    }
}

/// A short hash of a configuration, recorded on the pool so a create whose answer was lost can
/// recognise its own pool.
pub fn config_hash(config: &PoolConfig) -> String {
    let json = serde_json::to_vec(config).unwrap_or_default();
    Sha256::digest(&json)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The bookkeeping a pool with `config` carries: what the configuration decides, and the
/// entries `kept` as they were read (node-user bookkeeping and any other of batchform's own).
fn bookkeeping_of(
    config: &PoolConfig,
    owner: &str,
    kept: &BTreeMap<String, String>,
) -> Bookkeeping {
    let mut book = Bookkeeping {
        owner: Some(owner.to_string()),
        protect: config.protect,
        managed: Some(config.metadata.keys().cloned().collect()),
        other: kept.clone(),
        ..Bookkeeping::default()
    };
    for (name, value) in config.sensitive() {
        if let Some(fp) = &value.fingerprint {
            book.fingerprints.insert(name, fp.clone());
        }
    }
    book.other
        .insert(bookkeeping::CONFIG.to_string(), config_hash(config));
    book
}

/// Every metadata entry a write sends, since metadata is replaced whole: other actors' keys
/// as read (`foreign`), the spec's, and batchform's own.
fn metadata(
    config: &PoolConfig,
    owner: &str,
    kept: &BTreeMap<String, String>,
    foreign: &BTreeMap<String, String>,
) -> Vec<wire::MetadataItem> {
    let mut user = foreign.clone();
    user.extend(config.metadata.clone());
    bookkeeping::join(&user, &bookkeeping_of(config, owner, kept))
        .into_iter()
        .map(|(name, value)| wire::MetadataItem { name, value })
        .collect()
}

fn vm_configuration(
    id: &str,
    config: &PoolConfig,
    secrets: &Secrets,
) -> Result<wire::VirtualMachineConfiguration, MissingSecret> {
    Ok(wire::VirtualMachineConfiguration {
        image_reference: image_reference(&config.image),
        node_agent_sku_id: config.node_agent_sku.clone(),
        container_configuration: config
            .container
            .as_ref()
            .map(|c| container_body(id, c, secrets))
            .transpose()?,
        ..Default::default()
    })
}

/// The accounts' bodies, with their passwords.
fn user_accounts_body(
    id: &str,
    config: &PoolConfig,
    secrets: &Secrets,
) -> Result<Vec<wire::UserAccount>, MissingSecret> {
    config
        .user_accounts
        .iter()
        .map(|(name, account)| {
            let value = |key: String, what: &str| {
                secrets
                    .get(id, &key)
                    .map(str::to_string)
                    .ok_or_else(|| MissingSecret {
                        pool: id.into(),
                        what: format!("the {what} of user account {name}"),
                    })
            };
            let password = value(bookkeeping::account_password(name), "password")?;
            let ssh_private_key = account
                .ssh_private_key
                .as_ref()
                .map(|_| value(bookkeeping::account_ssh_key(name), "private SSH key"))
                .transpose()?;
            let linux = (account.uid.is_some()
                || account.gid.is_some()
                || ssh_private_key.is_some())
            .then(|| wire::LinuxUserConfiguration {
                uid: account.uid.map(|n| n as i32),
                gid: account.gid.map(|n| n as i32),
                ssh_private_key,
            });
            let windows = account
                .login_mode
                .map(|mode| wire::WindowsUserConfiguration {
                    login_mode: Some(match mode {
                        LoginMode::Batch => wire::LoginMode::Batch,
                        LoginMode::Interactive => wire::LoginMode::Interactive,
                    }),
                });
            Ok(wire::UserAccount {
                name: name.clone(),
                password: Some(password),
                elevation_level: Some(if account.admin {
                    wire::ElevationLevel::Admin
                } else {
                    wire::ElevationLevel::NonAdmin
                }),
                linux_user_configuration: linux,
                windows_user_configuration: windows,
            })
        })
        .collect()
}

fn image_reference(image: &Image) -> wire::ImageReference {
    match image {
        Image::Marketplace {
            publisher,
            offer,
            sku,
            version,
        } => wire::ImageReference {
            publisher: Some(publisher.clone()),
            offer: Some(offer.clone()),
            sku: Some(sku.clone()),
            version: Some(version.clone()),
            ..Default::default()
        },
        Image::Custom {
            virtual_machine_image_id,
        } => wire::ImageReference {
            virtual_machine_image_id: Some(virtual_machine_image_id.clone()),
            ..Default::default()
        },
    }
}

fn container_body(
    id: &str,
    container: &Container,
    secrets: &Secrets,
) -> Result<wire::ContainerConfiguration, MissingSecret> {
    let registries = container
        .registries
        .iter()
        .map(|registry| {
            Ok(match &registry.auth {
                RegistryAuth::Password { username, .. } => wire::ContainerRegistry {
                    username: Some(username.clone()),
                    password: Some(
                        secrets
                            .get(id, &bookkeeping::registry_password(&registry.server))
                            .ok_or_else(|| MissingSecret {
                                pool: id.into(),
                                what: format!("the password of registry {}", registry.server),
                            })?
                            .to_string(),
                    ),
                    registry_server: Some(registry.server.clone()),
                    ..Default::default()
                },
                RegistryAuth::Identity { resource_id } => wire::ContainerRegistry {
                    registry_server: Some(registry.server.clone()),
                    identity_reference: Some(wire::NodeIdentityReference {
                        resource_id: Some(resource_id.clone()),
                    }),
                    ..Default::default()
                },
            })
        })
        .collect::<Result<Vec<_>, MissingSecret>>()?;
    Ok(wire::ContainerConfiguration {
        kind: match container.runtime {
            Runtime::Docker => wire::ContainerType::DockerCompatible,
            Runtime::Cri => wire::ContainerType::CriCompatible,
        },
        container_image_names: Some(container.images.clone()),
        container_registries: (!registries.is_empty()).then_some(registries),
    })
}

fn start_task_body(task: &StartTask) -> wire::StartTask {
    let user_identity = match &task.identity {
        TaskIdentity::AutoUser => None,
        TaskIdentity::Elevated => Some(wire::UserIdentity {
            username: None,
            auto_user: Some(wire::AutoUserSpecification {
                scope: Some(wire::AutoUserScope::Pool),
                elevation_level: Some(wire::ElevationLevel::Admin),
            }),
        }),
        TaskIdentity::User { name } => Some(wire::UserIdentity {
            username: Some(name.clone()),
            auto_user: None,
        }),
    };
    wire::StartTask {
        command_line: task.command_line.clone(),
        environment_settings: (!task.environment.is_empty()).then(|| {
            task.environment
                .iter()
                .map(|(name, value)| wire::EnvironmentSetting {
                    name: name.clone(),
                    value: Some(value.clone()),
                })
                .collect()
        }),
        user_identity,
        max_task_retry_count: Some(task.max_retries),
        wait_for_success: Some(task.wait_for_success),
        ..Default::default()
    }
}

fn scheduling(fill: NodeFill) -> wire::TaskSchedulingPolicy {
    wire::TaskSchedulingPolicy {
        node_fill_type: match fill {
            NodeFill::Spread => wire::NodeFillType::Spread,
            NodeFill::Pack => wire::NodeFillType::Pack,
        },
        job_default_order: None,
    }
}

/// The body that creates pool `id` with `config`.
pub fn create_body(
    id: &str,
    config: &PoolConfig,
    owner: &str,
    secrets: &Secrets,
) -> Result<wire::PoolCreate, MissingSecret> {
    let mut body = wire::PoolCreate {
        id: id.to_string(),
        display_name: config.display_name.clone(),
        vm_size: config.vm_size.clone(),
        virtual_machine_configuration: Some(vm_configuration(id, config, secrets)?),
        enable_inter_node_communication: Some(config.inter_node_communication),
        start_task: config.start_task.as_ref().map(start_task_body),
        task_slots_per_node: Some(config.task_slots_per_node as i32),
        task_scheduling_policy: Some(scheduling(config.task_scheduling)),
        user_accounts: Some(user_accounts_body(id, config, secrets)?).filter(|a| !a.is_empty()),
        metadata: Some(metadata(config, owner, &BTreeMap::new(), &BTreeMap::new())),
        ..Default::default()
    };
    match &config.scale {
        Scale::Fixed {
            dedicated,
            low_priority,
            resize_timeout,
        } => {
            body.enable_auto_scale = Some(false);
            body.target_dedicated_nodes = Some(*dedicated as i32);
            body.target_low_priority_nodes = Some(*low_priority as i32);
            body.resize_timeout = Some((*resize_timeout).into());
        }
        Scale::Auto { formula, interval } => {
            body.enable_auto_scale = Some(true);
            body.auto_scale_formula = Some(formula.clone());
            body.auto_scale_evaluation_interval = Some((*interval).into());
        }
    }
    Ok(body)
}

/// The pool as read at the ETag a write is conditional on: what the write must keep.
#[derive(Debug, Clone, Copy)]
pub struct AsRead<'a> {
    /// batchform's own entries the configuration does not decide.
    pub kept: &'a BTreeMap<String, String>,
    /// Other actors' metadata.
    pub foreign: &'a BTreeMap<String, String>,
    /// Its configuration, when planned against (a start task is sent only if it changes).
    pub live: Option<&'a PoolConfig>,
}

/// The PATCH body: metadata always, the start task when it changes (PATCH replaces what it
/// names and keeps the rest), and the empty-only fields when the pool is empty. Metadata is replaced whole, so
/// it carries `kept`, batchform's entries as read at the ETag the PATCH is conditional on.
/// Removing a start task is not a PATCH: see [`replace_properties_body`].
pub fn patch_body(
    id: &str,
    config: &PoolConfig,
    empty_only: bool,
    owner: &str,
    secrets: &Secrets,
    read: &AsRead<'_>,
) -> Result<wire::PoolUpdate, MissingSecret> {
    let AsRead {
        kept,
        foreign,
        live,
    } = *read;
    // Sent only when it changes: PATCH keeps a start task it is not given, with whatever parts
    // of it batchform does not model (resource files, say).
    let start_task = match live {
        Some(live) if live.start_task == config.start_task => None,
        _ => config.start_task.as_ref().map(start_task_body),
    };
    let mut body = wire::PoolUpdate {
        metadata: Some(metadata(config, owner, kept, foreign)),
        start_task,
        ..Default::default()
    };
    if empty_only {
        let vm = vm_configuration(id, config, secrets)?;
        body.display_name = config.display_name.clone();
        body.vm_size = Some(config.vm_size.clone());
        body.enable_inter_node_communication = Some(config.inter_node_communication);
        body.task_slots_per_node = Some(config.task_slots_per_node as i32);
        body.task_scheduling_policy = Some(scheduling(config.task_scheduling));
        // Sent even when empty: an omitted list would keep the accounts the spec removed.
        body.user_accounts = Some(user_accounts_body(id, config, secrets)?);
        body.virtual_machine_configuration = Some(wire::VirtualMachineConfigurationUpdate {
            image_reference: Some(vm.image_reference),
            node_agent_sku_id: Some(vm.node_agent_sku_id),
            container_configuration: vm.container_configuration,
            ..Default::default()
        });
    }
    Ok(body)
}

/// The `updateproperties` body, for removing a start task (PATCH cannot: an omitted start task
/// is left as it is). It replaces metadata and application packages too, so both are sent whole.
pub fn replace_properties_body(
    config: &PoolConfig,
    owner: &str,
    kept: &BTreeMap<String, String>,
    foreign: &BTreeMap<String, String>,
) -> wire::PoolReplaceProperties {
    wire::PoolReplaceProperties {
        start_task: config.start_task.as_ref().map(start_task_body),
        application_package_references: Vec::new(),
        metadata: metadata(config, owner, kept, foreign),
    }
}

/// The metadata-only PATCH that records node users, keeping every other entry as it is.
pub fn users_patch_body(
    user_metadata: &BTreeMap<String, String>,
    book: &Bookkeeping,
    users: &UsersBook,
) -> wire::PoolUpdate {
    let mut book = book.clone();
    book.other.insert(
        BOOK.to_string(),
        serde_json::to_string(users).unwrap_or_default(),
    );
    let metadata = bookkeeping::join(user_metadata, &book)
        .into_iter()
        .map(|(name, value)| wire::MetadataItem { name, value })
        .collect();
    wire::PoolUpdate {
        metadata: Some(metadata),
        ..Default::default()
    }
}

pub fn resize_body(
    dedicated: u32,
    low_priority: u32,
    timeout: Duration,
    deallocation: Option<&str>,
) -> wire::PoolResize {
    wire::PoolResize {
        target_dedicated_nodes: Some(dedicated as i32),
        target_low_priority_nodes: Some(low_priority as i32),
        resize_timeout: Some(timeout.into()),
        node_deallocation_option: deallocation.map(wire::NodeDeallocationOption::parse),
    }
}

pub fn autoscale_body(formula: &str, interval: Duration) -> wire::PoolEnableAutoScale {
    wire::PoolEnableAutoScale {
        auto_scale_formula: Some(formula.to_string()),
        auto_scale_evaluation_interval: Some(interval.into()),
    }
}

/// The body that adds node user `name` as recorded in `record`.
pub fn user_create_body(
    pool: &str,
    name: &str,
    record: &UserRecord,
    secrets: &Secrets,
) -> Result<wire::NodeUserCreate, MissingSecret> {
    let replace = user_replace_body(pool, name, record, secrets)?;
    Ok(wire::NodeUserCreate {
        name: name.to_string(),
        is_admin: Some(record.admin),
        expiry_time: replace.expiry_time,
        password: replace.password,
        ssh_public_key: replace.ssh_public_key,
    })
}

/// The full-replace body of node user `name`: key or password and expiry always sent, since an
/// omitted one is removed (or, for the expiry, reset to one day).
pub fn user_replace_body(
    pool: &str,
    name: &str,
    record: &UserRecord,
    secrets: &Secrets,
) -> Result<wire::NodeUserReplace, MissingSecret> {
    let value = |key: String, present: bool, what: &str| -> Result<Option<String>, MissingSecret> {
        if !present {
            return Ok(None);
        }
        secrets
            .get(pool, &key)
            .map(|v| Some(v.to_string()))
            .ok_or_else(|| MissingSecret {
                pool: pool.to_string(),
                what: format!("the {what} of node user {name}"),
            })
    };
    Ok(wire::NodeUserReplace {
        password: value(
            secrets::user_password(name),
            record.password.is_some(),
            "password",
        )?,
        expiry_time: Some(record.expires),
        ssh_public_key: value(
            secrets::user_ssh_key(name),
            record.ssh_key.is_some(),
            "SSH key",
        )?,
    })
}
