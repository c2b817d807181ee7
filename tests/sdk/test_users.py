"""Node login users through the SDK: create (201), duplicate (`NodeUserExists`), full replace,
delete, and the not-found and node-state refusals. The API cannot list users, so what a node
holds is read from the emulator's `/_emulator/` inspection route."""

import datetime

import pytest

from azure.batch import models
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

from support import capture, image, pool_options, ready_pool, unique_id, vm_config

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq3xSZyg3Q0tB1jX7n4I8aW2dS0m6qk4yqV0bqg5v3R ci@batchform"


@pytest.fixture(scope="module")
def node(client):
    pool_id = unique_id("users")
    [node] = ready_pool(client, pool_id, dedicated=1)
    return pool_id, node.id


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_create_user_is_visible_on_the_node(client, emulator, node):
    pool_id, node_id = node
    expiry = datetime.datetime(2099, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    calls = []
    client.create_node_user(
        pool_id,
        node_id,
        models.BatchNodeUserCreateOptions(
            name="alice", is_admin=True, expiry_time=expiry, password="P@ssw0rd-1", ssh_public_key=SSH_KEY
        ),
        cls=capture(calls),
    )
    assert [status for status, _ in calls] == [201]
    users = emulator.node_users(pool_id, node_id)
    alice = users["alice"]
    assert alice["isAdmin"] is True
    assert utc(alice["expiryTime"]) == expiry
    assert alice["sshPublicKey"] == SSH_KEY
    assert alice["hasPassword"] is True
    assert "P@ssw0rd-1" not in str(users)


def test_create_user_defaults_to_one_day_expiry_and_non_admin(client, emulator, node):
    pool_id, node_id = node
    before = datetime.datetime.now(datetime.timezone.utc)
    client.create_node_user(pool_id, node_id, models.BatchNodeUserCreateOptions(name="bob", password="pw-bob"))
    bob = emulator.node_users(pool_id, node_id)["bob"]
    assert bob["isAdmin"] is False
    expires_in = utc(bob["expiryTime"]) - before
    assert datetime.timedelta(hours=23, minutes=59) <= expires_in <= datetime.timedelta(days=1, minutes=1)


def test_duplicate_user_is_refused(client, node):
    pool_id, node_id = node
    client.create_node_user(pool_id, node_id, models.BatchNodeUserCreateOptions(name="carol", password="pw-1"))
    with pytest.raises(ResourceExistsError) as exists:
        client.create_node_user(pool_id, node_id, models.BatchNodeUserCreateOptions(name="carol", password="pw-2"))
    assert exists.value.status_code == 409
    assert exists.value.error.code == "NodeUserExists"
    # User names on a node are case-insensitive too.
    with pytest.raises(ResourceExistsError):
        client.create_node_user(pool_id, node_id, models.BatchNodeUserCreateOptions(name="CAROL", password="pw-3"))


def test_replace_user_is_a_full_replace(client, emulator, node):
    pool_id, node_id = node
    client.create_node_user(
        pool_id,
        node_id,
        models.BatchNodeUserCreateOptions(
            name="dave",
            password="pw-dave",
            ssh_public_key=SSH_KEY,
            expiry_time=datetime.datetime(2099, 1, 1, tzinfo=datetime.timezone.utc),
        ),
    )
    new_expiry = datetime.datetime(2098, 6, 1, 12, 0, tzinfo=datetime.timezone.utc)
    calls = []
    client.replace_node_user(
        pool_id,
        node_id,
        "dave",
        models.BatchNodeUserReplaceOptions(password="pw-dave-2", expiry_time=new_expiry),
        cls=capture(calls),
    )
    assert [status for status, _ in calls] == [200]
    dave = emulator.node_users(pool_id, node_id)["dave"]
    assert utc(dave["expiryTime"]) == new_expiry
    assert dave["hasPassword"] is True
    # An omitted SSH key is removed, not kept.
    assert dave.get("sshPublicKey") is None

    before = datetime.datetime.now(datetime.timezone.utc)
    client.replace_node_user(pool_id, node_id, "dave", models.BatchNodeUserReplaceOptions(ssh_public_key=SSH_KEY))
    dave = emulator.node_users(pool_id, node_id)["dave"]
    assert dave["sshPublicKey"] == SSH_KEY
    # An omitted password is removed and an omitted expiry becomes one day from now.
    assert dave["hasPassword"] is False
    assert datetime.timedelta(hours=23, minutes=59) <= utc(dave["expiryTime"]) - before <= datetime.timedelta(days=1, minutes=1)


def test_delete_user_then_delete_again_is_not_found(client, emulator, node):
    pool_id, node_id = node
    client.create_node_user(pool_id, node_id, models.BatchNodeUserCreateOptions(name="erin", password="pw-erin"))
    assert "erin" in emulator.node_users(pool_id, node_id)
    calls = []
    client.delete_node_user(pool_id, node_id, "erin", cls=capture(calls))
    assert [status for status, _ in calls] == [200]
    assert "erin" not in emulator.node_users(pool_id, node_id)

    with pytest.raises(ResourceNotFoundError) as missing:
        client.delete_node_user(pool_id, node_id, "erin")
    assert missing.value.status_code == 404
    assert missing.value.error.code == "NodeUserNotFound"


def test_replace_missing_user_is_not_found(client, node):
    pool_id, node_id = node
    with pytest.raises(ResourceNotFoundError) as missing:
        client.replace_node_user(pool_id, node_id, "nobody", models.BatchNodeUserReplaceOptions(password="pw"))
    assert missing.value.error.code == "NodeUserNotFound"


def test_user_on_missing_node_is_not_found(client, node):
    pool_id, _ = node
    with pytest.raises(ResourceNotFoundError) as missing:
        client.create_node_user(
            pool_id, "tvm-0000000000_9-20000101t000000z", models.BatchNodeUserCreateOptions(name="x", password="pw")
        )
    assert missing.value.error.code == "NodeNotFound"


def test_users_only_on_idle_or_running_nodes(frozen_emulator):
    client = frozen_emulator.client()
    pool_id = unique_id("users-early")
    client.create_pool(pool_options(pool_id, target_dedicated_nodes=1))
    frozen_emulator.advance(3601)
    [node] = list(client.list_nodes(pool_id))
    assert node.state in (models.BatchNodeState.CREATING, models.BatchNodeState.STARTING)
    with pytest.raises(HttpResponseError) as refused:
        client.create_node_user(pool_id, node.id, models.BatchNodeUserCreateOptions(name="early", password="pw"))
    assert refused.value.status_code == 409
    assert refused.value.error.code in ("NodeBeingCreated", "NodeBeingStarted")
    assert frozen_emulator.node_users(pool_id, node.id) == {}


def test_windows_node_user_rules(client):
    pool_id = unique_id("users-win")
    [node] = ready_pool(
        client,
        pool_id,
        dedicated=1,
        virtual_machine_configuration=vm_config(
            image_reference=image(publisher="microsoftwindowsserver", offer="windowsserver", sku="2022-datacenter"),
            node_agent_sku_id="batch.node.windows amd64",
        ),
    )
    # SSH keys are for Linux nodes only: "the Batch service rejects the request" with 400.
    with pytest.raises(HttpResponseError) as ssh:
        client.create_node_user(
            pool_id, node.id, models.BatchNodeUserCreateOptions(name="win", password="Pw-123456!", ssh_public_key=SSH_KEY)
        )
    assert ssh.value.status_code == 400
    # A password is required on Windows nodes.
    with pytest.raises(HttpResponseError) as no_password:
        client.create_node_user(pool_id, node.id, models.BatchNodeUserCreateOptions(name="win"))
    assert no_password.value.status_code == 400
    client.create_node_user(pool_id, node.id, models.BatchNodeUserCreateOptions(name="win", password="Pw-123456!"))
    with pytest.raises(HttpResponseError) as replace_ssh:
        client.replace_node_user(
            pool_id, node.id, "win", models.BatchNodeUserReplaceOptions(password="Pw-2", ssh_public_key=SSH_KEY)
        )
    assert replace_ssh.value.status_code == 400
