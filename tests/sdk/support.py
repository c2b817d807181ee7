"""Shared helpers: running an emulator process, the `/_emulator/` test routes, bounded polling,
and the pool and node set-ups most tests start from."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import itertools
import json
import os
import queue
import re
import subprocess
import tempfile
import threading
import time
import typing
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Optional, TypeVar

from azure.batch import BatchClient
from azure.batch import models
from azure.core.credentials import AzureNamedKeyCredential
from azure.core.exceptions import HttpResponseError

STARTUP_TIMEOUT = 15.0
WAIT_TIMEOUT = 10.0

# The marketplace image most tests use, as the supported-image catalog lists it.
UBUNTU_2204 = dict(publisher="canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts")
UBUNTU_2204_AGENT = "batch.node.ubuntu 22.04"
# A container-ready image (DockerCompatible), for pools with a container configuration.
CONTAINER_IMAGE = dict(publisher="microsoft-azure-batch", offer="ubuntu-server-container", sku="20-04-lts")
CONTAINER_AGENT = "batch.node.ubuntu 20.04"
VM_SIZE = "standard_d2s_v3"


class Emulator:
    """A `batchform emulator` process on a free loopback port."""

    HEADER = "batchform emulator: Azure Batch REST API 2025-06-01"

    def __init__(self, binary: str, *args: str):
        self._stderr = tempfile.TemporaryFile()
        self.argv = [binary, "emulator", "--listen", "127.0.0.1:0", *args]
        self.process = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self._lines: "queue.Queue[Optional[str]]" = queue.Queue()
        threading.Thread(target=self._drain, daemon=True).start()
        try:
            self.endpoint, self.account, self.key = self._read_banner()
        except BaseException:
            self.close()
            raise

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _read_banner(self) -> tuple[str, str, str]:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        lines: list[str] = []
        while len(lines) < 4:
            remaining = deadline - time.monotonic()
            try:
                line = self._lines.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                raise RuntimeError(f"emulator printed no banner within {STARTUP_TIMEOUT}s: {lines}{self._stderr_text()}")
            if line is None:
                raise RuntimeError(f"emulator exited before its banner: {lines}{self._stderr_text()}")
            lines.append(line)
        if lines[0] != self.HEADER:
            raise RuntimeError(f"unexpected first line {lines[0]!r}, expected {self.HEADER!r}")
        fields = {}
        for line in lines[1:]:
            match = re.fullmatch(r"  (endpoint|account|key): +(\S+)", line)
            if not match:
                raise RuntimeError(f"unexpected banner line {line!r}")
            fields[match.group(1)] = match.group(2)
        if not re.fullmatch(r"http://127\.0\.0\.1:[1-9][0-9]*", fields["endpoint"]):
            raise RuntimeError(f"unexpected endpoint {fields['endpoint']!r}")
        return fields["endpoint"], fields["account"], fields["key"]

    def _stderr_text(self) -> str:
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace").strip()
        return f"\nstderr:\n{text}" if text else ""

    def client(self, *, key: Optional[str] = None, account: Optional[str] = None, **kwargs: Any) -> BatchClient:
        credential = AzureNamedKeyCredential(account or self.account, key or self.key)
        return BatchClient(self.endpoint, credential, **kwargs)

    def inspect(self, method: str, path: str, body: Any = None) -> Any:
        """Calls a test-only `/_emulator/` route, signed with the account key as API requests
        are, and returns its JSON body (None when empty)."""
        data = None if body is None else json.dumps(body).encode()
        url = f"{self.endpoint}/_emulator/{path.lstrip('/')}"
        headers = shared_key_headers(method, url, self.account, self.key, data)
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            raise AssertionError(f"/_emulator/{path}: {err.code} {err.read().decode('utf-8', 'replace')}") from err
        return json.loads(raw) if raw.strip() else None

    def node_users(self, pool_id: str, node_id: str) -> dict[str, dict]:
        """The login users a node holds, by name, as the emulator keeps them."""
        users = self.inspect("GET", f"pools/{pool_id}/nodes/{node_id}/users")["value"]
        return {u["name"]: u for u in users}

    def advance(self, seconds: float) -> None:
        """Moves the emulator clock forward."""
        self.inspect("POST", "clock/advance", {"seconds": seconds})

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()


# The standard headers a Shared Key signature covers, in order, after the verb.
_SIGNED_HEADERS = (
    "content-encoding",
    "content-language",
    "content-length",
    "content-md5",
    "content-type",
    "date",
    "if-modified-since",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "range",
)


def shared_key_headers(method: str, url: str, account: str, key: str, data: Optional[bytes]) -> dict[str, str]:
    """The headers of a request signed with Shared Key in the service's documented layout (as
    batchform's client signs, src/batch/auth.rs): the verb, the standard headers, the `ocp-*`
    headers sorted, then `/account/path` and the query parameters with lowercased names, sorted."""
    headers = {"ocp-date": email.utils.formatdate(usegmt=True)}
    if data is not None:
        headers["content-type"] = "application/json"
    # An explicit length for bodies and body-less writes, so what is signed is what is sent.
    if data is not None or method.upper() not in ("GET", "HEAD"):
        headers["content-length"] = str(len(data or b""))
    lines = [method.upper()]
    lines += [headers.get(name, "") for name in _SIGNED_HEADERS]
    lines += [f"{name}:{value}" for name, value in sorted(headers.items()) if name.startswith("ocp-")]
    parts = urllib.parse.urlsplit(url)
    resource = f"/{account}{parts.path}"
    params: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        if value:
            params.setdefault(name.lower(), value)
    resource += "".join(f"\n{name}:{value}" for name, value in sorted(params.items()))
    to_sign = "\n".join(lines) + "\n" + resource
    digest = hmac.new(base64.b64decode(key), to_sign.encode("utf-8"), hashlib.sha256).digest()
    headers["authorization"] = f"SharedKey {account}:{base64.b64encode(digest).decode()}"
    return headers


T = TypeVar("T")


def wait_for(probe: Callable[[], T], what: str, timeout: float = WAIT_TIMEOUT, interval: float = 0.02) -> T:
    """Calls `probe` until it returns something truthy, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last probe: {last!r}")
        time.sleep(interval)


_ids = itertools.count(1)


def unique_id(prefix: str) -> str:
    """A pool id no other test in this run uses."""
    return f"{prefix}-{os.getpid()}-{next(_ids)}"


def image(**overrides: str) -> models.BatchVmImageReference:
    return models.BatchVmImageReference(**{**UBUNTU_2204, **overrides})


def vm_config(**kwargs: Any) -> models.VirtualMachineConfiguration:
    kwargs.setdefault("image_reference", image())
    kwargs.setdefault("node_agent_sku_id", UBUNTU_2204_AGENT)
    return models.VirtualMachineConfiguration(**kwargs)


def pool_options(pool_id: str, **kwargs: Any) -> models.BatchPoolCreateOptions:
    """A valid Ubuntu 22.04 pool, empty unless told otherwise; keyword arguments override or
    add fields. (Without autoscale the service requires a target node count.)"""
    kwargs.setdefault("vm_size", VM_SIZE)
    if not kwargs.get("enable_auto_scale"):
        kwargs.setdefault("target_dedicated_nodes", 0)
    kwargs.setdefault("virtual_machine_configuration", vm_config())
    return models.BatchPoolCreateOptions(id=pool_id, **kwargs)


def wait_steady(client: BatchClient, pool_id: str, timeout: float = WAIT_TIMEOUT) -> models.BatchPool:
    def probe():
        pool = client.get_pool(pool_id)
        return pool if pool.allocation_state == models.AllocationState.STEADY else None

    return wait_for(probe, f"pool {pool_id} to be steady", timeout)


def wait_idle_nodes(client: BatchClient, pool_id: str, count: int, timeout: float = WAIT_TIMEOUT) -> list[models.BatchNode]:
    """Waits until the pool has exactly `count` nodes, all idle."""

    def probe():
        nodes = list(client.list_nodes(pool_id))
        ready = len(nodes) == count and all(n.state == models.BatchNodeState.IDLE for n in nodes)
        return (nodes,) if ready else None

    [nodes] = wait_for(probe, f"{count} idle nodes in pool {pool_id}", timeout)
    return nodes


def ready_pool(client: BatchClient, pool_id: str, dedicated: int = 1, **kwargs: Any) -> list[models.BatchNode]:
    """Creates a pool with `dedicated` nodes and waits until they are all idle."""
    client.create_pool(pool_options(pool_id, target_dedicated_nodes=dedicated, **kwargs))
    wait_steady(client, pool_id)
    return wait_idle_nodes(client, pool_id, dedicated)


def capture(calls: list) -> Callable:
    """A `cls=` callback for the SDK's operations that records (status, response headers)."""

    def record(pipeline_response, _deserialized, headers):
        calls.append((pipeline_response.http_response.status_code, headers))
        return _deserialized

    return record


class Recorder:
    """A client-wide `raw_response_hook` that records every exchange as (method, url, status)."""

    def __init__(self) -> None:
        self.exchanges: list[tuple[str, str, int]] = []

    def __call__(self, pipeline_response) -> None:
        request = pipeline_response.http_request
        self.exchanges.append((request.method, request.url, pipeline_response.http_response.status_code))

    def statuses(self, method: str, path_suffix: str) -> list[int]:
        """Statuses of the requests with this method whose path ends with `path_suffix`."""
        return [
            status
            for m, url, status in self.exchanges
            if m == method and urllib.parse.urlsplit(url).path.endswith(path_suffix)
        ]


def missing_required(model, *, allowed: tuple[str, ...] = ()) -> list[str]:
    """The JSON properties the SDK types as required (not `Optional`) on this model's class that
    the payload lacks, less `allowed` (properties the service documents as conditional)."""
    cls = type(model)
    annotations: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        annotations.update(getattr(klass, "__annotations__", {}))
    fields = getattr(cls, "_attr_to_rest_field")
    required = [
        field._rest_name
        for attr, field in fields.items()
        if attr in annotations and type(None) not in typing.get_args(annotations[attr])
    ]
    return [name for name in required if name not in model and name not in allowed]


def error_values(err: HttpResponseError) -> dict[str, str]:
    """The `values` of a Batch error body, as key → value."""
    model = err.model
    assert model is not None, f"the SDK could not read a Batch error body from: {err.response.text()!r}"
    return {v.key: v.value for v in (model.error_values or [])}


def error_code(err: HttpResponseError) -> Optional[str]:
    """The Batch error code, as the SDK exposes it on the exception."""
    return err.error.code if err.error is not None else None
