#!/usr/bin/env bash
# Installs the system packages the tests need, once (idempotent). Debian only: python3-torch and
# python3-onnx for the training pipeline tests, OpenBLAS so torch is not 5-10x slower, Chromium and
# libkrb5-dev for the real VS Code server the editor tests drive.
set -euo pipefail
need=()
for p in python3-torch python3-onnx python3-regex python3-numpy libopenblas0-pthread chromium libkrb5-dev ripgrep; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
[ -d node_modules ] || ONNXRUNTIME_NODE_INSTALL=skip npm ci
bash test/editor/install-vscode-server.sh
