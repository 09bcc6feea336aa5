#!/usr/bin/env bash
# Installs what the tests need, once (idempotent): Debian's python3-venv for the project's Python environment
# (test/setup-python.sh: torch, onnx, onnxruntime... from pip), Chromium and libkrb5-dev for the real VS Code
# server the editor tests drive, ripgrep for that server.
set -euo pipefail
need=()
for p in python3-venv chromium libkrb5-dev ripgrep; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
[ -d node_modules ] || ONNXRUNTIME_NODE_INSTALL=skip npm ci
bash test/setup-python.sh
bash test/editor/install-vscode-server.sh
