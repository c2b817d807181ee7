"""Refusals as the SDK surfaces them: its exception classes (chosen by BatchExceptionPolicy in
azure/batch/_patch.py from the status and the conditional headers sent), the Batch error code
and `values`, and that a refused write changes nothing."""

import datetime
import re

import pytest

from azure.batch import models
from azure.core import MatchConditions
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)

from support import error_values, image, pool_options, ready_pool, unique_id, vm_config, wait_for, wait_steady


def test_get_missing_pool_is_pool_not_found(client):
    with pytest.raises(ResourceNotFoundError) as missing:
        client.get_pool(unique_id("missing"))
    err = missing.value
    assert err.status_code == 404
    assert err.error.code == "PoolNotFound"
    assert err.model.code == "PoolNotFound"
    assert err.model.message.lang == "en-US"
    # The message ends with the request id and time, and the request id is the response's.
    match = re.search(r"\nRequestId:([0-9a-f-]{36})\nTime:(\S+)$", err.model.message.value)
    assert match, err.model.message.value
    assert match.group(1) == err.response.headers["request-id"]
    assert datetime.datetime.fromisoformat(match.group(2).replace("Z", "+00:00"))


def test_duplicate_create_is_pool_exists(client):
    pool_id = unique_id("dup")
    client.create_pool(pool_options(pool_id, metadata=[models.BatchMetadataItem(name="first", value="yes")]))
    with pytest.raises(ResourceExistsError) as exists:
        client.create_pool(pool_options(pool_id))
    assert exists.value.status_code == 409
    assert exists.value.error.code == "PoolExists"
    # Ids differing only in case are the same pool.
    with pytest.raises(ResourceExistsError) as exists_upper:
        client.create_pool(pool_options(pool_id.upper()))
    assert exists_upper.value.error.code == "PoolExists"
    assert [(m.name, m.value) for m in client.get_pool(pool_id).metadata] == [("first", "yes")]


@pytest.mark.parametrize("what", ["key", "account"])
def test_wrong_credentials_are_rejected(emulator, what):
    wrong_key = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk="
    client = emulator.client(key=wrong_key) if what == "key" else emulator.client(account="otheraccount")
    with pytest.raises(HttpResponseError) as rejected:
        list(client.list_pools())
    err = rejected.value
    # BatchExceptionPolicy maps only 401 to ClientAuthenticationError; the service answers 403.
    assert err.status_code == 403
    assert not isinstance(err, ClientAuthenticationError)
    assert err.error.code == "AuthenticationFailed"


def test_stale_etag_write_raises_resource_modified(client):
    pool_id = unique_id("etag")
    client.create_pool(pool_options(pool_id, metadata=[models.BatchMetadataItem(name="v", value="1")]))
    stale = client.get_pool(pool_id).etag
    client.update_pool(pool_id, models.BatchPoolUpdateOptions(metadata=[models.BatchMetadataItem(name="v", value="2")]))
    current = client.get_pool(pool_id).etag
    assert current != stale

    with pytest.raises(ResourceModifiedError) as modified:
        client.update_pool(
            pool_id,
            models.BatchPoolUpdateOptions(metadata=[models.BatchMetadataItem(name="v", value="3")]),
            etag=stale,
            match_condition=MatchConditions.IfNotModified,
        )
    assert modified.value.status_code == 412
    assert modified.value.error.code == "ConditionNotMet"
    pool = client.get_pool(pool_id)
    assert [(m.name, m.value) for m in pool.metadata] == [("v", "2")]
    assert pool.etag == current

    # The same guard on resize, enable autoscale and delete.
    with pytest.raises(ResourceModifiedError):
        client.begin_resize_pool(
            pool_id, models.BatchPoolResizeOptions(target_dedicated_nodes=1), etag=stale,
            match_condition=MatchConditions.IfNotModified,
        )
    with pytest.raises(ResourceModifiedError):
        client.enable_pool_auto_scale(
            pool_id, models.BatchPoolEnableAutoScaleOptions(auto_scale_formula="$TargetDedicatedNodes = 0;"),
            etag=stale, match_condition=MatchConditions.IfNotModified,
        )
    with pytest.raises(ResourceModifiedError):
        client.begin_delete_pool(pool_id, etag=stale, match_condition=MatchConditions.IfNotModified)
    pool = client.get_pool(pool_id)
    assert pool.state == models.BatchPoolState.ACTIVE
    assert pool.enable_auto_scale is False
    assert pool.target_dedicated_nodes == 0

    # The current ETag (sent quoted by the SDK) passes.
    client.update_pool(
        pool_id,
        models.BatchPoolUpdateOptions(metadata=[models.BatchMetadataItem(name="v", value="4")]),
        etag=current,
        match_condition=MatchConditions.IfNotModified,
    )
    assert [(m.name, m.value) for m in client.get_pool(pool_id).metadata] == [("v", "4")]


def test_conditional_reads(client):
    pool_id = unique_id("cond-read")
    client.create_pool(pool_options(pool_id))
    pool = client.get_pool(pool_id)
    # If-None-Match with the current ETag: 304, which the SDK raises as ResourceModifiedError.
    with pytest.raises(ResourceModifiedError) as not_modified:
        client.get_pool(pool_id, etag=pool.etag, match_condition=MatchConditions.IfModified)
    assert not_modified.value.status_code == 304
    # With an old ETag the pool is returned.
    again = client.get_pool(pool_id, etag="0x8D0000000000000", match_condition=MatchConditions.IfModified)
    assert again.id == pool_id
    # If-Match with the current ETag succeeds; HEAD takes the same conditions.
    assert client.get_pool(pool_id, etag=pool.etag, match_condition=MatchConditions.IfNotModified).etag == pool.etag
    assert client.pool_exists(pool_id, etag=pool.etag, match_condition=MatchConditions.IfNotModified) is True
    # If-Modified-Since: not modified since a later time is 304; since an earlier time, 200.
    later = pool.last_modified + datetime.timedelta(minutes=1)
    with pytest.raises(ResourceModifiedError) as not_since:
        client.get_pool(pool_id, if_modified_since=later)
    assert not_since.value.status_code == 304
    earlier = pool.last_modified - datetime.timedelta(minutes=1)
    assert client.get_pool(pool_id, if_modified_since=earlier).etag == pool.etag
    # If-Unmodified-Since before the last change fails a write with 412.
    long_ago = datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)
    with pytest.raises(HttpResponseError) as precondition:
        client.update_pool(pool_id, models.BatchPoolUpdateOptions(metadata=[]), if_unmodified_since=long_ago)
    assert precondition.value.status_code == 412
    assert precondition.value.error.code == "ConditionNotMet"


def test_patch_vm_size_on_non_empty_pool_is_refused(client):
    pool_id = unique_id("vmsize")
    ready_pool(client, pool_id, dedicated=1)
    with pytest.raises(HttpResponseError) as refused:
        client.update_pool(pool_id, models.BatchPoolUpdateOptions(vm_size="standard_d8s_v3"))
    assert refused.value.status_code == 409
    assert refused.value.error.code == "OperationInvalidForCurrentState"
    assert error_values(refused.value).get("PropertyName") == "vmSize"
    assert client.get_pool(pool_id).vm_size.lower() == "standard_d2s_v3"

    # Once the pool is empty the same PATCH is accepted.
    client.begin_resize_pool(
        pool_id, models.BatchPoolResizeOptions(target_dedicated_nodes=0), polling_interval=0.05
    ).result(timeout=10)
    wait_for(lambda: list(client.list_nodes(pool_id)) == [], "the pool to empty")
    client.update_pool(
        pool_id,
        models.BatchPoolUpdateOptions(
            vm_size="standard_d8s_v3",
            task_slots_per_node=4,
            virtual_machine_configuration=vm_config(
                image_reference=image(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
                node_agent_sku_id="batch.node.ubuntu 24.04",
            ),
        ),
    )
    pool = client.get_pool(pool_id)
    assert pool.vm_size.lower() == "standard_d8s_v3"
    assert pool.task_slots_per_node == 4
    assert pool.virtual_machine_configuration.image_reference.offer == "ubuntu-24_04-lts"
    assert pool.virtual_machine_configuration.node_agent_sku_id == "batch.node.ubuntu 24.04"


def test_resize_while_resizing_is_refused(frozen_emulator):
    client = frozen_emulator.client()
    pool_id = unique_id("busy")
    client.create_pool(pool_options(pool_id, target_dedicated_nodes=2))
    assert client.get_pool(pool_id).allocation_state == models.AllocationState.RESIZING
    with pytest.raises(ResourceExistsError) as refused:
        client.begin_resize_pool(pool_id, models.BatchPoolResizeOptions(target_dedicated_nodes=5))
    assert refused.value.status_code == 409
    assert refused.value.error.code == "PoolBeingResized"
    assert client.get_pool(pool_id).target_dedicated_nodes == 2


def test_resize_under_autoscale_is_refused(client):
    pool_id = unique_id("auto-resize")
    client.create_pool(
        pool_options(
            pool_id,
            enable_auto_scale=True,
            auto_scale_formula="$TargetDedicatedNodes = 0;",
            auto_scale_evaluation_interval=datetime.timedelta(minutes=5),
        )
    )
    pool = client.get_pool(pool_id)
    assert pool.enable_auto_scale is True
    with pytest.raises(ResourceExistsError) as refused:
        client.begin_resize_pool(pool_id, models.BatchPoolResizeOptions(target_dedicated_nodes=3))
    assert refused.value.status_code == 409
    assert client.get_pool(pool_id).target_dedicated_nodes == 0


def test_writes_to_a_deleting_pool_are_pool_being_deleted(frozen_emulator):
    client = frozen_emulator.client()
    pool_id = unique_id("deleting")
    client.create_pool(pool_options(pool_id, metadata=[models.BatchMetadataItem(name="k", value="v")]))
    client.begin_delete_pool(pool_id, polling_interval=0.05)
    assert client.get_pool(pool_id).state == models.BatchPoolState.DELETING

    attempts = {
        "update": lambda: client.update_pool(pool_id, models.BatchPoolUpdateOptions(metadata=[])),
        "replace": lambda: client.replace_pool_properties(
            pool_id, models.BatchPoolReplaceOptions(metadata=[], application_package_references=[])
        ),
        "resize": lambda: client.begin_resize_pool(pool_id, models.BatchPoolResizeOptions(target_dedicated_nodes=1)),
        "delete": lambda: client.begin_delete_pool(pool_id),
        "create": lambda: client.create_pool(pool_options(pool_id)),
    }
    codes = {}
    for name, attempt in attempts.items():
        with pytest.raises(HttpResponseError) as refused:
            attempt()
        codes[name] = (refused.value.status_code, refused.value.error.code)
    assert codes == {name: (409, "PoolBeingDeleted") for name in attempts}
    assert [(m.name, m.value) for m in client.get_pool(pool_id).metadata] == [("k", "v")]


def test_missing_required_property_is_named(client):
    pool_id = unique_id("no-size")
    options = models.BatchPoolCreateOptions(id=pool_id, virtual_machine_configuration=vm_config(), target_dedicated_nodes=0)
    with pytest.raises(HttpResponseError) as refused:
        client.create_pool(options)
    err = refused.value
    assert err.status_code == 400
    assert err.error.code == "MissingRequiredProperty"
    assert error_values(err) == {"PropertyName": "vmSize"}
    # The SDK exposes `values` as error details too.
    assert [(d.code, d.message) for d in err.error.details] == [("PropertyName", "vmSize")]
    with pytest.raises(ResourceNotFoundError):
        client.get_pool(pool_id)


def test_end_of_life_image_is_refused(client):
    pool_id = unique_id("eol")
    options = pool_options(
        pool_id,
        virtual_machine_configuration=vm_config(
            image_reference=image(publisher="canonical", offer="ubuntuserver", sku="16.04-lts"),
            node_agent_sku_id="batch.node.ubuntu 16.04",
        ),
    )
    with pytest.raises(HttpResponseError) as refused:
        client.create_pool(options)
    err = refused.value
    assert err.status_code == 400
    assert err.error.code == "InvalidPropertyValue"
    assert error_values(err)["PropertyName"] == "imageReference"
    with pytest.raises(ResourceNotFoundError):
        client.get_pool(pool_id)


def test_node_agent_sku_must_match_the_image(client):
    pool_id = unique_id("agent")
    options = pool_options(pool_id, virtual_machine_configuration=vm_config(node_agent_sku_id="batch.node.ubuntu 20.04"))
    with pytest.raises(HttpResponseError) as refused:
        client.create_pool(options)
    assert refused.value.status_code == 400
    assert refused.value.error.code == "InvalidPropertyValue"
    assert error_values(refused.value)["PropertyName"] == "nodeAgentSKUId"


def test_pool_id_of_sixty_four_characters_is_accepted(client):
    pool_id = unique_id("long")
    pool_id += "x" * (64 - len(pool_id))
    client.create_pool(pool_options(pool_id))
    assert client.get_pool(pool_id).id == pool_id


@pytest.mark.parametrize(
    "bad_id",
    ["has space", "x" * 65, "dots.are.not.allowed"],
)
def test_invalid_pool_id_is_refused(client, bad_id):
    with pytest.raises(HttpResponseError) as refused:
        client.create_pool(pool_options(bad_id))
    assert refused.value.status_code == 400
    assert refused.value.error.code == "InvalidPropertyValue"
    assert error_values(refused.value)["PropertyName"] == "id"


def test_autoscale_and_fixed_target_are_exclusive(client):
    options = pool_options(
        unique_id("both"),
        enable_auto_scale=True,
        auto_scale_formula="$TargetDedicatedNodes = 1;",
        target_dedicated_nodes=2,
    )
    with pytest.raises(HttpResponseError) as refused:
        client.create_pool(options)
    assert refused.value.status_code == 400
    assert error_values(refused.value)["PropertyName"] == "targetDedicatedNodes"


def test_resize_timeout_below_five_minutes_is_refused(client):
    pool_id = unique_id("timeout")
    client.create_pool(pool_options(pool_id))
    wait_steady(client, pool_id)
    with pytest.raises(HttpResponseError) as refused:
        client.begin_resize_pool(
            pool_id,
            models.BatchPoolResizeOptions(target_dedicated_nodes=1, resize_timeout=datetime.timedelta(minutes=2)),
        )
    assert refused.value.status_code == 400
    assert error_values(refused.value)["PropertyName"] == "resizeTimeout"
    assert client.get_pool(pool_id).target_dedicated_nodes == 0


def test_unsupported_api_version_is_refused(emulator):
    client = emulator.client(api_version="2019-01-01.8.0")
    with pytest.raises(HttpResponseError) as refused:
        list(client.list_pools())
    assert refused.value.status_code == 400
    assert refused.value.error.code == "UnsupportedRequestVersion"
    # The versions the service documents for this API are accepted.
    for version in ("2025-06-01.21.0", "2024-07-01.20.0"):
        other = emulator.client(api_version=version)
        assert isinstance(list(other.list_pools()), list)
