"""The protocol around the operations, as the SDK exercises it: response headers it reads
(ETag, Last-Modified, request-id, client-request-id echo), the `timeOut` query parameter,
Shared Key's clock-skew window, the Entra ID bearer path, Shared Key on the inspection routes,
the SDK's retries over injected throttling and faults, the core quota's `resizeErrors`, node
reboot and removal through the SDK's pollers, `$expand=stats`, and state that survives a
restart."""

import datetime
import json
import os
import tempfile
import urllib.error
import urllib.request
import uuid

import pytest

from azure.batch import BatchClient, models
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError

from conftest import start_emulator
from support import (
    capture,
    pool_options,
    missing_required,
    ready_pool,
    shared_key_headers,
    unique_id,
    wait_for,
    wait_idle_nodes,
    wait_steady,
)


def test_response_headers_the_sdk_reads(client):
    pool_id = unique_id("headers")
    created = []
    client.create_pool(pool_options(pool_id), cls=capture(created))
    [(_, headers)] = created
    assert isinstance(headers["Last-Modified"], datetime.datetime)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - headers["Last-Modified"]).total_seconds()) < 60
    uuid.UUID(headers["request-id"])
    # client-request-id is echoed only when asked for.
    assert headers["client-request-id"] is None

    sent = str(uuid.uuid4())
    got = []
    client.get_pool(
        pool_id, request_id=sent, headers={"return-client-request-id": "true"}, service_timeout=10, cls=capture(got)
    )
    [(status, headers)] = got
    assert status == 200
    assert headers["client-request-id"] == sent
    assert headers["ETag"] == client.get_pool(pool_id).etag
    assert headers["request-id"] != created[0][1]["request-id"]
    # timeOut above 30 seconds is not an error: the service uses its default instead.
    assert client.get_pool(pool_id, service_timeout=120).id == pool_id


@pytest.mark.parametrize("skew_minutes, accepted", [(-5, True), (-20, False), (20, False)])
def test_shared_key_clock_skew_window(client, skew_minutes, accepted):
    ocp_date = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=skew_minutes)
    if accepted:
        assert isinstance(list(client.list_pools(ocp_date=ocp_date)), list)
    else:
        with pytest.raises(HttpResponseError) as rejected:
            list(client.list_pools(ocp_date=ocp_date))
        assert rejected.value.status_code == 403
        assert rejected.value.error.code == "AuthenticationFailed"


class StaticToken:
    """A TokenCredential with a fixed token, recording the scopes asked for."""

    def __init__(self, token: str):
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes, **_kwargs):
        self.scopes.append(scopes)
        return AccessToken(self.token, int(datetime.datetime.now().timestamp()) + 3600)


def test_bearer_token_path():
    emulator = start_emulator("--token", "entra-token-1")
    try:
        credential = StaticToken("entra-token-1")
        client = BatchClient(emulator.endpoint, credential)
        pool_id = unique_id("bearer")
        # azure-core refuses bearer tokens over plain HTTP unless told; the emulator is loopback.
        client.create_pool(pool_options(pool_id), enforce_https=False)
        assert client.get_pool(pool_id, enforce_https=False).id == pool_id
        assert credential.scopes[0] == ("https://batch.core.windows.net//.default",)

        wrong = BatchClient(emulator.endpoint, StaticToken("not-the-token"))
        with pytest.raises(HttpResponseError) as rejected:
            wrong.get_pool(pool_id, enforce_https=False)
        assert rejected.value.status_code == 403
        assert rejected.value.error.code == "AuthenticationFailed"
    finally:
        emulator.close()


def test_inspection_routes_take_the_account_credentials(emulator):
    url = f"{emulator.endpoint}/_emulator/stats"
    wrong_key = "d3Jvbmcta2V5"
    for headers in ({}, shared_key_headers("GET", url, emulator.account, wrong_key, None)):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)
        assert refused.value.code == 403
        assert json.loads(refused.value.read())["code"] == "AuthenticationFailed"
    signed = shared_key_headers("GET", url, emulator.account, emulator.key, None)
    with urllib.request.urlopen(urllib.request.Request(url, headers=signed), timeout=10) as response:
        assert response.status == 200
        assert "byOperation" in json.loads(response.read())


def test_sdk_retries_through_injected_faults(fresh_emulator):
    client = fresh_emulator.client(
        retry_total=10,
        retry_connect=10,
        retry_read=10,
        retry_status=10,
        retry_backoff_factor=0.01,
        retry_backoff_max=0.05,
    )
    pool_id = unique_id("faults")
    client.create_pool(pool_options(pool_id))
    fresh_emulator.inspect("DELETE", "stats")
    fresh_emulator.inspect("PUT", "faults", {"rate": 0.3, "seed": 11, "retryAfterSeconds": 0})
    try:
        for _ in range(20):
            assert client.get_pool(pool_id).id == pool_id
            assert [p.id for p in client.list_pools()] == [pool_id]
    finally:
        fresh_emulator.inspect("PUT", "faults", {"rate": 0.0})
    stats = fresh_emulator.inspect("GET", "stats")
    # Faults really happened, and the SDK's retry policy absorbed every one of them.
    assert sum(stats["faults"].values()) > 0, stats


def test_core_quota_gives_partial_allocation_and_resize_errors():
    # standard_d2s_v3 has 2 cores: a 5-core quota holds two such nodes.
    emulator = start_emulator("--core-quota", "5")
    try:
        client = emulator.client()
        pool_id = unique_id("quota")
        client.create_pool(pool_options(pool_id, target_dedicated_nodes=4))
        pool = wait_steady(client, pool_id)
        assert pool.target_dedicated_nodes == 4
        assert pool.current_dedicated_nodes == 2
        assert pool.resize_errors, pool.as_dict()
        assert isinstance(pool.resize_errors[0], models.ResizeError)
        assert pool.resize_errors[0].code == "AccountCoreQuotaReached"
        assert pool.resize_errors[0].message
        wait_idle_nodes(client, pool_id, 2)
    finally:
        emulator.close()


def test_reboot_and_remove_nodes_through_sdk_pollers(client):
    pool_id = unique_id("reboot")
    first, second = ready_pool(client, pool_id, dedicated=2)
    boot = client.get_node(pool_id, first.id).last_boot_time

    # azure-batch 15.1.0 fails client-side when no reboot options are given (it serializes a
    # None content type), and does not export the options model: use it from its module.
    reboot = models._models.BatchNodeRebootOptions(node_reboot_kind="requeue")
    client.begin_reboot_node(pool_id, first.id, reboot, polling_interval=0.05).result(timeout=10)
    node = wait_for(
        lambda: (n := client.get_node(pool_id, first.id)).state == models.BatchNodeState.IDLE and n,
        "the rebooted node to be idle",
    )
    assert node.last_boot_time > boot

    poller = client.begin_remove_nodes(
        pool_id,
        models.BatchNodeRemoveOptions(
            node_ids=[second.id], node_deallocation_option=models.BatchNodeDeallocationOption.TASK_COMPLETION
        ),
        polling_interval=0.05,
    )
    poller.result(timeout=10)
    assert poller.status() == "Succeeded"
    wait_for(lambda: [n.id for n in client.list_nodes(pool_id)] == [first.id], "the removed node to leave")
    pool = client.get_pool(pool_id)
    assert pool.target_dedicated_nodes == 1
    assert pool.current_dedicated_nodes == 1


def test_expand_stats(client):
    pool_id = unique_id("stats")
    client.create_pool(pool_options(pool_id))
    assert client.get_pool(pool_id).pool_statistics is None
    pool = client.get_pool(pool_id, expand=["stats"])
    stats = pool.pool_statistics
    assert isinstance(stats, models.BatchPoolStatistics)
    assert missing_required(stats) == []
    for part in (stats.usage_statistics, stats.resource_statistics):
        assert part is None or missing_required(part) == []
    assert stats.url
    assert isinstance(stats.start_time, datetime.datetime)
    assert isinstance(stats.last_update_time, datetime.datetime)


def test_state_survives_a_restart():
    with tempfile.TemporaryDirectory() as directory:
        state = os.path.join(directory, "emulator.json")
        pool_id = unique_id("persist")
        first = start_emulator("--state", state)
        try:
            client = first.client()
            client.create_pool(pool_options(pool_id, metadata=[models.BatchMetadataItem(name="keep", value="me")]))
            etag = client.get_pool(pool_id).etag
        finally:
            first.close()
        second = start_emulator("--state", state)
        try:
            pool = second.client().get_pool(pool_id)
            assert pool.etag == etag
            assert [(m.name, m.value) for m in pool.metadata] == [("keep", "me")]
        finally:
            second.close()
