#!/usr/bin/env bash
# The model server's tests (run by npm test): Ray Serve into .venv when missing, the HTTP edge's Python unit tests,
# then the end-to-end suite against a real local Ray head with 2 replicas of the bundled model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash serve/setup.sh
(cd serve && ../.venv/bin/python -m unittest discover -s tests -t . -v)
node --import tsx --test --test-concurrency=1 test/serve/*.test.ts
