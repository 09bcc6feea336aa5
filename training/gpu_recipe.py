"""The GPU recipe's Python side (training/gpu_recipe.sh runs it on the lent machine; `collect` runs here).

    python3 training/gpu_recipe.py args --preset gpu48m            # train.py flags of the preset (the .sh uses them)
    python3 training/gpu_recipe.py export --checkpoint SLIM.pt --out DIR --dtype int4 --head-bits 8 --max-mb 40
    python3 training/gpu_recipe.py split --folder DIR --out $OUT    # the folder as <=15 MiB parts + parts.json
    .venv/bin/python training/gpu_recipe.py collect --parts FILES_AT --out training/runs/gpu48m/model

Presets: models of the bundled model's architecture (Qwen2 blocks, bidirectional attention, shifted logits, tied
8,192-token embedding), sized so that the exported weights stay under 40 MB:
- gpu48m (default): hidden 640, 10 layers, 10 query / 2 key-value heads (head dim 64), SwiGLU 1728: 48.3M
  parameters; int4 body (blocks of 32) with an 8-bit embedding/head (`--dtype int4 --head-bits 8`);
- gpu32m: hidden 512, 10 layers, 8 / 2 heads, SwiGLU 1408: 32.4M parameters; int8 throughout.
`export` refuses a folder over the limit, so a wrong guess fails on the device, not after the transfer.

`export` goes through the one graph builder, the TypeScript converter (`node dist/cli.js convert` via
training/hf/export_trained.py; graph v2, the same path as bench/quantized_bundled.py's export_bundled) and writes a model folder (model.onnx, model.onnx.data, the
packed corpus's tokenizer, a manifest from the bundled one with this model's weights block), refusing a folder whose
weights exceed --max-mb. The device tool brings back at most 8 files of 16 MiB (64 MiB together), so `split` cuts
the folder into 15 MiB parts of one tar with a sha256 per part and for the whole, and `collect` joins and checks
them here.
"""
import argparse
import hashlib
import io
import json
import os
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from training.common import Fatal, run_main  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PART_BYTES = 15 * 2**20

# Each preset: the DreamConfig keys (train.py --set), the export format, and the training flags for one 10-minute
# device command (batch x 384 tokens a step; learning rate and warm-up for a from-scratch run of that size).
PRESETS = {
    "gpu48m": {"config": dict(hidden_size=640, intermediate_size=1728, num_hidden_layers=10, num_attention_heads=10,
                              num_key_value_heads=2),
               "export": {"dtype": "int4", "head_bits": 8},
               "train": {"batch": 128, "lr": 1e-3, "warmup": 300}},
    "gpu32m": {"config": dict(hidden_size=512, intermediate_size=1408, num_hidden_layers=10, num_attention_heads=8,
                              num_key_value_heads=2),
               "export": {"dtype": "int8"},
               "train": {"batch": 128, "lr": 1.2e-3, "warmup": 300}},
    # the unit test's size: the same code path in seconds on a CPU
    # (head dim 16: ONNX Runtime's GroupQueryAttention wants a multiple of 16)
    "test": {"config": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                            num_key_value_heads=2),
             "export": {"dtype": "int8"},
             "train": {"batch": 4, "lr": 1e-3, "warmup": 2}},
}


def n_parameters(cfg: dict, vocab: int = 8192) -> int:
    """Parameters of a tied Qwen2/Dream model of this config (embedding counted once)."""
    h, i, n = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    hd = h // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * hd
    attn = h * h + h + 2 * (h * kv + kv) + h * h  # q (biased), k and v (biased), o
    mlp = 3 * h * i
    return vocab * h + n * (attn + mlp + 2 * h) + h


def train_flags(preset: str, minutes: float) -> list:
    p = PRESETS[preset]
    out = ["--size", "tiny"]
    for k, v in p["config"].items():
        out += ["--set", f"{k}={json.dumps(v)}"]
    t = p["train"]
    out += ["--batch", str(t["batch"]), "--seq", "384", "--lr", str(t["lr"]), "--warmup", str(t["warmup"]),
            "--minutes", str(minutes), "--steps", "10000000",
            # the bundled model's last-stage mixture
            "--plain-frac", "0.25", "--multi-frac", "0.45", "--blockwise-frac", "0.5"]
    return out


def export(checkpoint: str, out: str, dtype: str, head_bits=None, max_mb: float = 40.0, tokenizer_dir=None,
           preset=None) -> dict:
    """Slim or full training checkpoint -> graph v2 model folder through the TypeScript converter. Returns its facts."""
    from training.hf.export_trained import export_trained
    if os.path.isdir(out) and os.listdir(out):
        raise Fatal(f"{out} exists and is not empty")
    cfg = export_trained(checkpoint, out, dtype, head_bits, tokenizer_dir, training_run={"preset": preset})
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out) if f.startswith("model.onnx"))
    facts = {"folder": out, "dtype": dtype, "head_bits": head_bits, "weights_bytes": size,
             "parameters": n_parameters(cfg, cfg["vocab_size"]), "config": cfg}
    if size > max_mb * 1e6:
        raise Fatal(f"exported weights are {size / 1e6:.1f} MB, over the {max_mb} MB limit: use a smaller preset "
                    f"or --dtype int4")
    return facts


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def split(folder: str, out: str, part_bytes: int = PART_BYTES, prefix: str = "model.tar.part") -> dict:
    """The folder as one uncompressed tar cut into parts; parts.json lists them with their sha256."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in sorted(os.listdir(folder)):
            tar.add(os.path.join(folder, name), arcname=name)
    data = buf.getvalue()
    os.makedirs(out, exist_ok=True)
    parts = []
    for k, lo in enumerate(range(0, len(data), part_bytes)):
        chunk = data[lo:lo + part_bytes]
        name = f"{prefix}{k:02d}"
        with open(os.path.join(out, name), "wb") as f:
            f.write(chunk)
        parts.append({"name": name, "bytes": len(chunk), "sha256": _sha(chunk)})
    man = {"tar_bytes": len(data), "tar_sha256": _sha(data), "parts": parts}
    if len(parts) > 4:  # with parts.json, log.txt, loss.csv and run.json: the tool's 8 files, 64 MiB
        raise Fatal(f"{len(parts)} parts: the device tool brings back 8 files at most (4 are the logs and lists)")
    with open(os.path.join(out, "parts.json"), "w") as f:
        json.dump(man, f, indent=1)
    return man


def collect(parts_dir: str, out: str) -> dict:
    """Joins split()'s parts (checking every sha256) and unpacks the model folder into `out`."""
    with open(os.path.join(parts_dir, "parts.json")) as f:
        man = json.load(f)
    data = b""
    for p in man["parts"]:
        with open(os.path.join(parts_dir, p["name"]), "rb") as f:
            chunk = f.read()
        if _sha(chunk) != p["sha256"]:
            raise Fatal(f"{p['name']}: sha256 differs (a truncated or mixed-up part)")
        data += chunk
    if _sha(data) != man["tar_sha256"]:
        raise Fatal("the joined tar's sha256 differs")
    os.makedirs(out, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        for m in tar.getmembers():
            if not m.isfile() or "/" in m.name or m.name.startswith("."):
                raise Fatal(f"unexpected entry {m.name!r} in the model tar")
        tar.extractall(out)
    return man


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("args")
    g.add_argument("--preset", default="gpu48m", choices=sorted(PRESETS))
    g.add_argument("--minutes", type=float, default=7.0)
    g.add_argument("--what", default="train", choices=["train", "export"])
    e = sub.add_parser("export")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--dtype", default="int4", choices=["fp32", "fp16", "int8", "int4"])
    e.add_argument("--head-bits", type=int)
    e.add_argument("--max-mb", type=float, default=40.0)
    e.add_argument("--tokenizer-dir")
    e.add_argument("--preset", help="recorded in the manifest's trainingRun")
    s = sub.add_parser("split")
    s.add_argument("--folder", required=True)
    s.add_argument("--out", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--parts", required=True)
    c.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    if a.cmd == "args":
        if a.what == "train":
            print(" ".join(train_flags(a.preset, a.minutes)))
        else:
            x = PRESETS[a.preset]["export"]
            print(f"--dtype {x['dtype']}" + (f" --head-bits {x['head_bits']}" if "head_bits" in x else ""))
    elif a.cmd == "export":
        print(json.dumps({k: v for k, v in export(a.checkpoint, a.out, a.dtype, a.head_bits, a.max_mb,
                                                  a.tokenizer_dir, a.preset).items() if k != "config"}))
    elif a.cmd == "split":
        print(json.dumps(split(a.folder, a.out), indent=1))
    else:
        print(json.dumps(collect(a.parts, a.out), indent=1))


if __name__ == "__main__":
    run_main(main)
