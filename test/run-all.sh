#!/usr/bin/env bash
# The project's one test command (`npm test`). Installs what it needs on a fresh machine, then runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# Tests never reach the network: a test that forgets to point HF_ENDPOINT at its local stand-in of the Hub gets a
# refused connection (port 9, discard), never huggingface.co. Tests that use the stand-in set their own endpoint.
export HF_ENDPOINT=http://127.0.0.1:9 HF_HUB_OFFLINE=1
bash test/setup-deps.sh
echo "== typecheck";            npx tsc -p . --noEmit
echo "== build";                node esbuild.mjs
echo "== unit (engine, filters, bench statistics)"; node --import tsx --test $(find src bench -name '*.test.ts' | sort)
echo "== training (python, .venv)"; .venv/bin/python -m unittest discover -s training/tests -t . -v
echo "== integration (real model, real worker)"; node --import tsx --test $(find test/integration -name '*.test.ts' | sort)
echo "== reliability (soak, killed/stopped worker, broken models, malformed IPC, odd files; figures: bench/results/reliability.json)"; node --import tsx --test --test-concurrency=1 $(find test/reliability -name '*.test.ts' | sort)
echo "== package (one VSIX per target, each opened and checked; ~1-2 min)"; node --import tsx --test $(find test/package -name '*.test.ts' | sort)
echo "== serve (Ray Serve: local head, 2 replicas of the real model, real clients)"; bash serve/test.sh
echo "== editor (real VS Code extension host)"; bash test/editor/run.sh
echo "== all suites passed"
