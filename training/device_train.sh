#!/usr/bin/env bash
# One training stage on a lent GPU machine (the workplace's `device` tool), prepared so that a session with a short
# device budget spends it training, not debugging. Run from the repository root ON THE GPU MACHINE:
#
#   device run, carry ["training/data/tokens", "training/data/tokenizer"], timeout_s 600:
#     bash training/device_train.sh 8
#
# It continues from the committed weights (training/checkpoints/diffucode-tiny.pt) for MINUTES of wall time with
# the CPU recipe's mixture, a batch sized for the GPU and forked batch workers, and writes to $OUT (what the tool
# brings back): gpu-slim.pt (bf16 weights + run metadata, ~10 MB), loss.csv and log.txt. Back here:
#
#   mkdir -p training/runs/gpu && cp <files_at>/{gpu-slim.pt,loss.csv,log.txt} training/runs/gpu/ \
#     && mv training/runs/gpu/gpu-slim.pt training/runs/gpu/last.pt
#   .venv/bin/python training/evaluate.py --checkpoint training/runs/gpu/last.pt
#   .venv/bin/python training/release.py --run gpu --continues training/checkpoints/diffucode-tiny.pt
#
# The machine's python3 is the one with PyTorch (2.x, CUDA); nothing is installed. MINUTES defaults to 8, which
# with start-up and the final save fits one 10-minute call.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-8}
out=${OUT:-/tmp/device-out}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
for f in training/data/tokens/train.npz training/data/tokens/valid.npz training/data/tokenizer/tokenizer.json; do
  [ -f "$f" ] || { echo "missing $f: carry training/data/tokens and training/data/tokenizer" >&2; exit 2; }
done
# DEVICE_TRAIN_SMOKE=1: the same script on this CPU for a few seconds (checks the plumbing, not the GPU).
python=python3 device=cuda batch=96
if [ "${DEVICE_TRAIN_SMOKE:-}" = 1 ]; then
  python=/usr/bin/python3 device=cpu batch=4
else
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
  python3 -c 'import torch; assert torch.cuda.is_available(), "no CUDA device"; print("torch", torch.__version__, torch.cuda.get_device_name(0))'
fi
workers=$(( $(nproc) > 4 ? $(nproc) - 2 : 2 ))
# Batch 96 x 384 = 36,864 tokens a step (8x the CPU batch); the peak learning rate scaled up from the CPU stages'
# 1e-3 by about the square root of that, with a longer warm-up.
$python training/train.py --run gpu --runs-dir /tmp/runs --init training/checkpoints/diffucode-tiny.pt \
  --device $device --minutes "$minutes" --steps 1000000 --batch $batch --seq 384 --lr 2e-3 --warmup 300 \
  --multi-frac 0.45 --plain-frac 0.25 --blockwise-frac 0.5 --workers "$workers" --eval-every 500 \
  --ckpt-minutes 100 --seed 11 --slim-out "$out/gpu-slim.pt" 2>&1 | tee "$out/log.txt"
cp /tmp/runs/gpu/loss.csv "$out/loss.csv"
ls -la "$out"
