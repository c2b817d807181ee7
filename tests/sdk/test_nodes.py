"""Compute nodes through the SDK: list and get with their typed fields, the node lifecycle as the
SDK's `BatchNodeState` enum sees it (including the lowercase `waitingforstarttask` and
`starttaskfailed` values), `$filter`/`$select` on nodes, and remote login settings."""

import datetime

import pytest

from azure.batch import models
from azure.core.exceptions import ResourceNotFoundError

from support import UBUNTU_2204, missing_required, pool_options, ready_pool, unique_id, wait_for

# Present only when the pool is configured for IPv6 (its doc in the SDK says so).
CONDITIONAL = ("ipv6Address",)


@pytest.fixture(scope="module")
def two_nodes(client):
    """A pool with a start task and two idle dedicated nodes."""
    pool_id = unique_id("nodes")
    nodes = ready_pool(
        client,
        pool_id,
        dedicated=2,
        start_task=models.BatchStartTask(command_line="/bin/true", wait_for_success=True),
    )
    return pool_id, nodes


def test_list_nodes_returns_typed_idle_nodes(client, emulator, two_nodes):
    pool_id, _ = two_nodes
    nodes = list(client.list_nodes(pool_id))
    assert len(nodes) == 2
    assert len({n.id for n in nodes}) == 2
    for node in nodes:
        assert isinstance(node, models.BatchNode)
        assert missing_required(node, allowed=CONDITIONAL) == []
        assert missing_required(node.start_task_info) == []
        assert missing_required(node.node_agent_info) == []
        assert node.state == models.BatchNodeState.IDLE
        assert node.scheduling_state == models.SchedulingState.ENABLED
        assert node.is_dedicated is True
        assert node.url == f"{emulator.endpoint}/pools/{pool_id}/nodes/{node.id}"
        assert node.vm_size.lower() == "standard_d2s_v3"
        assert node.ip_address
        assert isinstance(node.allocation_time, datetime.datetime)
        assert isinstance(node.last_boot_time, datetime.datetime)
        assert isinstance(node.state_transition_time, datetime.datetime)
        assert node.allocation_time <= node.state_transition_time
        assert node.running_tasks_count == 0
        assert node.start_task.command_line == "/bin/true"
        assert node.start_task_info.state == models.BatchStartTaskState.COMPLETED
        assert node.start_task_info.exit_code == 0
        ref = node.virtual_machine_info.image_reference
        assert (ref.publisher, ref.offer, ref.sku) == tuple(UBUNTU_2204.values())
        assert ref.exact_version


def test_get_node_matches_list(client, two_nodes):
    pool_id, _ = two_nodes
    for listed in client.list_nodes(pool_id):
        node = client.get_node(pool_id, listed.id)
        assert node.id == listed.id
        assert node.state == listed.state
        assert node.ip_address == listed.ip_address
        assert node.affinity_id == listed.affinity_id


def test_list_nodes_filter_and_select(client, two_nodes):
    pool_id, _ = two_nodes
    idle = list(client.list_nodes(pool_id, filter="state eq 'idle'", select=["id", "state"]))
    assert len(idle) == 2
    for node in idle:
        assert {k for k in node.keys() if not k.startswith("odata.")} == {"id", "state"}
        assert node.state == models.BatchNodeState.IDLE
    assert list(client.list_nodes(pool_id, filter="state eq 'starttaskfailed'")) == []
    paged = [list(page) for page in client.list_nodes(pool_id, max_results=1).by_page()]
    assert [len(page) for page in paged if page] == [1, 1]


def test_get_node_missing(client, two_nodes):
    pool_id, _ = two_nodes
    with pytest.raises(ResourceNotFoundError) as missing:
        client.get_node(pool_id, "tvm-0000000000_9-20000101t000000z")
    assert missing.value.status_code == 404
    assert missing.value.error.code == "NodeNotFound"
    with pytest.raises(ResourceNotFoundError) as no_pool:
        list(client.list_nodes(unique_id("no-such-pool")))
    assert no_pool.value.error.code == "PoolNotFound"


def test_remote_login_settings(client, two_nodes):
    pool_id, nodes = two_nodes
    endpoints = set()
    for node in nodes:
        settings = client.get_node_remote_login_settings(pool_id, node.id)
        assert isinstance(settings, models.BatchNodeRemoteLoginSettings)
        assert missing_required(settings) == []
        assert settings.remote_login_ip_address
        assert isinstance(settings.remote_login_port, int)
        assert 0 < settings.remote_login_port < 65536
        endpoints.add((settings.remote_login_ip_address, settings.remote_login_port))
    # Each node is reached at its own address and port.
    assert len(endpoints) == 2


def observe_states(emulator, client, pool_id, until, step=900.0, limit=40):
    """Advances the clock in steps and records each distinct state of the pool's only node,
    until `until` is seen."""
    seen = []
    for _ in range(limit):
        nodes = list(client.list_nodes(pool_id))
        if nodes:
            assert len(nodes) == 1
            state = nodes[0].state
            # lastBootTime is documented as possibly absent only for unusable nodes.
            assert missing_required(nodes[0], allowed=CONDITIONAL) == [], nodes[0].as_dict()
            if not seen or seen[-1] != state:
                seen.append(state)
            if state == until:
                return seen, nodes[0]
        emulator.advance(step)
    raise AssertionError(f"node never reached {until}; states seen: {seen}")


def test_node_lifecycle_waits_for_the_start_task(frozen_emulator):
    client = frozen_emulator.client()
    pool_id = unique_id("lifecycle")
    client.create_pool(
        pool_options(
            pool_id,
            target_dedicated_nodes=1,
            start_task=models.BatchStartTask(command_line="/bin/true", wait_for_success=True),
        )
    )
    assert client.get_pool(pool_id).allocation_state == models.AllocationState.RESIZING
    seen, node = observe_states(frozen_emulator, client, pool_id, models.BatchNodeState.IDLE)
    assert seen == [
        models.BatchNodeState.CREATING,
        models.BatchNodeState.STARTING,
        models.BatchNodeState.WAITING_FOR_START_TASK,
        models.BatchNodeState.IDLE,
    ]
    # The wire carries the lowercase enum values.
    assert [str(s.value) for s in seen] == ["creating", "starting", "waitingforstarttask", "idle"]
    assert node.start_task_info.exit_code == 0
    pool = wait_for(
        lambda: (p := client.get_pool(pool_id)).allocation_state == models.AllocationState.STEADY and p,
        "the pool to be steady",
    )
    assert pool.current_dedicated_nodes == 1


def test_failed_start_task_leaves_node_starttaskfailed(frozen_emulator):
    client = frozen_emulator.client()
    pool_id = unique_id("stfail")
    client.create_pool(
        pool_options(
            pool_id,
            target_dedicated_nodes=1,
            start_task=models.BatchStartTask(command_line="/bin/false", wait_for_success=True),
        )
    )
    frozen_emulator.inspect("PUT", f"pools/{pool_id}/starttaskfailure", {"enabled": True})
    seen, node = observe_states(frozen_emulator, client, pool_id, models.BatchNodeState.START_TASK_FAILED)
    assert seen[-1] == "starttaskfailed"
    assert node.start_task_info.state == models.BatchStartTaskState.COMPLETED
    assert node.start_task_info.exit_code not in (None, 0)
    counts = {c.pool_id: c for c in client.list_pool_node_counts()}
    assert counts[pool_id].dedicated.start_task_failed == 1
    assert counts[pool_id].dedicated.idle == 0
