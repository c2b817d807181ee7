"""Account-level listings through the SDK: the supported-image catalog (with `$filter` and
paging) and the per-pool node counts."""

import datetime

from azure.batch import models

from support import UBUNTU_2204, UBUNTU_2204_AGENT, missing_required, ready_pool, unique_id


def key(image: models.BatchSupportedImage) -> tuple[str, str, str]:
    ref = image.image_reference
    return (ref.publisher.lower(), ref.offer.lower(), ref.sku.lower())


def test_supported_images_catalog(client):
    images = list(client.list_supported_images())
    assert all(isinstance(i, models.BatchSupportedImage) for i in images)
    assert [(key(i), missing_required(i)) for i in images if missing_required(i)] == []
    by_key = {key(i): i for i in images}
    assert len(by_key) == len(images), "an image is listed twice"

    jammy = by_key[tuple(UBUNTU_2204.values())]
    assert jammy.node_agent_sku_id == UBUNTU_2204_AGENT
    assert jammy.os_type == models.OSType.LINUX
    assert jammy.verification_type == models.ImageVerificationType.VERIFIED
    assert jammy.batch_support_end_of_life is None

    agents = {i.node_agent_sku_id for i in images}
    assert {"batch.node.ubuntu 20.04", "batch.node.ubuntu 22.04", "batch.node.ubuntu 24.04", "batch.node.windows amd64"} <= agents

    windows = [i for i in images if i.os_type == models.OSType.WINDOWS]
    assert windows and all(i.node_agent_sku_id == "batch.node.windows amd64" for i in windows)
    assert any("2022-datacenter" in i.image_reference.sku for i in windows)

    assert any("DockerCompatible" in (i.capabilities or []) for i in images)

    now = datetime.datetime.now(datetime.timezone.utc)
    retired = [i for i in images if i.batch_support_end_of_life is not None and i.batch_support_end_of_life < now]
    assert {i.node_agent_sku_id for i in retired} >= {"batch.node.ubuntu 16.04"}


def test_supported_images_filter(client):
    windows = list(client.list_supported_images(filter="osType eq 'windows'"))
    assert windows
    assert all(i.os_type == models.OSType.WINDOWS for i in windows)

    jammy = list(client.list_supported_images(filter=f"nodeAgentSKUId eq '{UBUNTU_2204_AGENT}'"))
    assert jammy
    assert all(i.node_agent_sku_id == UBUNTU_2204_AGENT for i in jammy)
    assert tuple(UBUNTU_2204.values()) in {key(i) for i in jammy}

    everything = list(client.list_supported_images())
    unverified = list(client.list_supported_images(filter="verificationType eq 'unverified'"))
    assert 0 < len(unverified) < len(everything)
    assert all(i.verification_type == models.ImageVerificationType.UNVERIFIED for i in unverified)


def test_supported_images_paging(client):
    everything = [key(i) for i in client.list_supported_images()]
    pages = [[key(i) for i in page] for page in client.list_supported_images(max_results=4).by_page()]
    assert all(len(page) <= 4 for page in pages)
    assert len(pages) >= 2
    assert [k for page in pages for k in page] == everything


def test_pool_node_counts(client):
    pool_id = unique_id("counts")
    ready_pool(client, pool_id, dedicated=2)
    empty_id = unique_id("counts-empty")
    ready_pool(client, empty_id, dedicated=0)

    counts = {c.pool_id: c for c in client.list_pool_node_counts()}
    assert isinstance(counts[pool_id], models.BatchPoolNodeCounts)
    for pool_counts in counts.values():
        assert missing_required(pool_counts) == []
        assert missing_required(pool_counts.dedicated) == []
        assert missing_required(pool_counts.low_priority) == []
    dedicated = counts[pool_id].dedicated
    assert isinstance(dedicated, models.BatchNodeCounts)
    assert dedicated.idle == 2
    assert dedicated.total == 2
    assert dedicated.creating == dedicated.starting == dedicated.running == dedicated.start_task_failed == 0
    assert counts[pool_id].low_priority.total == 0
    assert counts[empty_id].dedicated.total == 0

    [only] = list(client.list_pool_node_counts(filter=f"poolId eq '{pool_id}'"))
    assert only.pool_id == pool_id
    assert only.dedicated.idle == 2
