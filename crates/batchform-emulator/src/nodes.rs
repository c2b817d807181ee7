//! Compute node operations: list, get, remote login settings, reboot, reimage, and node
//! login users (create, replace, delete). Users exist only on `idle` and `running` nodes.

use chrono::TimeDelta;
use http::StatusCode;
use serde_json::Value;

use super::catalog;
use super::errors::ApiError;
use super::exchange::{Call, Reply};
use super::lifecycle::{self, Env};
use super::odata::{NODE_PROPERTIES, apply_select, options};
use super::state::{NodeRecord, NodeUser, PoolRecord, State};
use batchform_batch::wire::{
    self, NodeState, NodeUserCreate, NodeUserReplace, OsType, RemoteLoginSettings, Timestamp,
};

/// Expiry of a node user when the request gives none.
const DEFAULT_USER_LIFETIME: TimeDelta = TimeDelta::days(1);

fn pool<'a>(st: &'a mut State, id: &str) -> Result<&'a mut PoolRecord, ApiError> {
    st.pool_mut(id).ok_or_else(ApiError::pool_not_found)
}

/// The pool of a node-level write: any write to a deleting pool is `PoolBeingDeleted`.
fn pool_for_write<'a>(st: &'a mut State, id: &str) -> Result<&'a mut PoolRecord, ApiError> {
    let pool = pool(st, id)?;
    if pool.is_deleting() {
        return Err(ApiError::pool_being_deleted());
    }
    Ok(pool)
}

fn node_index(pool: &PoolRecord, id: &str) -> Result<usize, ApiError> {
    pool.nodes
        .iter()
        .position(|n| n.id().eq_ignore_ascii_case(id))
        .ok_or_else(ApiError::node_not_found)
}

fn render(pool: &PoolRecord, node: &NodeRecord, call: &Call) -> Value {
    let mut shown = node.node.clone();
    shown.url = Some(format!(
        "{}/pools/{}/nodes/{}",
        call.endpoint,
        pool.id(),
        node.id()
    ));
    if let Some(task) = shown.start_task.as_mut() {
        super::pools::strip_task_secrets(task);
    }
    if node.state() == NodeState::StartTaskFailed {
        shown.errors = Some(vec![wire::NodeError {
            code: Some("StartTaskFailed".into()),
            message: Some("The start task failed; the node will not run tasks until it is rebooted or reimaged.".into()),
            error_details: None,
        }]);
    }
    serde_json::to_value(shown).unwrap_or(Value::Null)
}

/// `GET /pools/{id}/nodes`.
pub fn list(call: &Call, st: &mut State, pool_id: &str) -> Result<Reply, ApiError> {
    let filter = options::filter(call)?;
    let select = options::select(call, NODE_PROPERTIES)?;
    options::max_results(call)?;
    let pool = pool(st, pool_id)?;
    let mut items: Vec<(String, Value)> = pool
        .nodes
        .iter()
        .map(|n| (format!("{:020}", n.seq), render(pool, n, call)))
        .filter(|(_, v)| filter.as_ref().is_none_or(|f| f.matches(v)))
        .collect();
    if let Some(select) = &select {
        for (_, v) in &mut items {
            if let Value::Object(map) = v {
                apply_select(map, select);
            }
        }
    }
    let set = "pools/@Element/nodes".to_string();
    Ok(Reply::json(
        StatusCode::OK,
        &options::page(call, &set, items)?,
    ))
}

/// `GET /pools/{id}/nodes/{node}`.
pub fn get(call: &Call, st: &mut State, pool_id: &str, node_id: &str) -> Result<Reply, ApiError> {
    let select = options::select(call, NODE_PROPERTIES)?;
    let pool = pool(st, pool_id)?;
    let i = node_index(pool, node_id)?;
    let mut value = render(pool, &pool.nodes[i], call);
    if let Value::Object(map) = &mut value {
        if let Some(select) = &select {
            apply_select(map, select);
        }
        map.insert(
            "odata.metadata".into(),
            Value::String(format!(
                "{}/$metadata#pools/@Element/nodes/@Element",
                call.endpoint
            )),
        );
    }
    Ok(Reply::json(StatusCode::OK, &value))
}

/// `GET /pools/{id}/nodes/{node}/remoteloginsettings`.
///
/// Inferred: a node still `creating` has no login endpoint yet (409 `NodeBeingCreated`).
pub fn remote_login(st: &mut State, pool_id: &str, node_id: &str) -> Result<Reply, ApiError> {
    let pool = pool(st, pool_id)?;
    let i = node_index(pool, node_id)?;
    let node = &pool.nodes[i];
    if node.state() == NodeState::Creating {
        return Err(state_error(&node.state()));
    }
    let settings = RemoteLoginSettings {
        // A documentation address (RFC 5737): realistic, and never routable.
        remote_login_ip_address: "203.0.113.10".to_string(),
        remote_login_port: 50000 + i32::try_from(i).unwrap_or(0),
        ipv6_remote_login_ip_address: None,
        ipv6_remote_login_port: None,
    };
    Ok(Reply::json(StatusCode::OK, &settings))
}

/// The refusal for an operation the node's state does not allow.
///
/// Inferred: the state-specific codes from the service's catalog (`NodeBeingCreated`,
/// `NodeBeingStarted`, `NodeBeingRebooted`, `NodeBeingReimaged`, `NodeStateUnusable`), all
/// 409, and `OperationInvalidForCurrentState` for the other states.
fn state_error(state: &NodeState) -> ApiError {
    let (code, message) = match state {
        NodeState::Creating => ("NodeBeingCreated", "The specified node is being created."),
        NodeState::Starting | NodeState::WaitingForStartTask => {
            ("NodeBeingStarted", "The specified node is being started.")
        }
        NodeState::Rebooting => ("NodeBeingRebooted", "The specified node is being rebooted."),
        NodeState::Reimaging => ("NodeBeingReimaged", "The specified node is being reimaged."),
        NodeState::Unusable => ("NodeStateUnusable", "The specified node is unusable."),
        _ => (
            "OperationInvalidForCurrentState",
            "The operation is not valid for the node's current state.",
        ),
    };
    ApiError::new(StatusCode::CONFLICT, code, message).with("NodeState", state.as_str())
}

fn ready_for_users(node: &NodeRecord) -> Result<(), ApiError> {
    if node.state().accepts_users() {
        Ok(())
    } else {
        Err(state_error(&node.state()))
    }
}

fn pool_os(pool: &PoolRecord) -> OsType {
    let Some(vm) = &pool.pool.virtual_machine_configuration else {
        return OsType::Linux;
    };
    let image = &vm.image_reference;
    catalog::find(
        image.publisher.as_deref().unwrap_or(""),
        image.offer.as_deref().unwrap_or(""),
        image.sku.as_deref().unwrap_or(""),
    )
    .map(|m| m.image.os_type)
    .or_else(|| catalog::known_agent(&vm.node_agent_sku_id))
    .unwrap_or(OsType::Linux)
}

/// Credentials and expiry shared by create and replace.
///
/// Inferred: on Linux at least one of password and SSH key is required, and an expiry in the
/// past is refused.
fn check_credentials(
    os: &OsType,
    password: Option<&str>,
    ssh_key: Option<&str>,
    expiry: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), ApiError> {
    let password = password.filter(|p| !p.is_empty());
    let ssh_key = ssh_key.filter(|k| !k.trim().is_empty());
    match os {
        OsType::Windows => {
            if let Some(key) = ssh_key {
                return Err(ApiError::invalid_property(
                    "sshPublicKey",
                    key.chars().take(16).collect::<String>(),
                    "An SSH public key can be specified only for Linux nodes.",
                ));
            }
            if password.is_none() {
                return Err(ApiError::missing_property("password"));
            }
        }
        _ if password.is_none() && ssh_key.is_none() => {
            return Err(ApiError::missing_property("sshPublicKey"));
        }
        _ => {}
    }
    if let Some(expiry) = expiry
        && expiry <= now
    {
        return Err(ApiError::invalid_property(
            "expiryTime",
            expiry.to_rfc3339(),
            "The expiry time must be in the future.",
        ));
    }
    Ok(())
}

fn user_url(call: &Call, pool: &str, node: &str, user: &str) -> String {
    format!("{}/pools/{pool}/nodes/{node}/users/{user}", call.endpoint)
}

/// `POST /pools/{id}/nodes/{node}/users`.
pub fn create_user(
    call: &Call,
    st: &mut State,
    now: Timestamp,
    pool_id: &str,
    node_id: &str,
) -> Result<Reply, ApiError> {
    let body: NodeUserCreate = call.json()?;
    let pool = pool_for_write(st, pool_id)?;
    let os = pool_os(pool);
    let i = node_index(pool, node_id)?;
    if body.name.trim().is_empty() {
        return Err(ApiError::missing_property("name"));
    }
    check_credentials(
        &os,
        body.password.as_deref(),
        body.ssh_public_key.as_deref(),
        body.expiry_time,
        now,
    )?;
    let (pool_name, node) = (pool.id().to_string(), &mut pool.nodes[i]);
    ready_for_users(node)?;
    if node.user(&body.name).is_some() {
        return Err(ApiError::node_user_exists());
    }
    node.users.push(NodeUser {
        name: body.name.clone(),
        is_admin: body.is_admin.unwrap_or(false),
        expiry_time: body.expiry_time.unwrap_or(now + DEFAULT_USER_LIFETIME),
        ssh_public_key: body.ssh_public_key.filter(|k| !k.trim().is_empty()),
        has_password: body.password.is_some_and(|p| !p.is_empty()),
    });
    let url = user_url(call, &pool_name, node.id(), &body.name);
    Ok(Reply::empty(StatusCode::CREATED).header("dataserviceid", &url))
}

/// `PUT /pools/{id}/nodes/{node}/users/{name}`: a full replace; whatever is omitted is
/// removed (password, key) or reset (expiry: one day from now).
pub fn replace_user(
    call: &Call,
    st: &mut State,
    now: Timestamp,
    pool_id: &str,
    node_id: &str,
    name: &str,
) -> Result<Reply, ApiError> {
    let body: NodeUserReplace = call.json()?;
    let pool = pool_for_write(st, pool_id)?;
    let os = pool_os(pool);
    let i = node_index(pool, node_id)?;
    check_credentials(
        &os,
        body.password.as_deref(),
        body.ssh_public_key.as_deref(),
        body.expiry_time,
        now,
    )?;
    let (pool_name, node) = (pool.id().to_string(), &mut pool.nodes[i]);
    ready_for_users(node)?;
    let node_name = node.id().to_string();
    let user = node
        .users
        .iter_mut()
        .find(|u| u.name.eq_ignore_ascii_case(name))
        .ok_or_else(ApiError::node_user_not_found)?;
    user.expiry_time = body.expiry_time.unwrap_or(now + DEFAULT_USER_LIFETIME);
    user.ssh_public_key = body.ssh_public_key.filter(|k| !k.trim().is_empty());
    user.has_password = body.password.is_some_and(|p| !p.is_empty());
    let url = user_url(call, &pool_name, &node_name, &user.name);
    Ok(Reply::empty(StatusCode::OK).header("dataserviceid", &url))
}

/// `DELETE /pools/{id}/nodes/{node}/users/{name}`.
pub fn delete_user(
    st: &mut State,
    pool_id: &str,
    node_id: &str,
    name: &str,
) -> Result<Reply, ApiError> {
    let pool = pool_for_write(st, pool_id)?;
    let i = node_index(pool, node_id)?;
    let node = &mut pool.nodes[i];
    ready_for_users(node)?;
    let before = node.users.len();
    node.users.retain(|u| !u.name.eq_ignore_ascii_case(name));
    if node.users.len() == before {
        return Err(ApiError::node_user_not_found());
    }
    Ok(Reply::empty(StatusCode::OK))
}

/// `POST /pools/{id}/nodes/{node}/reboot` and `.../reimage`: only on `idle` or `running`
/// nodes (and, inferred, `starttaskfailed` and `unusable` ones, which a restart is for).
pub fn restart(
    env: Env<'_>,
    call: &Call,
    st: &mut State,
    now: Timestamp,
    pool_id: &str,
    node_id: &str,
    reimage: bool,
) -> Result<Reply, ApiError> {
    let option = if call.body.iter().all(u8::is_ascii_whitespace) {
        None
    } else if reimage {
        call.json::<wire::NodeReimage>()?.node_reimage_option
    } else {
        call.json::<wire::NodeReboot>()?.node_reboot_option
    };
    if let Some(option) = option.filter(|o| o.is_other()) {
        let name = if reimage {
            "nodeReimageOption"
        } else {
            "nodeRebootOption"
        };
        return Err(ApiError::invalid_property(
            name,
            option.as_str(),
            "The value is not one the service accepts.",
        ));
    }
    let pool = pool_for_write(st, pool_id)?;
    let i = node_index(pool, node_id)?;
    let node = &mut pool.nodes[i];
    let allowed = matches!(
        node.state(),
        NodeState::Idle | NodeState::Running | NodeState::StartTaskFailed | NodeState::Unusable
    );
    if !allowed {
        return Err(state_error(&node.state()));
    }
    lifecycle::restart_node(node, reimage, now, env.timings);
    let url = format!(
        "{}/pools/{}/nodes/{}",
        call.endpoint,
        pool.id(),
        pool.nodes[i].id()
    );
    Ok(Reply::empty(StatusCode::ACCEPTED).header("dataserviceid", &url))
}
