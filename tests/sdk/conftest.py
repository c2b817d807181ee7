"""Fixtures for the conformance suite: a `batchform emulator` subprocess per module (or per
test, where a test needs a clean account or a frozen clock) and an official `azure-batch`
client bound to it.

The binary comes from `BATCHFORM_BIN` (see `run.sh`). Lifecycle phases last
`BATCHFORM_PHASE` (20ms by default) so pools and nodes settle in milliseconds; tests that
must watch an intermediate state use `frozen_emulator`, whose phases last an hour and only
move when the test advances the emulator clock.
"""

import os

import pytest

from support import Emulator


def _binary() -> str:
    path = os.environ.get("BATCHFORM_BIN")
    if not path:
        pytest.exit("BATCHFORM_BIN is not set: point it at the batchform binary (run tests/sdk/run.sh)", 2)
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.exit(f"BATCHFORM_BIN={path} is not an executable file", 2)
    return path


PHASE = os.environ.get("BATCHFORM_PHASE", "20ms")


def start_emulator(*args: str) -> Emulator:
    return Emulator(_binary(), "--phase", PHASE, *args)


@pytest.fixture(scope="module")
def emulator():
    """One emulator shared by the tests of a module, with fast phases."""
    emu = start_emulator()
    try:
        yield emu
    finally:
        emu.close()


@pytest.fixture(scope="module")
def client(emulator):
    """An azure-batch client with the emulator's account and key."""
    return emulator.client()


@pytest.fixture
def fresh_emulator():
    """An emulator of its own, for tests that count everything in the account."""
    emu = start_emulator()
    try:
        yield emu
    finally:
        emu.close()


@pytest.fixture
def frozen_emulator():
    """An emulator whose phases last an hour: states change only when the test advances the
    clock through `/_emulator/clock/advance`, so intermediate states can be observed."""
    emu = Emulator(_binary(), "--phase", "1h")
    try:
        yield emu
    finally:
        emu.close()
