"""Pool operations through the official SDK: create and read back, existence, PATCH,
updateproperties, resize, stop resize, autoscale, and delete through the SDK's poller. Each
test checks that the SDK's typed models carry exactly what was written."""

import datetime

import pytest

from azure.batch import models
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from support import (
    missing_required,
    Recorder,
    CONTAINER_AGENT,
    CONTAINER_IMAGE,
    capture,
    image,
    pool_options,
    ready_pool,
    unique_id,
    vm_config,
    wait_for,
    wait_idle_nodes,
    wait_steady,
)


def test_create_pool_then_get_returns_what_was_sent(client, emulator):
    pool_id = unique_id("Create-Full")
    registry = models.ContainerRegistryReference(
        registry_server="myregistry.azurecr.io", username="puller", password="registry-secret-1"
    )
    start_task = models.BatchStartTask(
        command_line="/bin/bash -c 'echo ready'",
        wait_for_success=True,
        max_task_retry_count=2,
        environment_settings=[models.EnvironmentSetting(name="STAGE", value="test")],
        resource_files=[
            models.ResourceFile(http_url="https://example.invalid/setup.sh", file_path="setup.sh", file_mode="0755")
        ],
        user_identity=models.UserIdentity(
            auto_user=models.AutoUserSpecification(
                scope=models.AutoUserScope.POOL, elevation_level=models.ElevationLevel.ADMIN
            )
        ),
    )
    options = pool_options(
        pool_id,
        vm_size="Standard_D2s_V3",
        display_name="full pool",
        virtual_machine_configuration=vm_config(
            image_reference=image(**CONTAINER_IMAGE),
            node_agent_sku_id=CONTAINER_AGENT,
            container_configuration=models.BatchContainerConfiguration(
                type=models.ContainerType.DOCKER_COMPATIBLE,
                container_image_names=["busybox:1.36", "myregistry.azurecr.io/tools:2"],
                container_registries=[registry],
            ),
        ),
        target_dedicated_nodes=0,
        resize_timeout=datetime.timedelta(minutes=20),
        task_slots_per_node=2,
        task_scheduling_policy=models.BatchTaskSchedulingPolicy(node_fill_type=models.BatchNodeFillType.PACK),
        enable_inter_node_communication=False,
        user_accounts=[
            models.UserAccount(
                name="builder",
                password="user-secret-2",
                elevation_level=models.ElevationLevel.NON_ADMIN,
                linux_user_configuration=models.LinuxUserConfiguration(
                    uid=1500, gid=1500, ssh_private_key="-----BEGIN OPENSSH PRIVATE KEY-----secret-3"
                ),
            )
        ],
        start_task=start_task,
        metadata=[models.BatchMetadataItem(name="team", value="render"), models.BatchMetadataItem(name="tier", value="gold")],
    )
    calls = []
    client.create_pool(options, cls=capture(calls))
    [(status, headers)] = calls
    assert status == 201
    assert headers["ETag"]
    assert headers["DataServiceId"] == f"{emulator.endpoint}/pools/{pool_id}"

    pool = client.get_pool(pool_id)
    assert isinstance(pool, models.BatchPool)
    assert missing_required(pool) == []
    assert pool.id == pool_id
    assert pool.url == f"{emulator.endpoint}/pools/{pool_id}"
    assert pool.etag == headers["ETag"]
    assert pool.display_name == "full pool"
    # VM sizes are case-insensitive. The data-plane examples only ever show them in lower case
    # and the service's normalization is not documented, so either spelling is accepted.
    assert pool.vm_size in ("Standard_D2s_V3", "standard_d2s_v3")
    assert pool.state == models.BatchPoolState.ACTIVE
    assert pool.task_slots_per_node == 2
    assert pool.target_dedicated_nodes == 0
    assert pool.enable_auto_scale is False
    assert isinstance(pool.creation_time, datetime.datetime)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - pool.creation_time).total_seconds()) < 60
    assert pool.resize_timeout == datetime.timedelta(minutes=20)
    assert pool.task_scheduling_policy.node_fill_type == models.BatchNodeFillType.PACK
    assert pool.enable_inter_node_communication is False

    vmc = pool.virtual_machine_configuration
    assert vmc.node_agent_sku_id == CONTAINER_AGENT
    ref = vmc.image_reference
    assert (ref.publisher, ref.offer, ref.sku) == (
        CONTAINER_IMAGE["publisher"],
        CONTAINER_IMAGE["offer"],
        CONTAINER_IMAGE["sku"],
    )
    container = vmc.container_configuration
    assert container.type == models.ContainerType.DOCKER_COMPATIBLE
    assert container.container_image_names == ["busybox:1.36", "myregistry.azurecr.io/tools:2"]
    [got_registry] = container.container_registries
    assert got_registry.registry_server == "myregistry.azurecr.io"
    assert got_registry.username == "puller"
    # Registry passwords are write-only.
    assert got_registry.password is None

    [user] = pool.user_accounts
    assert user.name == "builder"
    assert user.elevation_level == models.ElevationLevel.NON_ADMIN
    assert (user.linux_user_configuration.uid, user.linux_user_configuration.gid) == (1500, 1500)
    # User passwords and SSH private keys are write-only as well.
    assert user.password is None
    assert user.linux_user_configuration.ssh_private_key is None
    wire = str(pool.as_dict())
    assert "registry-secret-1" not in wire and "user-secret-2" not in wire and "secret-3" not in wire

    assert [(m.name, m.value) for m in pool.metadata] == [("team", "render"), ("tier", "gold")]
    task = pool.start_task
    assert task.command_line == "/bin/bash -c 'echo ready'"
    assert task.wait_for_success is True
    assert task.max_task_retry_count == 2
    assert [(e.name, e.value) for e in task.environment_settings] == [("STAGE", "test")]
    assert task.user_identity.auto_user.scope == models.AutoUserScope.POOL
    assert task.user_identity.auto_user.elevation_level == models.ElevationLevel.ADMIN
    [resource] = task.resource_files
    assert (resource.http_url, resource.file_path, resource.file_mode) == (
        "https://example.invalid/setup.sh",
        "setup.sh",
        "0755",
    )


def test_pool_exists_reports_true_and_false(emulator):
    recorder = Recorder()
    client = emulator.client(raw_response_hook=recorder)
    pool_id = unique_id("exists")
    # azure-batch 15.1.0 never returns False here: its BatchExceptionPolicy (azure/batch/_patch.py)
    # raises on every non-2xx response before pool_exists looks at the 404. The service's
    # answer is still checked: a 404 with no body, as HEAD requires.
    with pytest.raises(ResourceNotFoundError) as missing:
        client.pool_exists(pool_id)
    assert missing.value.status_code == 404
    assert missing.value.response.text() == ""
    client.create_pool(pool_options(pool_id))
    assert client.pool_exists(pool_id) is True
    # Pool ids are case-insensitive.
    assert client.pool_exists(pool_id.upper()) is True
    assert recorder.statuses("HEAD", f"/pools/{pool_id}") == [404, 200]


def test_update_pool_patches_metadata_and_start_task_only(client):
    pool_id = unique_id("patch")
    client.create_pool(
        pool_options(
            pool_id,
            metadata=[models.BatchMetadataItem(name="owner", value="a")],
            start_task=models.BatchStartTask(command_line="echo one"),
        )
    )
    before = client.get_pool(pool_id)

    calls = []
    client.update_pool(
        pool_id,
        models.BatchPoolUpdateOptions(
            metadata=[models.BatchMetadataItem(name="owner", value="b"), models.BatchMetadataItem(name="env", value="ci")]
        ),
        etag=before.etag,
        match_condition=MatchConditions.IfNotModified,
        cls=capture(calls),
    )
    [(status, headers)] = calls
    assert status == 200
    after = client.get_pool(pool_id)
    assert headers["ETag"] == after.etag != before.etag
    assert [(m.name, m.value) for m in after.metadata] == [("owner", "b"), ("env", "ci")]
    # A PATCH leaves out what it does not name.
    assert after.start_task.command_line == "echo one"
    assert after.vm_size == before.vm_size

    client.update_pool(
        pool_id,
        models.BatchPoolUpdateOptions(start_task=models.BatchStartTask(command_line="echo two", wait_for_success=True)),
    )
    patched = client.get_pool(pool_id)
    assert patched.start_task.command_line == "echo two"
    assert patched.start_task.wait_for_success is True
    assert [(m.name, m.value) for m in patched.metadata] == [("owner", "b"), ("env", "ci")]
    assert patched.etag != after.etag


def test_replace_pool_properties_removes_metadata_and_start_task(client):
    pool_id = unique_id("replace")
    client.create_pool(
        pool_options(
            pool_id,
            metadata=[models.BatchMetadataItem(name="k", value="v")],
            start_task=models.BatchStartTask(command_line="echo hi"),
        )
    )
    before = client.get_pool(pool_id)
    calls = []
    client.replace_pool_properties(
        pool_id,
        models.BatchPoolReplaceOptions(metadata=[], application_package_references=[]),
        cls=capture(calls),
    )
    assert [status for status, _ in calls] == [204]
    after = client.get_pool(pool_id)
    assert not after.metadata
    # updateproperties replaces everything it covers: an omitted start task is removed.
    assert after.start_task is None
    assert after.etag != before.etag


def test_resize_reaches_steady_with_idle_nodes(emulator):
    recorder = Recorder()
    client = emulator.client(raw_response_hook=recorder)
    pool_id = unique_id("resize")
    client.create_pool(pool_options(pool_id))
    wait_steady(client, pool_id)

    poller = client.begin_resize_pool(
        pool_id, models.BatchPoolResizeOptions(target_dedicated_nodes=2), polling_interval=0.05
    )
    assert recorder.statuses("POST", f"/pools/{pool_id}/resize") == [202]
    poller.result(timeout=10)
    assert poller.status() == "Succeeded"
    pool = client.get_pool(pool_id)
    assert pool.allocation_state == models.AllocationState.STEADY
    assert pool.target_dedicated_nodes == 2
    nodes = wait_idle_nodes(client, pool_id, 2)
    assert client.get_pool(pool_id).current_dedicated_nodes == 2
    assert all(n.is_dedicated for n in nodes)
    assert len({n.id for n in nodes}) == 2

    # Shrinking removes nodes again.
    client.begin_resize_pool(
        pool_id, models.BatchPoolResizeOptions(target_dedicated_nodes=0), polling_interval=0.05
    ).result(timeout=10)
    wait_for(lambda: list(client.list_nodes(pool_id)) == [], "the nodes to leave the pool")
    assert client.get_pool(pool_id).current_dedicated_nodes == 0


def test_stop_resize_goes_through_stopping_to_steady(frozen_emulator):
    recorder = Recorder()
    client = frozen_emulator.client(raw_response_hook=recorder)
    pool_id = unique_id("stop")
    client.create_pool(pool_options(pool_id, target_dedicated_nodes=3))
    assert client.get_pool(pool_id).allocation_state == models.AllocationState.RESIZING

    poller = client.begin_stop_pool_resize(pool_id, polling_interval=0.05)
    assert recorder.statuses("POST", f"/pools/{pool_id}/stopresize") == [202]
    pool = client.get_pool(pool_id)
    assert pool.allocation_state == models.AllocationState.STOPPING
    assert not poller.done()

    frozen_emulator.advance(2 * 3600)
    poller.result(timeout=10)
    assert poller.status() == "Succeeded"
    pool = client.get_pool(pool_id)
    assert pool.allocation_state == models.AllocationState.STEADY
    # The pool keeps the nodes it had when the resize stopped: none were allocated yet.
    assert pool.current_dedicated_nodes == 0
    assert list(client.list_nodes(pool_id)) == []


def test_enable_evaluate_and_disable_autoscale(client):
    pool_id = unique_id("auto")
    client.create_pool(pool_options(pool_id))
    wait_steady(client, pool_id)

    # Evaluation needs autoscale enabled on the pool (spec: "The Pool must have auto scaling
    # enabled in order to evaluate a formula").
    with pytest.raises(HttpResponseError) as disabled:
        client.evaluate_pool_auto_scale(
            pool_id, models.BatchPoolEvaluateAutoScaleOptions(auto_scale_formula="$TargetDedicatedNodes = 1;")
        )
    assert disabled.value.status_code == 409

    formula = "$TargetDedicatedNodes = 1; $TargetLowPriorityNodes = 0;"
    calls = []
    client.enable_pool_auto_scale(
        pool_id,
        models.BatchPoolEnableAutoScaleOptions(
            auto_scale_formula=formula, auto_scale_evaluation_interval=datetime.timedelta(minutes=5)
        ),
        cls=capture(calls),
    )
    assert [status for status, _ in calls] == [200]
    pool = client.get_pool(pool_id)
    assert pool.enable_auto_scale is True
    assert pool.auto_scale_formula == formula
    assert pool.auto_scale_evaluation_interval == datetime.timedelta(minutes=5)
    # The formula is evaluated at once and the pool sized to it.
    wait_for(lambda: client.get_pool(pool_id).target_dedicated_nodes == 1, "autoscale to target one node")
    wait_idle_nodes(client, pool_id, 1)
    run = client.get_pool(pool_id).auto_scale_run
    assert isinstance(run, models.AutoScaleRun)
    assert missing_required(run) == []
    assert "$TargetDedicatedNodes=1" in run.results.replace(" ", "").split(";")

    # Evaluating another formula reports its result without applying it.
    evaluated = client.evaluate_pool_auto_scale(
        pool_id, models.BatchPoolEvaluateAutoScaleOptions(auto_scale_formula="$TargetDedicatedNodes = 3;")
    )
    assert isinstance(evaluated, models.AutoScaleRun)
    assert evaluated.error is None
    assert isinstance(evaluated.timestamp, datetime.datetime)
    assert "$TargetDedicatedNodes=3" in evaluated.results.replace(" ", "").split(";")
    pool = client.get_pool(pool_id)
    assert pool.target_dedicated_nodes == 1
    assert pool.auto_scale_formula == formula

    calls = []
    client.disable_pool_auto_scale(pool_id, cls=capture(calls))
    assert [status for status, _ in calls] == [200]
    pool = client.get_pool(pool_id)
    assert pool.enable_auto_scale is False
    assert pool.auto_scale_formula is None


def test_delete_pool_completes_through_the_sdk_poller(frozen_emulator):
    recorder = Recorder()
    client = frozen_emulator.client(raw_response_hook=recorder)
    pool_id = unique_id("delete")
    client.create_pool(pool_options(pool_id))

    poller = client.begin_delete_pool(pool_id, polling_interval=0.05)
    assert recorder.statuses("DELETE", f"/pools/{pool_id}") == [202]
    # The pool lingers in `deleting` until the service has torn it down.
    pool = client.get_pool(pool_id)
    assert pool.state == models.BatchPoolState.DELETING
    assert not poller.done()

    frozen_emulator.advance(2 * 3600)
    poller.result(timeout=10)
    assert poller.status() == "Succeeded"
    with pytest.raises(ResourceNotFoundError) as gone:
        client.get_pool(pool_id)
    assert gone.value.error.code == "PoolNotFound"


def test_delete_pool_with_nodes_on_fast_clock(client):
    pool_id = unique_id("delete-nodes")
    ready_pool(client, pool_id, dedicated=2)
    poller = client.begin_delete_pool(pool_id, polling_interval=0.05)
    poller.result(timeout=10)
    assert poller.status() == "Succeeded"
    assert pool_id not in {p.id for p in client.list_pools()}


def test_low_priority_nodes(client):
    pool_id = unique_id("spot")
    client.create_pool(pool_options(pool_id, target_dedicated_nodes=1, target_low_priority_nodes=2))
    pool = wait_steady(client, pool_id)
    assert (pool.target_dedicated_nodes, pool.target_low_priority_nodes) == (1, 2)
    nodes = wait_idle_nodes(client, pool_id, 3)
    assert sorted(n.is_dedicated for n in nodes) == [False, False, True]
    pool = client.get_pool(pool_id)
    assert (pool.current_dedicated_nodes, pool.current_low_priority_nodes) == (1, 2)
    [counts] = list(client.list_pool_node_counts(filter=f"poolId eq '{pool_id}'"))
    assert (counts.dedicated.idle, counts.low_priority.idle, counts.low_priority.total) == (1, 2, 2)


def test_enable_autoscale_twice_within_thirty_seconds_is_refused(client):
    pool_id = unique_id("auto-twice")
    client.create_pool(pool_options(pool_id))
    wait_steady(client, pool_id)
    options = models.BatchPoolEnableAutoScaleOptions(auto_scale_formula="$TargetDedicatedNodes = 0;")
    client.enable_pool_auto_scale(pool_id, options)
    with pytest.raises(HttpResponseError) as refused:
        client.enable_pool_auto_scale(pool_id, options)
    assert refused.value.error.code == "TooManyEnableAutoScaleRequests"
    assert refused.value.status_code == 409


def test_shrink_passes_through_leavingpool(frozen_emulator):
    client = frozen_emulator.client()
    pool_id = unique_id("shrink")
    client.create_pool(pool_options(pool_id, target_dedicated_nodes=1))
    frozen_emulator.advance(6 * 3600)
    [node] = wait_idle_nodes(client, pool_id, 1)
    assert client.get_pool(pool_id).allocation_state == models.AllocationState.STEADY

    client.begin_resize_pool(
        pool_id,
        models.BatchPoolResizeOptions(
            target_dedicated_nodes=0, node_deallocation_option=models.BatchNodeDeallocationOption.TASK_COMPLETION
        ),
    )
    assert client.get_pool(pool_id).allocation_state == models.AllocationState.RESIZING
    states = []
    for _ in range(40):
        nodes = list(client.list_nodes(pool_id))
        if not nodes:
            break
        if not states or states[-1] != nodes[0].state:
            states.append(nodes[0].state)
        frozen_emulator.advance(900)
    assert models.BatchNodeState.LEAVING_POOL in states
    assert states[-1] == "leavingpool"
    pool = wait_steady(client, pool_id)
    assert pool.current_dedicated_nodes == 0


def test_pool_id_is_free_again_after_delete(client):
    pool_id = unique_id("recreate")
    client.create_pool(pool_options(pool_id, metadata=[models.BatchMetadataItem(name="gen", value="1")]))
    first = client.get_pool(pool_id)
    client.begin_delete_pool(pool_id, etag=first.etag, match_condition=MatchConditions.IfNotModified,
                             polling_interval=0.05).result(timeout=10)
    client.create_pool(pool_options(pool_id, metadata=[models.BatchMetadataItem(name="gen", value="2")]))
    second = client.get_pool(pool_id)
    assert [(m.name, m.value) for m in second.metadata] == [("gen", "2")]
    assert second.creation_time > first.creation_time
    assert second.etag != first.etag
