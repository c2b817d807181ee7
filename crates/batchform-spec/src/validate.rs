//! The rules a well-typed spec must still follow, checked offline: ids, exclusive options,
//! limits the service enforces, SSH keys, users, registries and reserved metadata.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::diagnostic::Diagnostic;
use super::duration::format as fmt_duration;
use super::endpoint::Endpoint;
use super::keys::check_openssh_public_key;
use super::model::{
    Account, Autoscale, Container, FixedScale, Image, Pool, StartTask, UpdateStrategy, User,
    UserAccount,
};
use super::path;
use super::shape::SpanIndex;
use super::source::Span;

/// Shortest resize timeout the service accepts.
pub const MIN_RESIZE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Shortest autoscale evaluation interval the service accepts.
pub const MIN_AUTOSCALE_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// Longest autoscale evaluation interval the service accepts.
pub const MAX_AUTOSCALE_INTERVAL: Duration = Duration::from_secs(168 * 3600);
/// Longest autoscale formula the service accepts, in characters.
pub const MAX_FORMULA_CHARS: usize = 8192;
/// Sanity bounds on fixed node counts: far above what an account's default quota allows, so a
/// count beyond them is almost surely a typo.
pub const MAX_DEDICATED: u32 = 2000;
/// See [`MAX_DEDICATED`].
pub const MAX_LOW_PRIORITY: u32 = 1000;
/// Metadata names under this prefix belong to batchform.
pub const RESERVED_PREFIX: &str = "batchform:";

/// Where to point, and where to collect.
struct Check<'a> {
    index: &'a SpanIndex,
    out: &'a mut Vec<Diagnostic>,
}

impl Check<'_> {
    fn key(&self, path: &str) -> Option<Span> {
        self.index.nearest(path).map(|s| s.key.clone())
    }

    fn value(&self, path: &str) -> Option<Span> {
        match self.index.get(path) {
            Some(spot) => Some(spot.value.clone()),
            None => self.key(path),
        }
    }

    fn written(&self, path: &str) -> bool {
        self.index.get(path).is_some()
    }

    /// An error about a value (the caret goes under the value).
    fn bad_value(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        let span = self.value(path);
        self.out
            .push(Diagnostic::error(message).at(span).path(path).hint(hint));
    }

    /// An error about a key or a table (the caret goes under the key).
    fn bad_key(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        let span = self.key(path);
        self.out
            .push(Diagnostic::error(message).at(span).path(path).hint(hint));
    }

    /// Two settings that exclude each other: point at the second, mention the first.
    fn exclusive(&mut self, first: &str, second: &str, message: String, hint: &str) {
        let diagnostic = Diagnostic::error(message)
            .at(self.key(second))
            .path(second)
            .hint(hint)
            .related(self.key(first), "conflicts with this");
        self.out.push(diagnostic);
    }

    fn warn_value(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        let span = self.value(path);
        self.out
            .push(Diagnostic::warning(message).at(span).path(path).hint(hint));
    }
}

/// Checks the account settings.
pub(crate) fn account(account: &Account, index: &SpanIndex, out: &mut Vec<Diagnostic>) {
    let mut check = Check { index, out };
    if let Some(endpoint) = &account.endpoint
        && let Err(err) = Endpoint::parse(endpoint)
    {
        check.bad_value("account.endpoint", err.message, err.hint);
    }
    if let Some(name) = &account.name {
        let ok = (3..=24).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !ok {
            check.bad_value(
                "account.name",
                format!("\"{name}\" is not a Batch account name"),
                "account names are 3-24 lowercase letters and digits, e.g. \"myaccount\"",
            );
        }
    }
    match &account.owner {
        None => check.bad_key("account", "`[account]` has no `owner`", OWNER_HINT),
        Some(owner) if owner.is_empty() => {
            check.bad_value("account.owner", "the owner id is empty", OWNER_HINT)
        }
        Some(owner) if owner.chars().count() > 64 => check.bad_value(
            "account.owner",
            format!("the owner id is {} characters long", owner.chars().count()),
            "owner ids are at most 64 characters",
        ),
        Some(owner) if owner.chars().any(char::is_whitespace) => check.bad_value(
            "account.owner",
            format!("the owner id \"{owner}\" contains whitespace"),
            format!(
                "use `-` or `_` instead, e.g. \"{}\"",
                owner.split_whitespace().collect::<Vec<_>>().join("-")
            ),
        ),
        Some(_) => {}
    }
}

/// `ignore_changes`: fields batchform can leave to someone else.
fn ignore_changes(check: &mut Check<'_>, pool: &Pool, at: &str) {
    let field = format!("{at}.ignore_changes");
    for entry in &pool.ignore_changes {
        match entry.strip_prefix("metadata.") {
            Some("") => check.bad_value(
                &field,
                "`metadata.` names no key",
                "write the key another actor owns, e.g. \"metadata.cost-center\"",
            ),
            Some(key) if pool.metadata.contains_key(key) => check.bad_value(
                &field,
                format!("metadata key `{key}` is both set by the spec and ignored"),
                "remove it from [metadata] to leave it to its owner, or from ignore_changes to manage it",
            ),
            Some(_) => {}
            None if entry == "scale" => {}
            None => check.bad_value(
                &field,
                format!("`{entry}` cannot be ignored"),
                "ignore_changes takes \"scale\" and \"metadata.<key>\"",
            ),
        }
    }
}

/// How to choose an owner id: it decides which pools this spec may change or delete.
pub const OWNER_HINT: &str = "add `owner = \"team-render\"` under [account]: a name for the team or repository whose pools these are, different for every spec that manages pools in the account (only pools carrying it are ever changed or deleted)";

/// Checks one pool.
pub(crate) fn pool(
    id: &str,
    pool: &Pool,
    index: &SpanIndex,
    now: DateTime<Utc>,
    out: &mut Vec<Diagnostic>,
) {
    let at = path::pool(id);
    ignore_changes(&mut Check { index, out }, pool, &at);
    let mut check = Check { index, out };
    pool_id(&mut check, id, &at);
    let field = |name: &str| format!("{at}.{name}");

    if let Some(name) = &pool.display_name
        && name.chars().count() > 1024
    {
        check.bad_value(
            &field("display_name"),
            format!(
                "the display name is {} characters long",
                name.chars().count()
            ),
            "display names are at most 1024 characters",
        );
    }
    if pool.vm_size.trim().is_empty() {
        check.bad_value(
            &field("vm_size"),
            "the VM size is empty",
            "name a VM size, e.g. \"standard_d2s_v3\"",
        );
    }
    let sku = pool.node_agent_sku.trim();
    if sku.is_empty() {
        check.bad_value(
            &field("node_agent_sku"),
            "the node agent SKU is empty",
            "name the node agent for the image, e.g. \"batch.node.ubuntu 22.04\"",
        );
    } else if !sku.to_ascii_lowercase().starts_with("batch.node.") {
        check.warn_value(
            &field("node_agent_sku"),
            format!("\"{sku}\" does not look like a node agent SKU"),
            "node agent SKUs start with `batch.node.`, e.g. \"batch.node.ubuntu 22.04\"",
        );
    }
    if pool.protect && pool.on_nonempty_update == UpdateStrategy::Recreate {
        check.exclusive(
            &field("protect"),
            &field("on_nonempty_update"),
            "a protected pool is never recreated, so it cannot use `on_nonempty_update = \"recreate\"`".to_owned(),
            "use \"drain\" or \"refuse\", or remove `protect = true`",
        );
    }
    image(&mut check, &pool.image, &field("image"));
    if !(1..=256).contains(&pool.task_slots_per_node) {
        check.bad_value(
            &field("task_slots_per_node"),
            format!(
                "task_slots_per_node is {}; it must be 1 to 256",
                pool.task_slots_per_node
            ),
            "the service allows 1 to 256 task slots per node (and at most 4 per vCPU)",
        );
    }
    match (&pool.scale, &pool.autoscale) {
        (Some(_), Some(_)) => check.exclusive(
            &field("scale"),
            &field("autoscale"),
            "a pool has fixed `scale` or `autoscale`, not both".to_owned(),
            "remove one of them",
        ),
        (None, None) => check.bad_key(
            &at,
            format!("pool `{id}` has neither `scale` nor `autoscale`"),
            "add fixed node counts, e.g. `scale = { dedicated = 2 }`, or an `autoscale` formula",
        ),
        (Some(scale), None) => fixed_scale(&mut check, scale, &field("scale")),
        (None, Some(auto)) => autoscale(&mut check, auto, &field("autoscale")),
    }
    if let Some(container) = &pool.container {
        self::container(&mut check, container, &field("container"));
    }
    user_accounts(&mut check, pool, &at);
    if let Some(task) = &pool.start_task {
        start_task(&mut check, task, &field("start_task"));
    }
    for (name, user) in &pool.users {
        let user_path = path::join(&field("users"), name);
        self::user(&mut check, name, user, &user_path, pool.is_windows(), now);
    }
    for (name, _) in pool.metadata.iter() {
        let name_path = path::join(&field("metadata"), name);
        if name.trim().is_empty() {
            check.bad_key(
                &name_path,
                "a metadata name is empty",
                "give every metadata entry a name",
            );
        } else if name.to_ascii_lowercase().starts_with(RESERVED_PREFIX) {
            // The prefix is ASCII, so its byte length is where the rest begins.
            let rest = name.get(RESERVED_PREFIX.len()..).unwrap_or_default();
            let suggestion = if rest.is_empty() { "team" } else { rest };
            check.bad_key(
                &name_path,
                format!("metadata name \"{name}\" is reserved"),
                format!(
                    "names starting with `{RESERVED_PREFIX}` hold batchform's own bookkeeping; choose another name, e.g. \"{suggestion}\""
                ),
            );
        }
    }
}

fn pool_id(check: &mut Check<'_>, id: &str, at: &str) {
    let length = id.chars().count();
    let valid_chars = id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if length == 0 || length > 64 || !valid_chars {
        let mut suggestion: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(64)
            .collect();
        if suggestion.trim_matches('-').is_empty() {
            suggestion = "render".to_owned();
        }
        check.bad_key(
            at,
            format!("\"{id}\" is not a valid pool id"),
            format!("pool ids are 1-64 letters, digits, `-` and `_`, e.g. [pools.{suggestion}]"),
        );
    }
}

fn image(check: &mut Check<'_>, image: &Image, at: &str) {
    let field = |name: &str| format!("{at}.{name}");
    let marketplace = [
        ("publisher", &image.publisher),
        ("offer", &image.offer),
        ("sku", &image.sku),
        ("version", &image.version),
    ];
    let given: Vec<&str> = marketplace
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(n, _)| *n)
        .collect();
    let example = "e.g. image = { publisher = \"canonical\", offer = \"0001-com-ubuntu-server-jammy\", sku = \"22_04-lts\" }";
    if let Some(id) = &image.virtual_machine_image_id {
        if let Some(first) = given.first() {
            check.exclusive(
                &field(first),
                &field("virtual_machine_image_id"),
                "an image is a marketplace image or a custom image (`virtual_machine_image_id`), not both".to_owned(),
                "remove `virtual_machine_image_id`, or the marketplace fields",
            );
        } else if !id.to_ascii_lowercase().starts_with("/subscriptions/")
            || !id
                .to_ascii_lowercase()
                .contains("/providers/microsoft.compute/")
        {
            check.bad_value(
                &field("virtual_machine_image_id"),
                "`virtual_machine_image_id` is not an Azure Compute image resource id",
                "write the ARM id, e.g. \"/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/galleries/<gallery>/images/<image>/versions/1.0.0\"",
            );
        }
        return;
    }
    if given.is_empty() {
        check.bad_key(
            at,
            "the image names neither a marketplace image nor a custom image",
            format!(
                "give `publisher`, `offer` and `sku`, or `virtual_machine_image_id`; {example}"
            ),
        );
        return;
    }
    let missing: Vec<String> = marketplace[..3]
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| format!("`{n}`"))
        .collect();
    if !missing.is_empty() {
        check.bad_key(
            at,
            format!("the marketplace image lacks {}", missing.join(" and ")),
            format!("a marketplace image needs `publisher`, `offer` and `sku`; {example}"),
        );
    }
    for (name, value) in marketplace {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            check.bad_value(
                &field(name),
                format!("the image `{name}` is empty"),
                example,
            );
        }
    }
}

fn fixed_scale(check: &mut Check<'_>, scale: &FixedScale, at: &str) {
    let field = |name: &str| format!("{at}.{name}");
    if scale.resize_timeout < MIN_RESIZE_TIMEOUT {
        check.bad_value(
            &field("resize_timeout"),
            format!(
                "resize_timeout is {}; the service requires at least 5m",
                fmt_duration(scale.resize_timeout)
            ),
            "use \"5m\" or more (the default is \"15m\")",
        );
    }
    if scale.dedicated > MAX_DEDICATED {
        check.bad_value(
            &field("dedicated"),
            format!("{} dedicated nodes is more than {MAX_DEDICATED}", scale.dedicated),
            format!(
                "batchform refuses more than {MAX_DEDICATED} dedicated nodes as a sanity bound (far beyond default quotas); is this a typo?"
            ),
        );
    }
    if scale.low_priority > MAX_LOW_PRIORITY {
        check.bad_value(
            &field("low_priority"),
            format!(
                "{} low-priority nodes is more than {MAX_LOW_PRIORITY}",
                scale.low_priority
            ),
            format!(
                "batchform refuses more than {MAX_LOW_PRIORITY} low-priority nodes as a sanity bound (far beyond default quotas); is this a typo?"
            ),
        );
    }
}

fn autoscale(check: &mut Check<'_>, auto: &Autoscale, at: &str) {
    let field = |name: &str| format!("{at}.{name}");
    let chars = auto.formula.chars().count();
    if auto.formula.trim().is_empty() {
        check.bad_value(
            &field("formula"),
            "the autoscale formula is empty",
            "e.g. formula = \"$TargetDedicatedNodes = min(10, $PendingTasks.GetSample(1));\"",
        );
    } else if chars > MAX_FORMULA_CHARS {
        check.bad_value(
            &field("formula"),
            format!("the autoscale formula is {chars} characters long"),
            format!("the service accepts formulas of at most {MAX_FORMULA_CHARS} characters"),
        );
    }
    if !(MIN_AUTOSCALE_INTERVAL..=MAX_AUTOSCALE_INTERVAL).contains(&auto.interval) {
        check.bad_value(
            &field("interval"),
            format!(
                "the autoscale interval is {}; it must be 5m to 168h",
                fmt_duration(auto.interval)
            ),
            "the service evaluates formulas every 5 minutes at most and every 168 hours at least",
        );
    }
}

fn container(check: &mut Check<'_>, container: &Container, at: &str) {
    let field = |name: &str| format!("{at}.{name}");
    let mut servers: Vec<(String, String)> = Vec::new();
    for (i, registry) in container.registries.iter().enumerate() {
        let reg = path::index(&field("registries"), i);
        let sub = |name: &str| format!("{reg}.{name}");
        let server = normalize_server(&registry.server);
        if server.is_empty() {
            check.bad_value(
                &sub("server"),
                "the registry server is empty",
                "e.g. server = \"myregistry.azurecr.io\"",
            );
        } else if let Some((_, first)) = servers.iter().find(|(s, _)| *s == server) {
            let diagnostic = Diagnostic::error(format!("registry `{server}` is listed twice"))
                .at(check.value(&sub("server")))
                .path(sub("server"))
                .hint("keep one entry per registry server")
                .related(check.value(first), "first listed here");
            check.out.push(diagnostic);
        } else {
            servers.push((server.clone(), sub("server")));
        }
        let with_password = registry.username.is_some() || registry.password.is_some();
        match (&registry.identity, with_password) {
            (Some(_), true) => {
                let first = if registry.username.is_some() {
                    sub("username")
                } else {
                    sub("password")
                };
                check.exclusive(
                    &first,
                    &sub("identity"),
                    "a registry signs in with `identity` or with `username` and `password`, not both".to_owned(),
                    "remove `identity`, or `username` and `password`",
                );
            }
            (Some(identity), false) => {
                let lower = identity.to_ascii_lowercase();
                if !lower.starts_with("/subscriptions/")
                    || !lower.contains("/providers/microsoft.managedidentity/userassignedidentities/")
                {
                    check.bad_value(
                        &sub("identity"),
                        "`identity` is not a user-assigned managed identity resource id",
                        "e.g. \"/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>\"",
                    );
                }
            }
            (None, true) => {
                if registry.username.is_none() {
                    check.bad_key(
                        &sub("password"),
                        "the registry has a `password` but no `username`",
                        "add username = \"...\"",
                    );
                } else if registry.password.is_none() {
                    check.bad_key(
                        &sub("username"),
                        "the registry has a `username` but no `password`",
                        format!("add password = {}", super::secret::EXAMPLE),
                    );
                }
                if registry.username.as_deref().is_some_and(|u| u.trim().is_empty()) {
                    check.bad_value(&sub("username"), "the registry username is empty", "give the user name to sign in with");
                }
            }
            (None, false) => check.bad_key(
                &reg,
                format!("registry `{server}` has no credentials"),
                format!(
                    "add username and password = {}, or identity = \"<managed identity id>\"; public images need no registry entry",
                    super::secret::EXAMPLE
                ),
            ),
        }
    }
    for (i, image) in container.images.iter().enumerate() {
        let image_path = path::index(&field("images"), i);
        if image.trim().is_empty() || image.chars().any(char::is_whitespace) {
            check.bad_value(
                &image_path,
                format!("\"{image}\" is not a container image reference"),
                "e.g. \"ubuntu:22.04\" or \"myregistry.azurecr.io/app:1.2\"",
            );
            continue;
        }
        if let Some(host) = private_registry(image)
            && !servers.iter().any(|(s, _)| *s == host)
        {
            check.warn_value(
                &image_path,
                format!("no registry entry covers `{host}`, where \"{image}\" comes from"),
                format!(
                    "prefetching a private image needs credentials: add [[{}]] with server = \"{host}\"",
                    field("registries")
                ),
            );
        }
    }
}

/// The registry host of an image reference, if it is not Docker Hub: the first path component
/// names a host when it has a `.` or `:` or is `localhost` (Docker's own rule).
pub(crate) fn private_registry(image: &str) -> Option<String> {
    let (first, _) = image.split_once('/')?;
    let is_host = first.contains('.') || first.contains(':') || first == "localhost";
    let host = first.to_ascii_lowercase();
    let docker_hub = matches!(
        host.as_str(),
        "docker.io" | "index.docker.io" | "registry-1.docker.io"
    );
    (is_host && !docker_hub).then_some(host)
}

fn normalize_server(server: &str) -> String {
    let server = server.trim().to_ascii_lowercase();
    let server = server
        .strip_prefix("https://")
        .or_else(|| server.strip_prefix("http://"))
        .unwrap_or(&server);
    server.trim_end_matches('/').to_owned()
}

fn start_task(check: &mut Check<'_>, task: &StartTask, at: &str) {
    let field = |name: &str| format!("{at}.{name}");
    if task.command_line.trim().is_empty() {
        check.bad_value(
            &field("command_line"),
            "the start task's command line is empty",
            "e.g. command_line = \"/bin/bash -c 'apt-get update'\"",
        );
    }
    if task.elevated.is_some() && task.user.is_some() {
        check.exclusive(
            &field("elevated"),
            &field("user"),
            "a start task runs `elevated` or as a named `user`, not both".to_owned(),
            "remove `elevated`, or `user`",
        );
    }
    if let Some(user) = &task.user
        && user.trim().is_empty()
    {
        check.bad_value(
            &field("user"),
            "the start task's user name is empty",
            "name the user account, or use `elevated = true` for the automatic admin user",
        );
    }
    if task.max_retries < -1 {
        check.bad_value(
            &field("max_retries"),
            format!("max_retries is {}", task.max_retries),
            "use 0 or more, or -1 to retry without limit",
        );
    }
    for name in task.environment.keys() {
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            check.bad_key(
                &path::join(&field("environment"), name),
                format!("\"{name}\" is not an environment variable name"),
                "names are non-empty and contain no `=`",
            );
        }
    }
}

/// The pool's user accounts, and the start task's user among them.
fn user_accounts(check: &mut Check<'_>, pool: &Pool, at: &str) {
    let field = |name: &str| format!("{at}.{name}");
    let mut seen: Vec<&str> = Vec::new();
    for (name, account) in &pool.user_accounts {
        let account_path = path::join(&field("user_accounts"), name);
        if let Some(first) = seen.iter().find(|seen| seen.eq_ignore_ascii_case(name)) {
            check.bad_key(
                &account_path,
                format!("user account \"{name}\" differs from \"{first}\" only in case"),
                "the service compares account names ignoring case; keep one of them",
            );
        }
        seen.push(name);
        user_account(check, name, account, &account_path, pool.is_windows());
    }
    let Some(task) = &pool.start_task else {
        return;
    };
    // With `elevated` too, the conflict is already reported; one error is enough.
    if let Some(user) = task.user.as_deref().filter(|u| !u.trim().is_empty())
        && task.elevated.is_none()
        && !seen.iter().any(|name| name.eq_ignore_ascii_case(user))
    {
        let hint = match super::hint::did_you_mean(user, seen.iter().copied()) {
            Some(close) => format!("did you mean \"{close}\"?"),
            None => format!(
                "define it as [{}] with password = {{ env = \"...\" }}, or use `elevated = true` for the automatic admin user",
                path::join(&field("user_accounts"), user)
            ),
        };
        check.bad_value(
            &field("start_task.user"),
            format!(
                "the start task runs as \"{user}\", which is not one of the pool's `user_accounts`"
            ),
            hint,
        );
    }
}

fn user_account(check: &mut Check<'_>, name: &str, account: &UserAccount, at: &str, windows: bool) {
    user_name(check, name, at, "user account names");
    let field = |name: &str| format!("{at}.{name}");
    if windows && account.ssh_private_key.is_some() {
        check.bad_key(
            &field("ssh_private_key"),
            "`ssh_private_key` is for Linux node agents only; this pool runs a Windows one",
            "remove `ssh_private_key`",
        );
    }
    if !windows && account.login_mode.is_some() {
        check.bad_key(
            &field("login_mode"),
            "`login_mode` is for Windows node agents only; this pool runs a Linux one",
            "remove `login_mode`",
        );
    }
    for (id, given, other) in [("uid", account.uid, "gid"), ("gid", account.gid, "uid")] {
        if given.is_none() {
            continue;
        }
        if windows {
            check.bad_key(
                &field(id),
                format!("`{id}` is for Linux node agents only; this pool runs a Windows one"),
                format!("remove `{id}`"),
            );
        } else if account.uid.is_none() || account.gid.is_none() {
            check.bad_key(
                &field(id),
                format!("user account `{name}` has `{id}` but no `{other}`"),
                "give `uid` and `gid` together, or neither",
            );
        }
    }
}

/// A user name as the service accepts it: 1-20 characters, none it forbids.
fn user_name(check: &mut Check<'_>, name: &str, at: &str, what: &str) {
    let length = name.chars().count();
    if length == 0 || length > 20 {
        check.bad_key(
            at,
            format!("user name \"{name}\" is {length} characters long"),
            format!("{what} are 1-20 characters"),
        );
    } else if name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || BAD_USER_CHARS.contains(&c))
    {
        check.bad_key(
            at,
            format!("user name \"{name}\" contains characters the service does not allow"),
            "use letters, digits, `.`, `-` and `_`",
        );
    } else if name.chars().all(|c| c == '.') {
        // `.` and `..` are path segments to every HTTP client: the user could be added but
        // never replaced or deleted.
        check.bad_key(
            at,
            format!("user name \"{name}\" is only dots"),
            "use letters or digits too, e.g. \"alice\"",
        );
    }
}

/// The longest rolling validity: beyond it, expiry times leave the calendar.
const MAX_VALID_FOR: std::time::Duration = std::time::Duration::from_secs(100 * 365 * 86_400);

/// Characters Windows does not allow in user names (Linux is stricter still about some).
const BAD_USER_CHARS: &[char] = &[
    '"', '/', '\\', '[', ']', ':', ';', '|', '=', ',', '+', '*', '?', '<', '>', '@',
];

fn user(
    check: &mut Check<'_>,
    name: &str,
    user: &User,
    at: &str,
    windows: bool,
    now: DateTime<Utc>,
) {
    let field = |name: &str| format!("{at}.{name}");
    user_name(check, name, at, "node user names");
    if let Some(key) = &user.ssh_public_key {
        if windows {
            check.bad_key(
                &field("ssh_public_key"),
                "SSH public keys are for Linux node agents only; this pool runs a Windows one",
                "give the user a `password` instead, e.g. password = { env = \"ALICE_PASSWORD\" }",
            );
        } else if key.file.is_none() || !key.key.is_empty() {
            // A key file that could not be read was reported when it was read.
            if let Err(err) = check_openssh_public_key(&key.key) {
                check.bad_value(&field("ssh_public_key"), err.message, err.hint);
            }
        }
    }
    if windows && user.password.is_none() {
        check.bad_key(
            at,
            format!("user `{name}` on a Windows pool needs a `password`"),
            "add password = { env = \"ALICE_PASSWORD\" }",
        );
    } else if user.password.is_none() && user.ssh_public_key.is_none() {
        check.bad_key(
            at,
            format!("user `{name}` has neither a `password` nor an `ssh_public_key`"),
            "add ssh_public_key = \"ssh-ed25519 AAAA...\" or password = { env = \"ALICE_PASSWORD\" }",
        );
    }
    match (user.expires, user.valid_for) {
        (Some(_), Some(_)) => check.exclusive(
            &field("expires"),
            &field("valid_for"),
            "a user has an absolute `expires` time or a rolling `valid_for`, not both".to_owned(),
            "remove one of them",
        ),
        (Some(expires), None) => {
            if expires <= now {
                check.bad_value(
                    &field("expires"),
                    format!(
                        "user `{name}` expired at {}",
                        expires.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                    ),
                    "use a time in the future, or valid_for = \"7d\" for a validity batchform renews",
                );
            }
            if user.renew_before.is_some() {
                check.exclusive(
                    &field("expires"),
                    &field("renew_before"),
                    "`renew_before` goes with `valid_for`, not with a fixed `expires`".to_owned(),
                    "remove `renew_before`, or use `valid_for` instead of `expires`",
                );
            }
        }
        (None, _) => {
            let expiry = user.expiry();
            if let super::expiry::Expiry::Rolling {
                valid_for,
                renew_before,
            } = expiry
            {
                if valid_for.is_zero() {
                    check.bad_value(
                        &field("valid_for"),
                        "valid_for is zero",
                        "e.g. valid_for = \"7d\"",
                    );
                } else if valid_for > MAX_VALID_FOR {
                    check.bad_value(
                        &field("valid_for"),
                        format!(
                            "valid_for ({}) is more than 100 years",
                            fmt_duration(valid_for)
                        ),
                        "e.g. valid_for = \"7d\" with renew_before = \"1d\"",
                    );
                } else if renew_before >= valid_for {
                    let path = if check.written(&field("renew_before")) {
                        field("renew_before")
                    } else {
                        field("valid_for")
                    };
                    check.bad_value(
                        &path,
                        format!(
                            "renew_before ({}) must be shorter than valid_for ({})",
                            fmt_duration(renew_before),
                            fmt_duration(valid_for)
                        ),
                        "e.g. valid_for = \"7d\" with renew_before = \"1d\"",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_registries_are_recognized_like_docker_does() {
        assert_eq!(private_registry("ubuntu:22.04"), None);
        assert_eq!(private_registry("library/ubuntu"), None);
        assert_eq!(private_registry("docker.io/library/ubuntu"), None);
        assert_eq!(
            private_registry("myregistry.azurecr.io/app:1.2").as_deref(),
            Some("myregistry.azurecr.io")
        );
        assert_eq!(
            private_registry("localhost:5000/app").as_deref(),
            Some("localhost:5000")
        );
        assert_eq!(
            private_registry("localhost/app").as_deref(),
            Some("localhost")
        );
    }

    #[test]
    fn registry_servers_compare_without_scheme_or_case() {
        assert_eq!(
            normalize_server("https://MyRegistry.azurecr.io/"),
            "myregistry.azurecr.io"
        );
    }
}
