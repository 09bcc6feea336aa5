#!/usr/bin/env bash
# Makes the project's Python environment (.venv at the repository root) able to run the model server: creates the
# venv when it does not exist yet, and installs serve/requirements.txt when Ray Serve is not importable. Idempotent
# and quick when there is nothing to do (one import check). Used by serve/test.sh and named by `diffucode serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || python3 -m venv .venv
if ! "$PY" -c 'import ray.serve' >/dev/null 2>&1; then
  echo "installing serve/requirements.txt into .venv (Ray Serve)"
  # --retries 1: where the default index is unreachable and a local one serves the wheels, pip would otherwise
  # wait through five retries per package before using the local index.
  "$PY" -m pip install --disable-pip-version-check -q --retries 1 -r serve/requirements.txt
fi
