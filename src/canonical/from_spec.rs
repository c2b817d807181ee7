//! The spec's desired state to the planner's: canonical configurations with fingerprints in
//! place of secrets, and the resolved secret values set aside for apply.

use std::collections::BTreeMap;

use crate::secrets::{self, Secrets};
use batchform_plan::config::*;
use batchform_plan::users::{Expiry, UserConfig};
use batchform_plan::{DesiredPool, LivePool, OnNonEmpty, bookkeeping};

use crate::secrets::fingerprints as fingerprint;
use batchform_spec::{self as spec, path};

/// The planner's desired state, and the secret values apply will send.
///
/// `resolved` holds the spec's secrets by spec path; `live` supplies recorded fingerprints, so
/// an unchanged secret keeps its fingerprint and plans nothing.
pub fn desired(
    spec: &spec::Spec,
    resolved: &BTreeMap<String, spec::Secret>,
    live: &[LivePool],
) -> (batchform_plan::Desired, Secrets) {
    let mut secrets = Secrets::default();
    let owner = spec.account.owner.clone().unwrap_or_default();
    let owner = owner.as_str();
    let pools = spec
        .pools
        .iter()
        .map(|(id, pool)| {
            let have = live.iter().find(|p| p.id.eq_ignore_ascii_case(id));
            let secret = |field: &str| {
                resolved
                    .get(&path::pool_field(id, field))
                    .map(|s| s.expose().to_string())
            };
            let config = pool_config(id, pool, have, owner, &secret, &mut secrets);
            let users = pool
                .users
                .iter()
                .map(|(name, user)| {
                    let record = have.and_then(|h| h.users.users.get(name));
                    let password =
                        secret(&format!("users.{}.password", path::key(name))).map(|value| {
                            let key = secrets::user_password(name);
                            let fp = fingerprint::reconcile(
                                &value,
                                record.and_then(|r| r.password.as_deref()),
                                owner,
                                &key,
                            );
                            secrets.insert(id, &key, value);
                            fp
                        });
                    let ssh_key = user.ssh_public_key.as_ref().map(|key| {
                        let text = key.key.trim().to_string();
                        let name = secrets::user_ssh_key(name);
                        let fp = fingerprint::reconcile(
                            &text,
                            record.and_then(|r| r.ssh_key.as_deref()),
                            owner,
                            &name,
                        );
                        secrets.insert(id, &name, text);
                        fp
                    });
                    let expiry = match spec::Expiry::from_fields(
                        user.expires,
                        user.valid_for,
                        user.renew_before,
                    ) {
                        spec::Expiry::At(time) => Expiry::At { time },
                        spec::Expiry::Rolling {
                            valid_for,
                            renew_before,
                        } => Expiry::Rolling {
                            valid_for,
                            renew_before,
                        },
                    };
                    UserConfig {
                        name: name.clone(),
                        admin: user.admin,
                        ssh_key,
                        password,
                        expiry,
                    }
                })
                .collect();
            DesiredPool {
                id: id.clone(),
                config,
                ignore_changes: pool.ignore_changes.clone(),
                adopt: pool.adopt,
                node_deallocation: match pool.scaling() {
                    spec::Scaling::Fixed(fixed) => fixed.node_deallocation.as_str(),
                    spec::Scaling::Auto(_) => spec::NodeDeallocation::default().as_str(),
                }
                .to_string(),
                on_nonempty_update: match pool.on_nonempty_update {
                    spec::UpdateStrategy::Drain => OnNonEmpty::Drain,
                    spec::UpdateStrategy::Recreate => OnNonEmpty::Recreate,
                    spec::UpdateStrategy::Refuse => OnNonEmpty::Refuse,
                },
                users,
            }
        })
        .collect();
    let account = &spec.account;
    let desired = batchform_plan::Desired {
        owner: owner.to_string(),
        prune: account.prune,
        // A command-line choice, not the spec's: the command sets it.
        stop_pending_resize: false,
        pools,
    };
    (desired, secrets)
}

fn pool_config(
    id: &str,
    pool: &spec::Pool,
    have: Option<&LivePool>,
    owner: &str,
    secret: &dyn Fn(&str) -> Option<String>,
    secrets: &mut Secrets,
) -> PoolConfig {
    let scale = match pool.scaling() {
        spec::Scaling::Fixed(fixed) => Scale::Fixed {
            dedicated: fixed.dedicated,
            low_priority: fixed.low_priority,
            resize_timeout: fixed.resize_timeout,
        },
        spec::Scaling::Auto(auto) => Scale::Auto {
            formula: normalize_formula(&auto.formula),
            interval: auto.interval,
        },
    };
    let image = match pool.image.reference() {
        spec::ImageReference::Marketplace {
            publisher,
            offer,
            sku,
            version,
        } => Image::Marketplace {
            publisher: publisher.to_ascii_lowercase(),
            offer: offer.to_ascii_lowercase(),
            sku: sku.to_ascii_lowercase(),
            version: version.to_ascii_lowercase(),
        },
        spec::ImageReference::Custom {
            virtual_machine_image_id,
        } => Image::Custom {
            virtual_machine_image_id: virtual_machine_image_id.to_string(),
        },
    };
    let live_registry = |server: &str| -> Option<String> {
        let container = have?.config.container.as_ref()?;
        let registry = container.registries.iter().find(|r| r.server == server)?;
        match &registry.auth {
            RegistryAuth::Password { password, .. } => password.fingerprint.clone(),
            RegistryAuth::Identity { .. } => None,
        }
    };
    let container = pool.container.as_ref().map(|container| {
        let mut registries: Vec<Registry> = container
            .registries
            .iter()
            .enumerate()
            .map(|(i, registry)| {
                let server = registry.server.trim().to_ascii_lowercase();
                let auth = match &registry.identity {
                    Some(resource_id) => RegistryAuth::Identity {
                        resource_id: resource_id.clone(),
                    },
                    None => {
                        let value = secret(&format!("container.registries[{i}].password"));
                        let fingerprint = value.map(|value| {
                            let key = bookkeeping::registry_password(&server);
                            let recorded = live_registry(&server);
                            let fp =
                                fingerprint::reconcile(&value, recorded.as_deref(), owner, &key);
                            secrets.insert(id, &key, value);
                            fp
                        });
                        RegistryAuth::Password {
                            username: registry.username.clone().unwrap_or_default(),
                            password: Sensitive { fingerprint },
                        }
                    }
                };
                Registry { server, auth }
            })
            .collect();
        registries.sort_by(|a, b| a.server.cmp(&b.server));
        Container {
            runtime: match container.runtime {
                spec::ContainerRuntime::Docker => Runtime::Docker,
                spec::ContainerRuntime::Cri => Runtime::Cri,
            },
            images: normalize_images(container.images.iter().cloned()),
            registries,
        }
    });
    let user_accounts = user_accounts(id, pool, have, owner, secret, secrets);
    PoolConfig {
        display_name: pool.display_name.clone().filter(|name| !name.is_empty()),
        vm_size: pool.vm_size.trim().to_ascii_lowercase(),
        node_agent_sku: pool.node_agent_sku.trim().to_ascii_lowercase(),
        image,
        task_slots_per_node: pool.task_slots_per_node,
        task_scheduling: match pool.task_scheduling {
            spec::TaskScheduling::Pack => NodeFill::Pack,
            _ => NodeFill::Spread,
        },
        inter_node_communication: pool.inter_node_communication,
        scale,
        container,
        start_task: pool.start_task.as_ref().map(|task| StartTask {
            command_line: task.command_line.clone(),
            identity: match (&task.user, task.elevated) {
                (Some(name), _) => TaskIdentity::User { name: name.clone() },
                (None, Some(true)) => TaskIdentity::Elevated,
                _ => TaskIdentity::AutoUser,
            },
            wait_for_success: task.wait_for_success,
            max_retries: task.max_retries,
            environment: task.environment.clone(),
        }),
        user_accounts,
        metadata: pool.metadata.clone(),
        protect: pool.protect,
    }
}

/// The pool's user accounts, with fingerprints of their password and private key.
fn user_accounts(
    id: &str,
    pool: &spec::Pool,
    have: Option<&LivePool>,
    owner: &str,
    secret: &dyn Fn(&str) -> Option<String>,
    secrets: &mut Secrets,
) -> BTreeMap<String, UserAccount> {
    pool.user_accounts
        .iter()
        .map(|(name, account)| {
            let live = have.and_then(|h| h.config.user_accounts.get(name));
            let at = format!("user_accounts.{}", path::key(name));
            let mut sensitive = |field: &str, key: String, recorded: Option<&str>| {
                let fingerprint = secret(&format!("{at}.{field}")).map(|value| {
                    let fp = fingerprint::reconcile(&value, recorded, owner, &key);
                    secrets.insert(id, &key, value);
                    fp
                });
                Sensitive { fingerprint }
            };
            let password = sensitive(
                "password",
                bookkeeping::account_password(name),
                live.and_then(|l| l.password.fingerprint.as_deref()),
            );
            let ssh_private_key = account.ssh_private_key.as_ref().map(|_| {
                let recorded = live
                    .and_then(|l| l.ssh_private_key.as_ref())
                    .and_then(|k| k.fingerprint.as_deref());
                sensitive(
                    "ssh_private_key",
                    bookkeeping::account_ssh_key(name),
                    recorded,
                )
            });
            // The service's default on Windows is `batch`; Linux accounts have no login mode.
            let login_mode = pool.is_windows().then_some(match account.login_mode {
                Some(spec::LoginMode::Interactive) => LoginMode::Interactive,
                _ => LoginMode::Batch,
            });
            let config = UserAccount {
                admin: account.admin,
                uid: account.uid,
                gid: account.gid,
                password,
                ssh_private_key,
                login_mode,
            };
            (name.clone(), config)
        })
        .collect()
}
