#!/usr/bin/env bash
# The project's Python environment: .venv at the repository root with training/requirements.txt (torch CPU, onnx,
# onnxruntime with its quantization tools, numpy, safetensors, gguf...). Idempotent: a stamp holding the
# requirements file's hash skips the install when nothing changed. pip reads its index from the machine's own
# configuration (`pip config list`): the public index on a user's machine, a local wheel index where one is set.
set -euo pipefail
cd "$(dirname "$0")/.."
REQ=training/requirements.txt
STAMP=.venv/.installed-$(sha256sum "$REQ" | cut -c1-16)
if [ -f "$STAMP" ] && [ -x .venv/bin/python ]; then
  echo "python environment up to date (.venv)"
  exit 0
fi
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
# --retries 0 / --timeout: an unreachable index fails fast instead of stalling the set-up for minutes
.venv/bin/pip install --disable-pip-version-check --retries 0 --timeout 20 -q -r "$REQ"
rm -f .venv/.installed-*
touch "$STAMP"
echo "python environment ready (.venv)"
