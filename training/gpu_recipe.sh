#!/usr/bin/env bash
# A 30-100M-parameter model of the bundled architecture, trained from scratch in ONE 10-minute command on a lent GPU
# machine (the workplace's `device` tool: an H200, python3 with CUDA torch, numpy, onnx; nothing downloadable) and
# brought back exported (graph v2 through the one graph builder, the TypeScript converter `node dist/cli.js convert`:
# the device needs node >= 20 and the carried dist/; <= 40 MB). Builds on device_train.sh (which
# continues the 5M model); this one trains a bigger model from scratch on the packed corpus.
#
# Here, once (the packed corpus must fit the carry limit with the code: <= 48 MiB):
#   .venv/bin/python training/pack_corpus.py encode     # the corpus with the SHIPPED tokenizer -> training/data/tokens
#   .venv/bin/python training/corpus_extra.py           # optional: + 13.5M train tokens -> training/data/tokens-extra
#   .venv/bin/python training/pack_corpus.py pack [--tokens training/data/tokens-extra]   # -> training/data/packed
#                                                        # (compressed ids + tokenizer: 5.3 MB, or 15.4 MB with the extra)
# On the device (tool `run`):
#   node esbuild.mjs here first; carry ["training/data/packed", "dist"], timeout_s 600:
#     bash training/gpu_recipe.sh [PRESET] [MINUTES]     # PRESET gpu48m (default) or gpu32m; MINUTES of training (7)
# Back here (files_at = the folder the tool put $OUT's files in):
#   .venv/bin/python training/gpu_recipe.py collect --parts FILES_AT --out training/runs/PRESET/model
#   .venv/bin/python training/evaluate.py --engine training/runs/PRESET/model --decoders '' \
#       --out training/runs/PRESET/eval.json     # then pair its per-case ES with the bundled model's (same cases)
#
# $OUT gets: log.txt, loss.csv, run.json (steps, tokens, tokens/s, export facts), parts.json and the model folder as
# <= 15 MiB tar parts (8 files and 64 MiB at most come back). Budget: ~30 s start-up + MINUTES of training + the
# final validation, save and export (~1 min) must end inside the 600 s command: 7 is the default.
# GPU_RECIPE_SMOKE=1 runs the same plumbing on a CPU at the test size for a few seconds (see tests/test_gpu_recipe.py).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-gpu48m}
minutes=${2:-7}
out=${OUT:-/tmp/gpu-recipe-out}
work=${GPU_RECIPE_WORK:-/tmp/gpu-recipe}
packed=${GPU_RECIPE_PACKED:-training/data/packed}
mkdir -p "$out" "$work"
export PYTHONUNBUFFERED=1
python=python3 device=cuda workers=$(( $(nproc) > 4 ? $(nproc) - 2 : 2 ))
if [ "${GPU_RECIPE_SMOKE:-}" = 1 ]; then
  python=${GPU_RECIPE_PYTHON:-python3} device=cpu workers=1
else
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
  python3 -c 'import torch; assert torch.cuda.is_available(), "no CUDA device"; print("torch", torch.__version__, torch.cuda.get_device_name(0))'
fi
# The export runs the TypeScript converter: refuse before training, not after it, when it cannot run here.
command -v node > /dev/null || { echo "node (>= 20) is not on PATH: the export runs dist/cli.js convert" >&2; exit 2; }
[ "${GPU_RECIPE_SMOKE:-}" = 1 ] || export DIFFUCODE_NO_BUILD=1  # use the carried dist/ as it is
[ "${GPU_RECIPE_SMOKE:-}" = 1 ] || [ -f dist/cli.js ] || { echo "dist/cli.js is missing: node esbuild.mjs here, carry dist" >&2; exit 2; }
for f in "$packed/train.npz" "$packed/valid.npz" "$packed/tokenizer.json"; do
  [ -f "$f" ] || { echo "missing $f: run training/pack_corpus.py encode + pack here and carry $packed" >&2; exit 2; }
done
$python training/pack_corpus.py unpack --packed "$packed" --out "$work/data"
read -r -a train_flags <<< "$($python training/gpu_recipe.py args --preset "$preset" --minutes "$minutes")"
read -r -a export_flags <<< "$($python training/gpu_recipe.py args --preset "$preset" --what export)"
extra=()
[ "${GPU_RECIPE_SMOKE:-}" = 1 ] && extra=(--steps "${GPU_RECIPE_STEPS:-3}" --eval-batches 1 --eval-every 1000)
$python training/train.py --run "$preset" --runs-dir "$work/runs" --tokens "$work/data/tokens" \
  --tokenizer "$work/data/tokenizer/tokenizer.json" --device $device --workers "$workers" --ckpt-minutes 1000 \
  --eval-every 500 --seed 17 "${train_flags[@]}" "${extra[@]}" --slim-out "$work/slim.pt" 2>&1 | tee "$out/log.txt"
cp "$work/runs/$preset/loss.csv" "$out/loss.csv"
rm -rf "$work/model"
$python training/gpu_recipe.py export --checkpoint "$work/slim.pt" --out "$work/model" --preset "$preset" \
  --tokenizer-dir "$work/data/tokenizer" "${export_flags[@]}" | tee "$out/export.json"
$python training/gpu_recipe.py split --folder "$work/model" --out "$out" > /dev/null
$python - "$out" "$work/slim.pt" <<'PY'
import json, os, sys, torch
out, slim = sys.argv[1], sys.argv[2]
ck = torch.load(slim, map_location="cpu")
run = {k: ck[k] for k in ("step", "tokens_seen", "elapsed")}
run["tokens_per_s"] = round(ck["tokens_seen"] / max(ck["elapsed"], 1e-9))
run["config"] = ck["config"]
run["export"] = json.load(open(os.path.join(out, "export.json")))
json.dump(run, open(os.path.join(out, "run.json"), "w"), indent=1)
print(json.dumps({k: v for k, v in run.items() if k != "config"}))
PY
rm -f "$out/export.json"
ls -la "$out"
