#!/usr/bin/env bash
# Editor tests in a REAL VS Code extension host: starts the VS Code server (code-server 4.100.3 = VS Code
# 1.100.3, installed by install-vscode-server.sh) on a free port with a fresh user-data-dir, runs the
# extension-host suite (dist/test/editor-suite.js, through the workbench `payload` URL) and the UI flow
# (playwright-core + Debian chromium), stops the server. Exit code = test result.
# Needs `node esbuild.mjs` first (npm test does it). Output and screenshots: test-output/editor/.
# DIFFUCODE_EXTENSION_PATH: test another copy of the extension (e.g. an unpacked VSIX) instead of the repo.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
bash test/editor/install-vscode-server.sh >/dev/null
for f in dist/extension.js dist/worker.js dist/test/editor-suite.js; do
  [ -f "$f" ] || { echo "editor tests: $f is missing; run 'node esbuild.mjs' first" >&2; exit 1; }
done
CS="$ROOT/.cache/vscode-server/node_modules/.bin/code-server"
OUT="$ROOT/test-output/editor"
RUN="$(mktemp -d /tmp/diffucode-editor.XXXXXX)"
mkdir -p "$OUT" "$RUN/user/User" "$RUN/ext" "$RUN/xdg-config" "$RUN/xdg-data" "$RUN/xdg-cache"
cp -r test/editor/fixtures/suite "$RUN/ws-suite"
cp -r test/editor/fixtures/ui "$RUN/ws-ui"
# Settings for a quiet, predictable workbench: no AI chat panel taking focus, no welcome page, no word
# suggestions competing with ghost text for Tab, no update/telemetry calls (the machine is offline). No parse check
# (diffucode.fill.parseCheck off): the suites test what the editor does with the model's text, whatever it is;
# parseCheck.suite.ts turns the check on for its own tests.
cat > "$RUN/user/User/settings.json" <<'JSON'
{
  "chat.disableAIFeatures": true,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "editor.quickSuggestions": { "other": false, "comments": false, "strings": false },
  "editor.suggestOnTriggerCharacters": false,
  "editor.inlineSuggest.enabled": true,
  "files.autoSave": "off",
  "diffucode.ghostText.debounceMs": 50,
  "diffucode.sampler.temperature": 0,
  "diffucode.fill.parseCheck": "off"
}
JSON
# The "Get a model…" phase: a local stand-in of the Hugging Face Hub (test/editor/hubServer.ts) serving a tiny
# random CoDA checkpoint under the catalog's CoDA repo; the models store and the Hugging Face cache in the run folder.
# (The log is emptied first: the background redirection truncates it only once the process starts, and the wait
# below must not read the address of an earlier run's stand-in.)
: > "$OUT/hub.log"
node --import tsx test/editor/hubServer.ts "$RUN/hub" coda-1.7b-instruct coda >> "$OUT/hub.log" 2>&1 &
HUB=$!
for _ in $(seq 1 240); do
  grep -q '^HUB ' "$OUT/hub.log" && break
  kill -0 "$HUB" 2>/dev/null || { echo "the Hub stand-in exited; see $OUT/hub.log" >&2; cat "$OUT/hub.log" >&2; exit 1; }
  sleep 0.25
done
HUB_URL="$(awk '/^HUB /{print $2; exit}' "$OUT/hub.log")"
export DIFFUCODE_EDITOR_HUB_REPO="$(awk '/^HUB /{print $3; exit}' "$OUT/hub.log")"
export DIFFUCODE_MODELS="$RUN/models" HF_HUB_CACHE="$RUN/hf" DIFFUCODE_EDITOR_USER_DIR="$RUN/user"
# Machine-scoped settings: in a remote window (which the VS Code server is) they come from the server's
# Machine/settings.json, not from the user settings. The endpoint goes to the stand-in; DIFFUCODE_TEST_MODEL runs
# the suites against another model folder (e.g. an exported DiffuCoder) instead of the bundled one.
mkdir -p "$RUN/user/Machine"
node -e 'const [f, hub, model] = process.argv.slice(1); const s = { "diffucode.hub.endpoint": hub };
  if (model) s["diffucode.modelPath"] = model; require("fs").writeFileSync(f, JSON.stringify(s, null, 2))' \
  "$RUN/user/Machine/settings.json" "$HUB_URL" "${DIFFUCODE_TEST_MODEL:-}"
PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
echo "editor tests: VS Code server on 127.0.0.1:$PORT, run folder $RUN"
XDG_CONFIG_HOME="$RUN/xdg-config" XDG_DATA_HOME="$RUN/xdg-data" XDG_CACHE_HOME="$RUN/xdg-cache" \
  "$CS" --config "$RUN/config.yaml" --bind-addr "127.0.0.1:$PORT" --auth none \
  --user-data-dir "$RUN/user" --extensions-dir "$RUN/ext" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override "$RUN/ws-suite" > "$OUT/server.log" 2>&1 &
SERVER=$!
stop() {
  kill "$SERVER" "$HUB" 2>/dev/null || true
  wait "$SERVER" "$HUB" 2>/dev/null || true
  rm -rf "$RUN"
}
trap stop EXIT
for _ in $(seq 1 120); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  kill -0 "$SERVER" 2>/dev/null || { echo "VS Code server exited; see $OUT/server.log" >&2; cat "$OUT/server.log" >&2; exit 1; }
  sleep 0.5
done
set +e
EXT="${DIFFUCODE_EXTENSION_PATH:-$ROOT}"
node --import tsx test/editor/driver.ts "http://127.0.0.1:$PORT" "$RUN/ws-suite" "$RUN/ws-ui" "$EXT" "$OUT" \
  "$ROOT/dist/test/editor-suite.js" 2>&1 | tee "$OUT/driver.log"
rc=${PIPESTATUS[0]}
set -e
echo "editor tests: exit code $rc (log: $OUT/driver.log, screenshots: $OUT/*.png)"
exit "$rc"
