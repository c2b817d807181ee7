//! A live pool written back as spec TOML (`batchform export`): every field batchform manages,
//! in the spec's own form, with each write-only value as an `{ env = ... }` reference and a
//! comment saying what it needs, since the service never tells those values back.

use std::fmt::Write;

use batchform_plan::config::{
    Image, LoginMode, NodeFill, PoolConfig, RegistryAuth, Runtime, Scale, TaskIdentity,
};

/// A TOML string (basic strings escape as JSON strings do).
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// A key, quoted when TOML needs it.
fn key(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        text.to_string()
    } else {
        quote(text)
    }
}

/// Environment variable names handed out in one export, so no two secrets share one.
#[derive(Debug, Default)]
pub struct Names(std::collections::BTreeSet<String>);

impl Names {
    /// A name for a secret: `POOL_WHAT`, upper case, `_` for the rest, never starting with a
    /// digit (a shell could not set it), and `_2`, `_3`, ... when another secret has it.
    pub fn env(&mut self, pool: &str, what: &str) -> String {
        let mut base: String = format!("{pool}_{what}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        if base.starts_with(|c: char| c.is_ascii_digit()) {
            base.insert_str(0, "POOL_");
        }
        let mut name = base.clone();
        let mut n = 1;
        while !self.0.insert(name.clone()) {
            n += 1;
            name = format!("{base}_{n}");
        }
        name
    }
}

fn duration(d: std::time::Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// The `[account]` table and the `#:schema` line that open an exported spec.
pub fn header(owner: &str, endpoint: &str) -> String {
    let mut out = String::from("#:schema batchform.schema.json\n");
    out.push_str(
        "# Written by `batchform export`: the pools as the account has them. The schema the first\n\
         # line names is `batchform schema > batchform.schema.json`. Node login users cannot be\n\
         # read back from the service; add them under [pools.<id>.users].\n\n",
    );
    out.push_str("[account]\n");
    let _ = writeln!(out, "endpoint = {}", quote(endpoint));
    let _ = writeln!(out, "owner = {}", quote(owner));
    out
}

/// One pool as spec TOML. `adopt`: the pool has no owner yet, so the spec takes it over.
pub fn pool(id: &str, config: &PoolConfig, adopt: bool, names: &mut Names) -> String {
    let at = format!("pools.{}", key(id));
    let mut out = String::new();
    let _ = writeln!(out, "\n[{at}]");
    if adopt {
        out.push_str("adopt = true  # no owner yet: applying this spec takes the pool over\n");
    }
    if let Some(name) = &config.display_name {
        let _ = writeln!(out, "display_name = {}", quote(name));
    }
    let _ = writeln!(out, "vm_size = {}", quote(&config.vm_size));
    let _ = writeln!(out, "node_agent_sku = {}", quote(&config.node_agent_sku));
    if config.task_slots_per_node != 1 {
        let _ = writeln!(out, "task_slots_per_node = {}", config.task_slots_per_node);
    }
    if config.task_scheduling == NodeFill::Pack {
        out.push_str("task_scheduling = \"pack\"\n");
    }
    if config.inter_node_communication {
        out.push_str("inter_node_communication = true\n");
    }
    if config.protect {
        out.push_str("protect = true\n");
    }
    let _ = writeln!(out, "\n[{at}.image]");
    match &config.image {
        Image::Marketplace {
            publisher,
            offer,
            sku,
            version,
        } => {
            let _ = writeln!(out, "publisher = {}", quote(publisher));
            let _ = writeln!(out, "offer = {}", quote(offer));
            let _ = writeln!(out, "sku = {}", quote(sku));
            if version != batchform_plan::config::DEFAULT_IMAGE_VERSION {
                let _ = writeln!(out, "version = {}", quote(version));
            }
        }
        Image::Custom {
            virtual_machine_image_id,
        } => {
            let _ = writeln!(
                out,
                "virtual_machine_image_id = {}",
                quote(virtual_machine_image_id)
            );
        }
    }
    match &config.scale {
        Scale::Fixed {
            dedicated,
            low_priority,
            resize_timeout,
        } => {
            let _ = writeln!(out, "\n[{at}.scale]\ndedicated = {dedicated}");
            if *low_priority > 0 {
                let _ = writeln!(out, "low_priority = {low_priority}");
            }
            if *resize_timeout != batchform_plan::config::DEFAULT_RESIZE_TIMEOUT {
                let _ = writeln!(
                    out,
                    "resize_timeout = {}",
                    quote(&duration(*resize_timeout))
                );
            }
        }
        Scale::Auto { formula, interval } => {
            let _ = writeln!(out, "\n[{at}.autoscale]");
            let _ = writeln!(out, "interval = {}", quote(&duration(*interval)));
            let _ = writeln!(out, "formula = {}", quote(formula));
        }
    }
    if let Some(container) = &config.container {
        let _ = writeln!(out, "\n[{at}.container]");
        if container.runtime == Runtime::Cri {
            out.push_str("runtime = \"cri\"\n");
        }
        let images: Vec<String> = container.images.iter().map(|i| quote(i)).collect();
        let _ = writeln!(out, "images = [{}]", images.join(", "));
        for registry in &container.registries {
            let _ = writeln!(out, "\n[[{at}.container.registries]]");
            let _ = writeln!(out, "server = {}", quote(&registry.server));
            match &registry.auth {
                RegistryAuth::Password { username, .. } => {
                    let _ = writeln!(out, "username = {}", quote(username));
                    let var = names.env(id, &format!("registry_{}_password", registry.server));
                    // Values in comments are quoted too: a newline in one must not end it.
                    let _ = writeln!(
                        out,
                        "password = {{ env = {} }}  # the password of registry {} for {}",
                        quote(&var),
                        quote(&registry.server),
                        quote(username)
                    );
                }
                RegistryAuth::Identity { resource_id } => {
                    let _ = writeln!(out, "identity = {}", quote(resource_id));
                }
            }
        }
    }
    if let Some(task) = &config.start_task {
        let _ = writeln!(out, "\n[{at}.start_task]");
        let _ = writeln!(out, "command_line = {}", quote(&task.command_line));
        match &task.identity {
            TaskIdentity::AutoUser => {}
            TaskIdentity::Elevated => out.push_str("elevated = true\n"),
            TaskIdentity::User { name } => {
                let _ = writeln!(out, "user = {}", quote(name));
            }
        }
        if !task.wait_for_success {
            out.push_str("wait_for_success = false\n");
        }
        if task.max_retries != 0 {
            let _ = writeln!(out, "max_retries = {}", task.max_retries);
        }
        if !task.environment.is_empty() {
            let _ = writeln!(out, "\n[{at}.start_task.environment]");
            for (name, value) in &task.environment {
                let _ = writeln!(out, "{} = {}", key(name), quote(value));
            }
        }
    }
    for (name, account) in &config.user_accounts {
        let _ = writeln!(out, "\n[{at}.user_accounts.{}]", key(name));
        let var = names.env(id, &format!("{name}_password"));
        let _ = writeln!(
            out,
            "password = {{ env = {} }}  # the password of user account {}",
            quote(&var),
            quote(name)
        );
        if account.admin {
            out.push_str("admin = true\n");
        }
        if let (Some(uid), Some(gid)) = (account.uid, account.gid) {
            let _ = writeln!(out, "uid = {uid}\ngid = {gid}");
        }
        if account.ssh_private_key.is_some() {
            let var = names.env(id, &format!("{name}_ssh_private_key"));
            let _ = writeln!(
                out,
                "ssh_private_key = {{ env = {} }}  # the private SSH key of user account {}",
                quote(&var),
                quote(name)
            );
        }
        if account.login_mode == Some(LoginMode::Interactive) {
            out.push_str("login_mode = \"interactive\"\n");
        }
    }
    if !config.metadata.is_empty() {
        let _ = writeln!(out, "\n[{at}.metadata]");
        for (name, value) in &config.metadata {
            let _ = writeln!(out, "{} = {}", key(name), quote(value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_in_comments_cannot_end_them() {
        let mut config = batchform_plan::config::PoolConfig {
            display_name: None,
            vm_size: "standard_d2s_v3".into(),
            node_agent_sku: "batch.node.ubuntu 22.04".into(),
            image: Image::Custom {
                virtual_machine_image_id: "/subscriptions/x/images/y".into(),
            },
            task_slots_per_node: 1,
            task_scheduling: NodeFill::Spread,
            inter_node_communication: false,
            scale: Scale::Fixed {
                dedicated: 0,
                low_priority: 0,
                resize_timeout: batchform_plan::config::DEFAULT_RESIZE_TIMEOUT,
            },
            container: None,
            start_task: None,
            user_accounts: Default::default(),
            metadata: Default::default(),
            protect: false,
        };
        config.container = Some(batchform_plan::config::Container {
            runtime: Runtime::Docker,
            images: vec![],
            registries: vec![batchform_plan::config::Registry {
                server: "a.io".into(),
                auth: RegistryAuth::Password {
                    username: "u\n[pools.evil.start_task]\ncommand_line = \"x\"".into(),
                    password: batchform_plan::config::Sensitive { fingerprint: None },
                },
            }],
        });
        let text = pool("p", &config, true, &mut Names::default());
        assert!(!text.contains("\n[pools.evil"), "{text}");
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        assert!(parsed["pools"].get("evil").is_none());
    }

    #[test]
    fn env_names_are_settable_and_never_shared() {
        let mut names = Names::default();
        assert_eq!(names.env("9p", "x_password"), "POOL_9P_X_PASSWORD");
        assert_eq!(names.env("a-b", "x"), "A_B_X");
        assert_eq!(names.env("a_b", "x"), "A_B_X_2");
    }
}
