#!/usr/bin/env bash
# The conformance suite: drives `batchform emulator` with the official Python SDK
# (azure-batch, pinned in requirements.txt). Sets up .venv at the repository root when missing,
# builds the binary, and runs pytest; exits non-zero on any failure.
# Extra arguments go to pytest (e.g. `tests/sdk/run.sh -k paging -x`).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r tests/sdk/requirements.txt

cargo build --locked --quiet --bin batchform

export BATCHFORM_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/batchform"
exec .venv/bin/python -m pytest tests/sdk "$@"
