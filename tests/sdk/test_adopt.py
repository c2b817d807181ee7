"""A pool made with the official SDK, with every property batchform manages, is exported by
`batchform export`, adopted by `apply` with no other change, and the next plan is empty; read
back through the SDK, it is the pool the SDK made."""

import datetime
import os
import subprocess
import tempfile

from azure.batch import models

from support import image, unique_id, wait_steady


def batchform(emulator, cwd, *args, env=None):
    environment = {
        **os.environ,
        "AZURE_BATCH_ENDPOINT": emulator.endpoint,
        "AZURE_BATCH_ACCOUNT": emulator.account,
        "AZURE_BATCH_ACCESS_KEY": emulator.key,
        "NO_COLOR": "1",
        **(env or {}),
    }
    environment.pop("AZURE_BATCH_ACCESS_TOKEN", None)
    return subprocess.run(
        [os.environ["BATCHFORM_BIN"], *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )


def comparable(pool: models.BatchPool) -> dict:
    data = pool.as_dict()
    for volatile in ("eTag", "lastModified", "stateTransitionTime", "allocationStateTransitionTime", "metadata"):
        data.pop(volatile, None)
    return data


def test_an_sdk_pool_is_exported_and_adopted_with_nothing_else_changed(emulator, client):
    pool_id = unique_id("adopt")
    client.create_pool(
        models.BatchPoolCreateOptions(
            id=pool_id,
            display_name="Render farm",
            vm_size="standard_d2s_v3",
            virtual_machine_configuration=models.VirtualMachineConfiguration(
                image_reference=image(publisher="microsoft-dsvm", offer="ubuntu-hpc", sku="2204"),
                node_agent_sku_id="batch.node.ubuntu 22.04",
                container_configuration=models.BatchContainerConfiguration(
                    type=models.ContainerType.DOCKER_COMPATIBLE,
                    container_image_names=["myregistry.azurecr.io/render:2", "ubuntu:22.04"],
                    container_registries=[
                        models.ContainerRegistryReference(
                            registry_server="myregistry.azurecr.io", username="render", password="registry-secret-1"
                        )
                    ],
                ),
            ),
            target_dedicated_nodes=1,
            target_low_priority_nodes=1,
            resize_timeout=datetime.timedelta(minutes=20),
            task_slots_per_node=2,
            task_scheduling_policy=models.BatchTaskSchedulingPolicy(node_fill_type=models.BatchNodeFillType.PACK),
            enable_inter_node_communication=True,
            user_accounts=[
                models.UserAccount(
                    name="render",
                    password="account-secret-1",
                    elevation_level=models.ElevationLevel.NON_ADMIN,
                    linux_user_configuration=models.LinuxUserConfiguration(uid=4000, gid=4000),
                )
            ],
            start_task=models.BatchStartTask(
                command_line="/bin/bash -c 'echo ready'",
                user_identity=models.UserIdentity(username="render"),
                max_task_retry_count=2,
                wait_for_success=True,
                environment_settings=[models.EnvironmentSetting(name="STAGE", value="prod")],
            ),
            metadata=[models.BatchMetadataItem(name="team", value="vfx")],
        )
    )
    before = wait_steady(client, pool_id)
    with tempfile.TemporaryDirectory() as cwd:
        exported = batchform(emulator, cwd, "export", "--owner", "sdk-team", pool_id)
        assert exported.returncode == 0, exported.stderr
        assert exported.stdout.startswith("#:schema ")
        assert "adopt = true" in exported.stdout
        assert "secret-1" not in exported.stdout
        with open(os.path.join(cwd, "pools.toml"), "w") as spec:
            spec.write(exported.stdout)
        prefix = pool_id.upper().replace("-", "_")
        secrets = {
            f"{prefix}_REGISTRY_MYREGISTRY_AZURECR_IO_PASSWORD": "registry-secret-1",
            f"{prefix}_RENDER_PASSWORD": "account-secret-1",
        }
        planned = batchform(emulator, cwd, "plan", "--detailed-exitcode", "pools.toml", env=secrets)
        assert planned.returncode == 2, planned.stdout + planned.stderr
        assert f'pool "{pool_id}" will be adopted (batchform:owner set)' in planned.stdout
        assert " -> " not in planned.stdout, planned.stdout
        applied = batchform(emulator, cwd, "apply", "--auto-approve", "--timeout", "60s", "pools.toml", env=secrets)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        again = batchform(emulator, cwd, "plan", "--detailed-exitcode", "pools.toml", env=secrets)
        assert again.returncode == 0, again.stdout + again.stderr
    after = client.get_pool(pool_id)
    assert comparable(after) == comparable(before)
    metadata = {item.name: item.value for item in after.metadata}
    assert metadata["team"] == "vfx"
    assert metadata["batchform:owner"] == "sdk-team"
