//! Pool operations: create, list, get, exists, delete, patch, replace properties, resize,
//! stop resize, enable/disable/evaluate autoscale, remove nodes.

use http::StatusCode;
use serde_json::{Value, json};

use super::autoscale;
use super::conditions::{self, Access};
use super::errors::ApiError;
use super::exchange::{Call, Reply};
use super::lifecycle::{self, DEFAULT_AUTOSCALE_INTERVAL, Env};
use super::odata::{POOL_PROPERTIES, apply_select, options};
use super::state::{PoolRecord, State};
use super::validate;
use batchform_batch::wire::{
    self, AllocationState, IsoDuration, NodeDeallocationOption, NodeFillType, PoolCreate,
    PoolEnableAutoScale, PoolEvaluateAutoScale, PoolReplaceProperties, PoolResize, PoolState,
    PoolUpdate, TaskSchedulingPolicy, Timestamp,
};

/// The service's default resize timeout.
const DEFAULT_RESIZE_TIMEOUT: IsoDuration = IsoDuration(std::time::Duration::from_secs(15 * 60));

/// Calls to enable autoscale on one pool must be this far apart.
const ENABLE_AUTOSCALE_SPACING: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

fn find<'a>(
    pools: &'a mut std::collections::BTreeMap<String, PoolRecord>,
    id: &str,
) -> Result<&'a mut PoolRecord, ApiError> {
    pools
        .get_mut(&id.to_ascii_lowercase())
        .ok_or_else(ApiError::pool_not_found)
}

fn not_deleting(pool: &PoolRecord) -> Result<(), ApiError> {
    if pool.is_deleting() {
        Err(ApiError::pool_being_deleted())
    } else {
        Ok(())
    }
}

fn check(call: &Call, pool: &PoolRecord, access: Access) -> Result<(), ApiError> {
    let last_modified = pool.pool.last_modified.unwrap_or_default();
    conditions::check(&call.headers, pool.etag(), last_modified, access)
}

/// Conditions on a read; when they fail, the answer to give instead (a 304 carries the
/// pool's current `ETag` and `Last-Modified`).
fn check_read(call: &Call, pool: &PoolRecord) -> Option<Result<Reply, ApiError>> {
    match check(call, pool, Access::Read) {
        Ok(()) => None,
        Err(e) if e.status == StatusCode::NOT_MODIFIED => Some(Ok(Reply::empty(
            StatusCode::NOT_MODIFIED,
        )
        .versioned(pool.etag(), pool.pool.last_modified.unwrap_or_default()))),
        Err(e) => Some(Err(e)),
    }
}

/// Records a client write: new ETag and last-modified time.
///
/// Inferred: only writes (and autoscale changing the targets) move them; the service's own
/// allocation and node transitions do not, since `lastModified` "does not factor in
/// node-level changes".
fn touch(pool: &mut PoolRecord, clock: &mut super::clock::Clock, now: Timestamp) {
    pool.pool.last_modified = Some(now);
    pool.pool.e_tag = Some(clock.etag(now));
}

/// The reply to a write: `ETag`, `Last-Modified` and the pool's URL as `DataServiceId`.
fn written(status: StatusCode, call: &Call, pool: &PoolRecord) -> Reply {
    Reply::empty(status)
        .versioned(pool.etag(), pool.pool.last_modified.unwrap_or_default())
        .header(
            "dataserviceid",
            &format!("{}/pools/{}", call.endpoint, pool.id()),
        )
}

/// Drops the write-only secrets: the service accepts them and never returns them.
fn strip_secrets(pool: &mut wire::Pool) {
    for account in pool.user_accounts.iter_mut().flatten() {
        account.password = None;
        // Inferred: a private key is as secret as a password.
        if let Some(linux) = account.linux_user_configuration.as_mut() {
            linux.ssh_private_key = None;
        }
    }
    if let Some(containers) = pool
        .virtual_machine_configuration
        .as_mut()
        .and_then(|vm| vm.container_configuration.as_mut())
    {
        for registry in containers.container_registries.iter_mut().flatten() {
            registry.password = None;
        }
    }
    if let Some(start) = pool.start_task.as_mut() {
        strip_task_secrets(start);
    }
}

pub fn strip_task_secrets(task: &mut wire::StartTask) {
    if let Some(registry) = task
        .container_settings
        .as_mut()
        .and_then(|c| c.registry.as_mut())
    {
        registry.password = None;
    }
}

fn non_empty<T>(items: Option<Vec<T>>) -> Option<Vec<T>> {
    items.filter(|v| !v.is_empty())
}

fn application_packages(
    refs: Option<&Vec<wire::ApplicationPackageReference>>,
) -> Result<(), ApiError> {
    let refs = refs.map_or(&[][..], Vec::as_slice);
    if refs.len() > 10 {
        return Err(ApiError::invalid_property(
            "applicationPackageReferences",
            refs.len().to_string(),
            "A pool can reference at most 10 application packages.",
        ));
    }
    if let Some(r) = refs.iter().find(|r| r.application_id.trim().is_empty()) {
        return Err(ApiError::invalid_property(
            "applicationId",
            &r.application_id,
            "The application id must not be empty.",
        ));
    }
    Ok(())
}

fn display_name(name: Option<&String>) -> Result<(), ApiError> {
    match name {
        Some(n) if n.chars().count() > 1024 => Err(ApiError::invalid_property(
            "displayName",
            n.chars().take(32).collect::<String>(),
            "The display name cannot exceed 1024 characters.",
        )),
        _ => Ok(()),
    }
}

/// `POST /pools`.
///
/// Inferred: `virtualMachineConfiguration` is required (the cloud-service configuration it
/// replaced is gone from the API). Application package references are accepted without
/// checking that the packages exist, since the emulated account has no applications.
pub fn create(
    env: Env<'_>,
    call: &Call,
    st: &mut State,
    now: Timestamp,
) -> Result<Reply, ApiError> {
    let body: PoolCreate = call.json()?;
    validate::id("id", &body.id)?;
    validate::vm_size(&body.vm_size)?;
    display_name(body.display_name.as_ref())?;
    let vm = body
        .virtual_machine_configuration
        .as_ref()
        .ok_or_else(|| ApiError::missing_property("virtualMachineConfiguration"))?;
    validate::vm_configuration(vm, now)?;
    let autoscale = body.enable_auto_scale.unwrap_or(false);
    if autoscale {
        for (name, value) in [
            ("targetDedicatedNodes", body.target_dedicated_nodes),
            ("targetLowPriorityNodes", body.target_low_priority_nodes),
        ] {
            if let Some(v) = value {
                return Err(ApiError::invalid_property(
                    name,
                    v.to_string(),
                    "Target node counts cannot be specified when enableAutoScale is true.",
                ));
            }
        }
        validate::formula(body.auto_scale_formula.as_deref().unwrap_or(""))?;
        if let Some(interval) = body.auto_scale_evaluation_interval {
            validate::autoscale_interval(interval.0)?;
        }
    } else {
        if body.auto_scale_formula.is_some() {
            return Err(ApiError::invalid_property(
                "autoScaleFormula",
                "",
                "autoScaleFormula must not be specified when enableAutoScale is false.",
            ));
        }
        if let Some(interval) = body.auto_scale_evaluation_interval {
            // Inferred: the interval is refused like the formula it belongs to.
            return Err(ApiError::invalid_property(
                "autoScaleEvaluationInterval",
                interval.to_string(),
                "autoScaleEvaluationInterval must not be specified when enableAutoScale is false.",
            ));
        }
        if body.target_dedicated_nodes.is_none() && body.target_low_priority_nodes.is_none() {
            return Err(ApiError::missing_property("targetDedicatedNodes"));
        }
        validate::count("targetDedicatedNodes", body.target_dedicated_nodes)?;
        validate::count("targetLowPriorityNodes", body.target_low_priority_nodes)?;
    }
    if let Some(timeout) = body.resize_timeout {
        validate::resize_timeout(timeout.0)?;
    }
    if let Some(slots) = body.task_slots_per_node {
        validate::task_slots(slots, &body.vm_size)?;
    }
    if let Some(policy) = &body.task_scheduling_policy {
        validate::scheduling_policy(policy)?;
    }
    let accounts = body.user_accounts.clone().unwrap_or_default();
    validate::user_accounts(&accounts)?;
    if let Some(task) = &body.start_task {
        validate::start_task(task, &accounts)?;
    }
    validate::metadata(body.metadata.as_deref().unwrap_or_default())?;
    application_packages(body.application_package_references.as_ref())?;

    // Inferred: an id held by a pool still being deleted is `PoolBeingDeleted`, not
    // `PoolExists`, so a client knows that waiting will free it.
    if let Some(existing) = st.pool(&body.id) {
        return Err(if existing.is_deleting() {
            ApiError::pool_being_deleted()
        } else {
            ApiError::pool_exists()
        });
    }

    let etag = st.clock.etag(now);
    let mut vm = vm.clone();
    if vm.image_reference.version.is_none() && vm.image_reference.virtual_machine_image_id.is_none()
    {
        vm.image_reference.version = Some("latest".into());
    }
    let mut pool = wire::Pool {
        id: Some(body.id.clone()),
        display_name: body.display_name,
        url: None,
        e_tag: Some(etag),
        last_modified: Some(now),
        creation_time: Some(now),
        state: Some(PoolState::Active),
        state_transition_time: Some(now),
        allocation_state: Some(AllocationState::Steady),
        allocation_state_transition_time: Some(now),
        vm_size: Some(body.vm_size),
        virtual_machine_configuration: Some(vm),
        resize_timeout: Some(body.resize_timeout.unwrap_or(DEFAULT_RESIZE_TIMEOUT)),
        resize_errors: None,
        current_dedicated_nodes: Some(0),
        current_low_priority_nodes: Some(0),
        target_dedicated_nodes: Some(0),
        target_low_priority_nodes: Some(0),
        enable_auto_scale: Some(autoscale),
        auto_scale_formula: body.auto_scale_formula,
        auto_scale_evaluation_interval: autoscale.then(|| {
            body.auto_scale_evaluation_interval
                .unwrap_or(IsoDuration(DEFAULT_AUTOSCALE_INTERVAL))
        }),
        auto_scale_run: None,
        enable_inter_node_communication: Some(
            body.enable_inter_node_communication.unwrap_or(false),
        ),
        network_configuration: body.network_configuration,
        start_task: body.start_task,
        application_package_references: non_empty(body.application_package_references),
        task_slots_per_node: Some(body.task_slots_per_node.unwrap_or(1)),
        task_scheduling_policy: Some(body.task_scheduling_policy.unwrap_or(TaskSchedulingPolicy {
            node_fill_type: NodeFillType::Spread,
            job_default_order: None,
        })),
        user_accounts: non_empty(body.user_accounts),
        metadata: non_empty(body.metadata),
        stats: None,
        mount_configuration: body.mount_configuration,
        identity: None,
        upgrade_policy: body.upgrade_policy,
        extra: body.extra,
    };
    strip_secrets(&mut pool);
    let mut record = PoolRecord {
        pool,
        nodes: Vec::new(),
        resize: None,
        stopping_until: None,
        deleting_until: None,
        next_autoscale: None,
        last_enable_autoscale: None,
        fail_start_tasks: false,
    };
    if autoscale {
        lifecycle::evaluate_autoscale(&mut record, now, &mut st.clock, env.timings);
    } else {
        let dedicated = body.target_dedicated_nodes.unwrap_or(0);
        let low = body.target_low_priority_nodes.unwrap_or(0);
        record.pool.target_dedicated_nodes = Some(dedicated);
        record.pool.target_low_priority_nodes = Some(low);
        if dedicated > 0 || low > 0 {
            lifecycle::start_resize(
                &mut record,
                now,
                dedicated,
                low,
                NodeDeallocationOption::Requeue,
                env.timings,
            );
        }
    }
    let reply = written(StatusCode::CREATED, call, &record);
    st.pools.insert(body.id.to_ascii_lowercase(), record);
    Ok(reply)
}

/// The pool as GET shows it, for this request's endpoint.
fn render(pool: &PoolRecord, call: &Call, stats: bool, now: Timestamp) -> Value {
    let mut shown = pool.pool.clone();
    let url = format!("{}/pools/{}", call.endpoint, pool.id());
    if stats {
        shown.stats = Some(json!({
            "url": format!("{url}/stats"),
            "startTime": pool.pool.creation_time,
            "lastUpdateTime": now,
        }));
    }
    shown.url = Some(url);
    serde_json::to_value(shown).unwrap_or(Value::Null)
}

/// `GET /pools`.
pub fn list(call: &Call, st: &mut State, now: Timestamp) -> Result<Reply, ApiError> {
    let filter = options::filter(call)?;
    let select = options::select(call, POOL_PROPERTIES)?;
    let stats = options::expand_stats(call)?;
    options::max_results(call)?;
    let items = st
        .pools
        .iter()
        .map(|(key, pool)| (key.clone(), render(pool, call, stats, now)))
        .filter(|(_, v)| filter.as_ref().is_none_or(|f| f.matches(v)))
        .map(|(key, mut v)| {
            if let (Some(select), Value::Object(map)) = (&select, &mut v) {
                apply_select(map, select);
            }
            (key, v)
        })
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        &options::page(call, "pools", items)?,
    ))
}

/// `GET /pools/{id}`.
pub fn get(call: &Call, st: &mut State, now: Timestamp, id: &str) -> Result<Reply, ApiError> {
    let select = options::select(call, POOL_PROPERTIES)?;
    let stats = options::expand_stats(call)?;
    let pool = find(&mut st.pools, id)?;
    if let Some(answer) = check_read(call, pool) {
        return answer;
    }
    let mut value = render(pool, call, stats, now);
    if let Value::Object(map) = &mut value {
        if let Some(select) = &select {
            apply_select(map, select);
        }
        map.insert(
            "odata.metadata".into(),
            Value::String(format!("{}/$metadata#pools/@Element", call.endpoint)),
        );
    }
    Ok(Reply::json(StatusCode::OK, &value)
        .versioned(pool.etag(), pool.pool.last_modified.unwrap_or_default()))
}

/// `HEAD /pools/{id}`.
pub fn exists(call: &Call, st: &mut State, id: &str) -> Result<Reply, ApiError> {
    let pool = find(&mut st.pools, id)?;
    if let Some(answer) = check_read(call, pool) {
        return answer;
    }
    Ok(Reply::empty(StatusCode::OK)
        .versioned(pool.etag(), pool.pool.last_modified.unwrap_or_default()))
}

/// `DELETE /pools/{id}`.
pub fn delete(
    env: Env<'_>,
    call: &Call,
    st: &mut State,
    now: Timestamp,
    id: &str,
) -> Result<Reply, ApiError> {
    let State { pools, clock, .. } = st;
    let pool = find(pools, id)?;
    check(call, pool, Access::Write)?;
    not_deleting(pool)?;
    lifecycle::begin_delete(pool, now, env.timings);
    touch(pool, clock, now);
    Ok(Reply::empty(StatusCode::ACCEPTED))
}

/// `PATCH /pools/{id}`: replaces the properties present.
///
/// Inferred: the "only when the pool is empty" properties on a pool that is not empty (steady
/// with no nodes) are refused with 409 `OperationInvalidForCurrentState`, one `PropertyName`
/// value per offending property; the service documents the rule but not the error.
pub fn update(call: &Call, st: &mut State, now: Timestamp, id: &str) -> Result<Reply, ApiError> {
    let body: PoolUpdate = call.json()?;
    let State { pools, clock, .. } = st;
    let pool = find(pools, id)?;
    check(call, pool, Access::Write)?;
    not_deleting(pool)?;
    let empty_only = body.empty_only_properties();
    if !empty_only.is_empty() && !pool.is_empty() {
        let mut err = ApiError::invalid_for_state(
            "The specified properties can be updated only when the pool is empty (steady, with no dedicated or low-priority nodes).",
        );
        for name in &empty_only {
            err = err.with("PropertyName", *name);
        }
        return Err(err);
    }

    display_name(body.display_name.as_ref())?;
    if let Some(size) = &body.vm_size {
        validate::vm_size(size)?;
    }
    let vm_size = body
        .vm_size
        .clone()
        .or_else(|| pool.pool.vm_size.clone())
        .unwrap_or_default();
    let vm = match &body.virtual_machine_configuration {
        None => None,
        Some(update) => {
            let mut merged = pool
                .pool
                .virtual_machine_configuration
                .clone()
                .unwrap_or_default();
            if let Some(image) = &update.image_reference {
                merged.image_reference = image.clone();
                if merged.image_reference.version.is_none()
                    && merged.image_reference.virtual_machine_image_id.is_none()
                {
                    merged.image_reference.version = Some("latest".into());
                }
            }
            if let Some(agent) = &update.node_agent_sku_id {
                merged.node_agent_sku_id = agent.clone();
            }
            if update.windows_configuration.is_some() {
                merged.windows_configuration = update.windows_configuration.clone();
            }
            if update.license_type.is_some() {
                merged.license_type = update.license_type.clone();
            }
            if update.container_configuration.is_some() {
                merged.container_configuration = update.container_configuration.clone();
            }
            for (k, v) in &update.extra {
                merged.extra.insert(k.clone(), v.clone());
            }
            validate::vm_configuration(&merged, now)?;
            Some(merged)
        }
    };
    let slots = body
        .task_slots_per_node
        .or(pool.pool.task_slots_per_node)
        .unwrap_or(1);
    if body.task_slots_per_node.is_some() || body.vm_size.is_some() {
        validate::task_slots(slots, &vm_size)?;
    }
    if let Some(policy) = &body.task_scheduling_policy {
        validate::scheduling_policy(policy)?;
    }
    if let Some(accounts) = &body.user_accounts {
        validate::user_accounts(accounts)?;
    }
    let accounts = body
        .user_accounts
        .clone()
        .or_else(|| pool.pool.user_accounts.clone())
        .unwrap_or_default();
    if let Some(task) = &body.start_task {
        validate::start_task(task, &accounts)?;
    }
    if let Some(items) = &body.metadata {
        validate::metadata(items)?;
    }
    application_packages(body.application_package_references.as_ref())?;

    let p = &mut pool.pool;
    if let Some(v) = body.display_name {
        p.display_name = Some(v);
    }
    if let Some(v) = body.vm_size {
        p.vm_size = Some(v);
    }
    if let Some(v) = body.enable_inter_node_communication {
        p.enable_inter_node_communication = Some(v);
    }
    if let Some(v) = body.start_task {
        p.start_task = Some(v);
    }
    if let Some(v) = body.application_package_references {
        p.application_package_references = non_empty(Some(v));
    }
    if let Some(v) = body.metadata {
        p.metadata = non_empty(Some(v));
    }
    if let Some(v) = vm {
        p.virtual_machine_configuration = Some(v);
    }
    if let Some(v) = body.task_slots_per_node {
        p.task_slots_per_node = Some(v);
    }
    if let Some(v) = body.task_scheduling_policy {
        p.task_scheduling_policy = Some(v);
    }
    if let Some(v) = body.network_configuration {
        p.network_configuration = Some(v);
    }
    if let Some(v) = body.user_accounts {
        p.user_accounts = non_empty(Some(v));
    }
    if let Some(v) = body.mount_configuration {
        p.mount_configuration = Some(v);
    }
    if let Some(v) = body.upgrade_policy {
        p.upgrade_policy = Some(v);
    }
    for (k, v) in body.extra {
        p.extra.insert(k, v);
    }
    strip_secrets(p);
    touch(pool, clock, now);
    Ok(written(StatusCode::OK, call, pool))
}

/// `POST /pools/{id}/updateproperties`: replaces start task, packages and metadata outright.
pub fn replace_properties(
    call: &Call,
    st: &mut State,
    now: Timestamp,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PoolReplaceProperties = call.json()?;
    let State { pools, clock, .. } = st;
    let pool = find(pools, id)?;
    not_deleting(pool)?;
    let accounts = pool.pool.user_accounts.clone().unwrap_or_default();
    if let Some(task) = &body.start_task {
        validate::start_task(task, &accounts)?;
    }
    validate::metadata(&body.metadata)?;
    application_packages(Some(&body.application_package_references))?;
    pool.pool.start_task = body.start_task;
    pool.pool.application_package_references = non_empty(Some(body.application_package_references));
    pool.pool.metadata = non_empty(Some(body.metadata));
    strip_secrets(&mut pool.pool);
    touch(pool, clock, now);
    Ok(written(StatusCode::NO_CONTENT, call, pool))
}

fn steady(pool: &PoolRecord) -> Result<(), ApiError> {
    if !pool.is_steady() {
        return Err(ApiError::pool_being_resized());
    }
    Ok(())
}

/// `POST /pools/{id}/resize`.
///
/// Inferred: a resize under autoscale is 409 `OperationInvalidForCurrentState` (the spec
/// gives only the status); an omitted target keeps the current one.
pub fn resize(
    env: Env<'_>,
    call: &Call,
    st: &mut State,
    now: Timestamp,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PoolResize = call.json()?;
    let State { pools, clock, .. } = st;
    let pool = find(pools, id)?;
    check(call, pool, Access::Write)?;
    not_deleting(pool)?;
    if pool.pool.enable_auto_scale == Some(true) {
        return Err(ApiError::invalid_for_state(
            "The pool has automatic scaling enabled; disable it before resizing.",
        ));
    }
    steady(pool)?;
    validate::count("targetDedicatedNodes", body.target_dedicated_nodes)?;
    validate::count("targetLowPriorityNodes", body.target_low_priority_nodes)?;
    if let Some(timeout) = body.resize_timeout {
        validate::resize_timeout(timeout.0)?;
    }
    let option = body
        .node_deallocation_option
        .unwrap_or(NodeDeallocationOption::Requeue);
    if option.is_other() {
        return Err(ApiError::invalid_property(
            "nodeDeallocationOption",
            option.as_str(),
            "The value is not one the service accepts.",
        ));
    }
    let dedicated = body
        .target_dedicated_nodes
        .or(pool.pool.target_dedicated_nodes)
        .unwrap_or(0);
    let low = body
        .target_low_priority_nodes
        .or(pool.pool.target_low_priority_nodes)
        .unwrap_or(0);
    pool.pool.resize_timeout = Some(body.resize_timeout.unwrap_or(DEFAULT_RESIZE_TIMEOUT));
    lifecycle::start_resize(pool, now, dedicated, low, option, env.timings);
    touch(pool, clock, now);
    Ok(written(StatusCode::ACCEPTED, call, pool))
}

/// `POST /pools/{id}/stopresize`.
///
/// Inferred: stopping a pool that is not resizing is 409 `OperationInvalidForCurrentState`.
pub fn stop_resize(
    env: Env<'_>,
    call: &Call,
    st: &mut State,
    now: Timestamp,
    id: &str,
) -> Result<Reply, ApiError> {
    let State { pools, clock, .. } = st;
    let pool = find(pools, id)?;
    check(call, pool, Access::Write)?;
    not_deleting(pool)?;
    if pool.pool.allocation_state != Some(AllocationState::Resizing) {
        return Err(ApiError::invalid_for_state("The pool is not resizing."));
    }
    lifecycle::stop_resize(pool, now, env.timings);
    touch(pool, clock, now);
    Ok(written(StatusCode::ACCEPTED, call, pool))
}

/// `POST /pools/{id}/enableautoscale`.
pub fn enable_autoscale(
    env: Env<'_>,
    call: &Call,
    st: &mut State,
    now: Timestamp,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PoolEnableAutoScale = call.json()?;
    let State { pools, clock, .. } = st;
    let pool = find(pools, id)?;
    check(call, pool, Access::Write)?;
    not_deleting(pool)?;
    steady(pool)?;
    if pool
        .last_enable_autoscale
        .is_some_and(|last| now - last < ENABLE_AUTOSCALE_SPACING)
    {
        // Inferred status: 409, like the other refusals of a pool's current state.
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "TooManyEnableAutoScaleRequests",
            "Requests to enable autoscale on the same pool must be separated by at least 30 seconds.",
        ));
    }
    let enabled = pool.pool.enable_auto_scale == Some(true);
    match &body.auto_scale_formula {
        Some(formula) => validate::formula(formula)?,
        None if !enabled => return Err(ApiError::missing_property("autoScaleFormula")),
        None => {}
    }
    if let Some(interval) = body.auto_scale_evaluation_interval {
        validate::autoscale_interval(interval.0)?;
    }
    let p = &mut pool.pool;
    p.enable_auto_scale = Some(true);
    if let Some(formula) = body.auto_scale_formula {
        p.auto_scale_formula = Some(formula);
    }
    p.auto_scale_evaluation_interval = body
        .auto_scale_evaluation_interval
        .or(p.auto_scale_evaluation_interval)
        .or(Some(IsoDuration(DEFAULT_AUTOSCALE_INTERVAL)));
    pool.last_enable_autoscale = Some(now);
    touch(pool, clock, now);
    lifecycle::evaluate_autoscale(pool, now, clock, env.timings);
    Ok(written(StatusCode::OK, call, pool))
}

/// `POST /pools/{id}/disableautoscale`: the pool keeps its current targets.
pub fn disable_autoscale(
    call: &Call,
    st: &mut State,
    now: Timestamp,
    id: &str,
) -> Result<Reply, ApiError> {
    let State { pools, clock, .. } = st;
    let pool = find(pools, id)?;
    not_deleting(pool)?;
    let p = &mut pool.pool;
    p.enable_auto_scale = Some(false);
    p.auto_scale_formula = None;
    p.auto_scale_evaluation_interval = None;
    p.auto_scale_run = None;
    pool.next_autoscale = None;
    touch(pool, clock, now);
    Ok(written(StatusCode::OK, call, pool))
}

/// `POST /pools/{id}/evaluateautoscale`: runs a formula without applying it.
///
/// Inferred: on a pool without autoscale it is 409 `OperationInvalidForCurrentState`.
pub fn evaluate_autoscale(
    call: &Call,
    st: &mut State,
    now: Timestamp,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PoolEvaluateAutoScale = call.json()?;
    let pool = find(&mut st.pools, id)?;
    if pool.pool.enable_auto_scale != Some(true) {
        return Err(ApiError::invalid_for_state(
            "Automatic scaling is not enabled on the pool.",
        ));
    }
    validate::formula(&body.auto_scale_formula)?;
    let inputs = autoscale::Inputs {
        current_dedicated: pool.pool.current_dedicated_nodes.unwrap_or(0),
        current_low_priority: pool.pool.current_low_priority_nodes.unwrap_or(0),
        target_dedicated: pool.pool.target_dedicated_nodes.unwrap_or(0),
        target_low_priority: pool.pool.target_low_priority_nodes.unwrap_or(0),
    };
    let outcome = autoscale::parse(&body.auto_scale_formula)
        .map_err(|e| e.0)
        .and_then(|f| f.evaluate(inputs));
    let (run, _) = lifecycle::run_record(now, outcome);
    Ok(Reply::json(StatusCode::OK, &run).header(
        "dataserviceid",
        &format!("{}/pools/{}", call.endpoint, pool.id()),
    ))
}

/// `POST /pools/{id}/removenodes`: removes the named nodes and lowers the targets to match.
pub fn remove_nodes(
    env: Env<'_>,
    call: &Call,
    st: &mut State,
    now: Timestamp,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: wire::NodeRemove = call.json()?;
    let State { pools, clock, .. } = st;
    let pool = find(pools, id)?;
    check(call, pool, Access::Write)?;
    not_deleting(pool)?;
    steady(pool)?;
    if body.node_list.is_empty() || body.node_list.len() > 100 {
        return Err(ApiError::invalid_property(
            "nodeList",
            body.node_list.len().to_string(),
            "Between 1 and 100 node ids can be removed at a time.",
        ));
    }
    if let Some(timeout) = body.resize_timeout {
        validate::resize_timeout(timeout.0)?;
    }
    let option = body
        .node_deallocation_option
        .unwrap_or(NodeDeallocationOption::Requeue);
    let mut indices = Vec::new();
    for node_id in &body.node_list {
        let i = pool
            .nodes
            .iter()
            .position(|n| n.id().eq_ignore_ascii_case(node_id))
            .ok_or_else(ApiError::node_not_found)?;
        if !indices.contains(&i) {
            indices.push(i);
        }
    }
    let removed_dedicated = indices.iter().filter(|i| pool.nodes[**i].dedicated).count() as i32;
    let removed_low = indices.len() as i32 - removed_dedicated;
    let dedicated = (pool.pool.current_dedicated_nodes.unwrap_or(0) - removed_dedicated).max(0);
    let low = (pool.pool.current_low_priority_nodes.unwrap_or(0) - removed_low).max(0);
    lifecycle::start_resize(pool, now, dedicated, low, option.clone(), env.timings);
    if let Some(resize) = pool.resize.as_mut() {
        resize.allocated = true;
    }
    for i in indices {
        lifecycle::remove_node(pool, i, option.clone(), now, env.timings);
    }
    touch(pool, clock, now);
    Ok(written(StatusCode::ACCEPTED, call, pool))
}
