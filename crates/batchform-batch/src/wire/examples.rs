//! The service's own example bodies (copied under `tests/fixtures/batch-api/`) read into the
//! wire types and, where the type is the whole body, survive a round trip.

use std::collections::BTreeSet;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::*;

fn fixture(path: &str) -> Value {
    let full = format!(
        "{}/tests/fixtures/batch-api/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn pointer<'a>(value: &'a Value, at: &str) -> &'a Value {
    value.pointer(at).unwrap_or_else(|| panic!("no {at}"))
}

/// Every JSON path in `value` (array indices included), to show nothing was dropped.
fn paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{prefix}/{k}");
                out.insert(p.clone());
                paths(v, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                paths(v, &format!("{prefix}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Deserializes `body` as `T`, serializes it back and checks that every property survived
/// and that a second read gives the same value.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(body: &Value) -> T {
    let typed: T = serde_json::from_value(body.clone()).unwrap();
    let back = serde_json::to_value(&typed).unwrap();
    let (mut before, mut after) = (BTreeSet::new(), BTreeSet::new());
    paths(body, "", &mut before);
    paths(&back, "", &mut after);
    assert_eq!(before, after, "properties lost or invented");
    let again: T = serde_json::from_value(back).unwrap();
    assert_eq!(typed, again);
    typed
}

#[test]
fn create_pool_example_is_a_pool_create() {
    let example = fixture("2025-06-01.21.0/Pools_CreatePool_VirtualMachineConfiguration.json");
    let pool: PoolCreate = round_trip(pointer(&example, "/parameters/pool"));
    assert_eq!(pool.id, "pool2");
    let vm = pool.virtual_machine_configuration.unwrap();
    assert_eq!(vm.node_agent_sku_id, "batch.node.ubuntu 20.04");
    assert_eq!(pool.resize_timeout, Some(IsoDuration::from_mins(15)));
    assert_eq!(
        pool.task_scheduling_policy.unwrap().node_fill_type,
        NodeFillType::Spread
    );
    assert!(pool.extra.is_empty());
}

#[test]
fn get_pool_example_is_a_pool() {
    let example = fixture("2025-06-01.21.0/Pools_GetPool_Basic.json");
    let pool: Pool = round_trip(pointer(&example, "/responses/200/body"));
    assert_eq!(pool.e_tag.as_deref(), Some("0x8D413091E739A56"));
    assert_eq!(pool.state, Some(PoolState::Active));
    assert_eq!(pool.allocation_state, Some(AllocationState::Steady));
    let identity = pool.start_task.unwrap().user_identity.unwrap();
    assert_eq!(
        identity.auto_user.unwrap().elevation_level,
        Some(ElevationLevel::NonAdmin)
    );
    assert!(pool.extra.is_empty(), "unmodelled: {:?}", pool.extra.keys());
}

#[test]
fn old_pool_list_example_keeps_retired_properties() {
    let example = fixture("2018-12-01.8.0/PoolList_Basic.json");
    let list: ListResponse<Pool> = round_trip(pointer(&example, "/responses/200/body"));
    let pool = &list.value[0];
    assert_eq!(pool.current_dedicated_nodes, Some(3));
    assert!(pool.extra.contains_key("cloudServiceConfiguration"));
    assert!(pool.extra.contains_key("maxTasksPerNode"));
    assert_eq!(list.next_link, None);
}

#[test]
fn list_nodes_example_is_a_node_list() {
    let example = fixture("2025-06-01.21.0/Nodes_ListNodes.json");
    let list: ListResponse<Node> = round_trip(pointer(&example, "/responses/200/body"));
    assert_eq!(list.value.len(), 3);
    for node in &list.value {
        assert_eq!(node.state, Some(NodeState::Idle));
        assert_eq!(node.scheduling_state, Some(SchedulingState::Enabled));
        let info = node.start_task_info.as_ref().unwrap();
        assert_eq!(info.state, StartTaskState::Completed);
        assert!(node.extra.is_empty(), "unmodelled: {:?}", node.extra.keys());
    }
}

#[test]
fn supported_images_example_is_a_supported_image_list() {
    let example = fixture("2024-07-01.20.0/AccountListSupportedImages.json");
    let list: ListResponse<SupportedImage> = round_trip(pointer(&example, "/responses/200/body"));
    assert_eq!(list.value.len(), 5);
    assert_eq!(list.value[0].os_type, OsType::Linux);
    assert_eq!(
        list.value[1].verification_type,
        ImageVerificationType::Unverified
    );
    assert!(list.value[1].batch_support_end_of_life.is_some());
    assert_eq!(list.value[3].os_type, OsType::Windows);
}

#[test]
fn add_user_example_is_a_node_user_create() {
    let example = fixture("2024-07-01.20.0/NodeAddUser.json");
    let user: NodeUserCreate = round_trip(pointer(&example, "/parameters/user"));
    assert_eq!(user.name, "userName");
    assert_eq!(user.is_admin, Some(false));
    assert!(user.expiry_time.is_some());
}

#[test]
fn node_agent_skus_example_reads() {
    let example = fixture("2018-12-01.8.0/AccountListNodeAgentSkus.json");
    let list: ListResponse<NodeAgentSku> = round_trip(pointer(&example, "/responses/200/body"));
    assert_eq!(list.value[2].os_type, OsType::Windows);
}

#[test]
fn observed_error_bodies_read() {
    let body = fixture("observed/error_MissingRequiredQueryParameter.json");
    let error: BatchError = round_trip(&body);
    assert_eq!(error.code.as_deref(), Some("MissingRequiredQueryParameter"));
    assert_eq!(error.detail("QueryParameterName"), Some("api-version"));
    assert_eq!(
        error.summary(),
        "A query parameter that's mandatory for this request is not specified."
    );
    let throttled: BatchError = round_trip(&fixture("observed/error_TooManyRequests.json"));
    assert_eq!(throttled.code.as_deref(), Some("TooManyRequests"));
}

#[test]
fn enums_read_any_case_and_keep_unknown_values() {
    let state: NodeState = serde_json::from_value(Value::from("WaitingForStartTask")).unwrap();
    assert_eq!(state, NodeState::WaitingForStartTask);
    assert_eq!(
        serde_json::to_value(&state).unwrap(),
        Value::from("waitingforstarttask")
    );
    let kind: ContainerType = serde_json::from_value(Value::from("DOCKERCOMPATIBLE")).unwrap();
    assert_eq!(
        serde_json::to_value(&kind).unwrap(),
        Value::from("dockerCompatible")
    );
    let newer: NodeState = serde_json::from_value(Value::from("hibernating")).unwrap();
    assert_eq!(newer, NodeState::Other("hibernating".into()));
    assert_eq!(
        serde_json::to_value(&newer).unwrap(),
        Value::from("hibernating")
    );
    assert_eq!(
        serde_json::to_value(NodeDeallocationOption::TaskCompletion).unwrap(),
        Value::from("taskcompletion")
    );
}

#[test]
fn node_counts_use_camel_case_names() {
    let mut counts = NodeCounts::default();
    counts.add(&NodeState::StartTaskFailed);
    counts.add(&NodeState::UpgradingOs);
    let json = serde_json::to_value(&counts).unwrap();
    assert_eq!(json["startTaskFailed"], 1);
    assert_eq!(json["upgradingOS"], 1);
    assert_eq!(json["total"], 2);
}
