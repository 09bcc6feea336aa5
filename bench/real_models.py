"""Real-size measurements of the streaming exporter and graph v2 on this machine (random weights at the published
shapes; speed and memory do not depend on the values). Writes bench/results/real-models.json as it goes.

    .venv/bin/python bench/real_models.py --work /work/real [--shapes 0.5b,1.5b,7.6b] [--keep]

Per shape: this CPU's ceiling (ONNX Runtime MatMul fp32 and MatMulNBits int4 at accuracy levels 0 and 4 on the
model's largest product, [350 x hidden] x [hidden x intermediate]); per weight format that fits in RAM: export wall
time, peak RSS (/usr/bin/time -v) and folder size; onnxruntime-node load time, RSS after load, full passes at
128/256/350-token canvases and a window pass (bench/real-model-passes.mjs); end to end through the CLI a 24-token
gap with the editor's default sampler and with Dream N/4; on 0.5B, each format's top-1 agreement and largest
logit difference against fp32 on the same canvas. The load average is recorded beside every figure: other jobs
share these 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable
# What fits in 24 GB of RAM: a 7.6B fp32 graph (30 GB) does not load here, and fp16 kernels on this CPU are only a
# correctness path (fp16 is for GPU providers), so the 7.6B fp16 folder is exported and measured, not run.
PLAN = {
    "0.5b": ["fp32", "fp16", "int8", "int4", "int4-acc0"],
    "1.5b": ["fp32", "int8", "int4"],
    "7.6b": ["int4", "int8", "fp16-export-only"],
}
RUNNABLE_CANVASES = {"0.5b": "128,256,350", "1.5b": "128,256,350", "7.6b": "128,350"}
E2E = {"0.5b", "1.5b"}
SAMPLERS = {
    "editor default (threshold 0.9, blocks of 8, dual cache)": ["--algorithm", "threshold", "--threshold", "0.9",
                                                               "--block-size", "8", "--cache", "dual",
                                                               "--temperature", "0"],
    # --sampler model: the manifest's sampler under these flags, not the parallel decoder fills default to.
    "Dream N/4 (entropy, 6 steps)": ["--sampler", "model", "--algorithm", "entropy", "--steps-per-token", "0.25",
                                     "--temperature", "0"],
}


def load() -> float:
    return round(os.getloadavg()[0], 2)


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)


def export(ckpt: str, out: str, fmt: str) -> dict:
    dtype = fmt.split("-")[0]
    extra = ["--accuracy-level", "0"] if fmt.endswith("acc0") else []
    shutil.rmtree(out, ignore_errors=True)
    t = time.time()
    # the one graph builder: the product's TypeScript converter (npm run build first)
    r = run(["/usr/bin/time", "-v", "node", "dist/cli.js", "convert", ckpt, out, "--dtype", dtype, "--quiet", *extra])
    wall = time.time() - t
    if r.returncode:
        return {"error": r.stderr.strip().splitlines()[-1]}
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    return {"wallS": round(wall, 1), "peakRssMb": round(rss / 1024), "folderMb": round(size / 1e6), "load": load(),
            "files": sorted(os.listdir(out))}


def passes(folder: str, canvases: str) -> dict:
    r = run(["node", "bench/real-model-passes.mjs", folder, "--canvases", canvases])
    if r.returncode:
        return {"error": r.stderr.strip().splitlines()[-1]}
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["load"] = load()
    return out


def e2e(folder: str) -> dict:
    """A 24-token gap after ~224 tokens of prefix and before ~96 of suffix (the editor's budget), through the CLI
    (worker process, engine, graph v2)."""
    path = os.path.join(folder, "..", "gap.py")
    body = "".join(f"def f{i}(a, b):\n    return a * {i} + b\n\n" for i in range(40))
    with open(path, "w") as f:
        f.write(body + "def main(x, y):\n    total = <|mask:24|>\n    return total\n\n" + body[:300])
    res = {}
    for name, flags in SAMPLERS.items():
        t = time.time()
        r = run(["node", "dist/cli.js", "fill", path, "--model", folder, "--stats", "--prefix-tokens", "224",
                 "--suffix-tokens", "96", *flags])
        wall = time.time() - t
        if r.returncode:
            res[name] = {"error": (r.stderr.strip().splitlines() or ["?"])[-1]}
            continue
        stats = json.loads([ln for ln in r.stderr.splitlines() if ln.startswith("{")][-1])
        res[name] = {"wallS": round(wall, 2), "totalMs": round(stats["totalMs"]), "modelMs": round(stats["modelMs"]),
                     "samplerMs": round(stats["samplerMs"]), "forwardPasses": stats["forwardPasses"],
                     "windowPasses": stats.get("windowPasses"), "canvasTokens": stats["canvasTokens"],
                     "peakRssMb": stats.get("peakRssMb"), "load": load()}
    return res


def ceilings(cfg: dict) -> dict:
    """GFLOP/s of ONNX Runtime (Python, same 1.30 native library) on [350 x K] x [K x N], K = hidden,
    N = intermediate: fp32 MatMul and int4 MatMulNBits at accuracy levels 0 and 4."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    k, n, m = cfg["hidden_size"], cfg["intermediate_size"], 350
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((n, k), dtype=np.float32) / np.sqrt(k)).astype(np.float32)
    a = rng.standard_normal((m, k), dtype=np.float32)
    out = {"shape": f"[{m} x {k}] x [{k} x {n}]"}
    variants = {"matmul_fp32": None, "matmulnbits_int4_level0": 0, "matmulnbits_int4_level4": 4}
    for name, level in variants.items():
        if level is None:
            node = helper.make_node("MatMul", ["a", "w"], ["y"])
            inits = [numpy_helper.from_array(np.ascontiguousarray(w.T), "w")]
        else:
            # Speed does not depend on the codes: random int4 blocks in MatMulNBits' layout, scales of w's size.
            q = rng.integers(0, 256, size=(n, k // 32, 16), dtype=np.uint8)
            s = np.full((n, k // 32), float(np.abs(w).max()) / 8, np.float32)
            node = helper.make_node("MatMulNBits", ["a", "q", "s"], ["y"], domain="com.microsoft", K=k, N=n, bits=4,
                                    block_size=32, accuracy_level=level)
            inits = [numpy_helper.from_array(q, "q"), numpy_helper.from_array(s.reshape(-1), "s")]
        g = helper.make_graph([node], "g", [helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])], inits)
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("com.microsoft", 1)],
                                  ir_version=10)
        so = ort.SessionOptions()
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        sess.run(None, {"a": a})
        times = []
        for _ in range(5):
            t = time.perf_counter()
            sess.run(None, {"a": a})
            times.append(time.perf_counter() - t)
        best = min(times)
        out[name] = {"bestMs": round(best * 1e3, 1), "medianMs": round(sorted(times)[2] * 1e3, 1),
                     "gflops": round(2 * m * k * n / best / 1e9, 1)}
    out["load"] = load()
    return out


def agreement(ref_dir: str, other_dir: str, cfg: dict) -> dict:
    """Top-1 agreement and largest |logit difference| on 64 rows of one 350-token canvas (Python onnxruntime)."""
    import onnxruntime as ort
    rng = np.random.default_rng(1)
    ids = rng.integers(3, 250, size=(1, 350)).astype(np.int64)
    rows = np.arange(280, 344, dtype=np.int64)
    kv, hd = cfg["num_key_value_heads"], cfg["hidden_size"] // cfg["num_attention_heads"]
    feeds = {"input_ids": ids, "start": np.array([0], np.int64), "positions": rows, "head_k": np.array([2], np.int64),
             "head_scale": np.array([1], np.float32), "bias_ids": np.zeros(0, np.int64),
             "bias": np.zeros((64, 0), np.float32)}
    for i in range(cfg["num_hidden_layers"]):
        feeds[f"past_key.{i}"] = feeds[f"past_value.{i}"] = np.zeros((1, kv, 0, hd), np.float32)
    got = []
    for d in (ref_dir, other_dir):
        s = ort.InferenceSession(os.path.join(d, "model.onnx"), providers=["CPUExecutionProvider"])
        got.append(s.run(["logits"], feeds)[0])
        del s
    a, b = got
    return {"top1Agreement": float((a.argmax(1) == b.argmax(1)).mean()), "maxAbsLogitDiff": float(np.abs(a - b).max()),
            "logitScale": float(np.abs(a).max())}


def markdown(results: dict) -> str:
    """The measured tables for docs/diffucoder.md, straight from the JSON."""
    out = ["| model | format | export wall / peak RSS | folder | load / RSS after load / after passes | "
           "full pass 128 / 256 / 350 tok | window pass (9 tok) at 350 | pass 350: rate (share of the best ceiling) | load avg |",
           "|---|---|---|---|---|---|---|---|---|"]
    for shape in ("0.5b", "1.5b", "7.6b"):
        entry = results.get(shape)
        if not entry:
            continue
        ceil = entry.get("ceiling", {})
        for fmt, row in entry.items():
            if not isinstance(row, dict) or "export" not in row:
                continue
            ex, ps = row["export"], row.get("passes") or {}
            if "error" in ex:
                out.append(f"| {shape} | {fmt} | failed: {ex['error']} | | | | | | |")
                continue
            full = ps.get("full", {})
            passes_txt = " / ".join(f"{full[k] / 1000:.2f} s" if k in full else "-" for k in ("128", "256", "350"))
            frac = "-"
            if "350" in full and ceil:
                # FLOPs of the layers' products for 350 tokens as GFLOP/s, and that as a share of the best rate any
                # of the three products reached on this CPU in the same run (what the machine can do)
                cfg = entry["config"]
                h, inter, L = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
                hd = h // cfg["num_attention_heads"]
                per_layer = h * (h + 2 * cfg["num_key_value_heads"] * hd) + h * h + 3 * h * inter
                rate = 2 * 350 * per_layer * L / (full["350"] / 1000) / 1e9
                best = max(ceil[k]["gflops"] for k in ("matmul_fp32", "matmulnbits_int4_level0",
                                                       "matmulnbits_int4_level4"))
                frac = f"{rate:.0f} GFLOP/s ({100 * rate / best:.0f} %)"
            load_txt = (f"{ps['loadMs'] / 1000:.1f} s / {ps['rssAfterLoadMb'] / 1000:.2f} GB / "
                        f"{ps['rssAfterPassesMb'] / 1000:.2f} GB") if ps and "loadMs" in ps else "not run (see notes)"
            win = ps.get("window", {}).get("350")
            out.append(f"| {shape} | {fmt} | {ex['wallS']:.0f} s / {ex['peakRssMb'] / 1000:.2f} GB | "
                       f"{ex['folderMb'] / 1000:.2f} GB | {load_txt} | {passes_txt if full else '-'} | "
                       f"{f'{win} ms' if win else '-'} | {frac} | {ps.get('load', ex.get('load'))} |")
    out += ["", "| model | format | CLI, 24-token gap: editor default (passes, windows) | CLI: Dream N/4 (passes) |",
            "|---|---|---|---|"]
    for shape in ("0.5b", "1.5b", "7.6b"):
        for fmt, row in (results.get(shape) or {}).items():
            cli = row.get("cli") if isinstance(row, dict) else None
            if not cli:
                continue
            a, b = list(cli.values())
            fmt_row = lambda r: (f"{r['totalMs'] / 1000:.1f} s ({r['forwardPasses']}, {r['windowPasses']}; "
                                 f"load {r['load']})" if "totalMs" in r else r.get("error", "-"))
            out.append(f"| {shape} | {fmt} | {fmt_row(a)} | {fmt_row(b)} |")
    out += ["", "| model | ceiling on [350 x hidden] x [hidden x intermediate] | fp32 MatMul | int4 MatMulNBits level 0 | "
            "level 4 |", "|---|---|---|---|---|"]
    for shape in ("0.5b", "1.5b", "7.6b"):
        c = (results.get(shape) or {}).get("ceiling")
        if c:
            out.append(f"| {shape} | {c['shape']} | {c['matmul_fp32']['gflops']} GFLOP/s | "
                       f"{c['matmulnbits_int4_level0']['gflops']} GFLOP/s | {c['matmulnbits_int4_level4']['gflops']} "
                       f"GFLOP/s |")
    q = [(fmt, row["vsFp32"]) for fmt, row in (results.get("0.5b") or {}).items()
         if isinstance(row, dict) and "vsFp32" in row]
    if q:
        out += ["", "| 0.5B random weights vs fp32 | top-1 agreement (64 rows) | max abs logit difference (logit scale) |",
                "|---|---|---|"]
        out += [f"| {fmt} | {100 * v['top1Agreement']:.1f} % | {v['maxAbsLogitDiff']:.3f} ({v['logitScale']:.1f}) |"
                for fmt, v in q]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", required=True, help="a folder with room for the checkpoints (7.6B: 15 GB + exports)")
    ap.add_argument("--shapes", default="0.5b,1.5b,7.6b")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "real-models.json"))
    ap.add_argument("--keep", action="store_true", help="keep checkpoints and exports")
    ap.add_argument("--markdown", action="store_true", help="print the tables of --out and exit")
    ap.add_argument("--formats", help="with --retime: only these formats (comma-separated, e.g. int4)")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI fills (the slowest part; --retime runs them)")
    ap.add_argument("--retime", action="store_true",
                    help="only re-measure the ceilings, passes and CLI fills on the exports kept by an earlier --keep "
                         "run (on a quieter machine); export figures stay as they were")
    args = ap.parse_args()
    sys.path.insert(0, ROOT)
    from training.hf.make_tiny_checkpoint import SHAPES
    results = json.load(open(args.out)) if os.path.exists(args.out) else {}
    if args.markdown:
        print(markdown(results))
        return
    results["machine"] = {"cpus": os.cpu_count(), "command": " ".join(sys.argv),
                          "note": "2-core AMD EPYC (AVX-512 BF16/VNNI), shared with other jobs: see each 'load'"}

    def save():
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
            f.write("\n")

    if args.retime:
        for shape in args.shapes.split(","):
            entry = results[shape]
            cfg = {**entry["config"], "num_hidden_layers": entry["config"]["num_hidden_layers"]}
            entry["ceiling"] = ceilings(cfg)
            save()
            for fmt in PLAN[shape]:
                out = os.path.join(args.work, f"m-{shape}-{fmt}")
                if fmt.endswith("export-only") or not os.path.exists(out) or (
                        args.formats and fmt not in args.formats.split(",")):
                    continue
                entry[fmt]["passes"] = passes(out, RUNNABLE_CANVASES[shape])
                if shape in E2E:
                    entry[fmt]["cli"] = e2e(out)
                print(f"{shape} {fmt}: retimed {entry[fmt]['passes']}", flush=True)
                save()
        return

    for shape in args.shapes.split(","):
        ckpt = os.path.join(args.work, f"ckpt-{shape}")
        if not os.path.exists(os.path.join(ckpt, "model.safetensors.index.json")):
            t = time.time()
            r = run([PY, "-m", "training.hf.make_tiny_checkpoint", ckpt, "--shape", shape])
            if r.returncode:
                sys.exit(r.stderr)
            print(f"{shape}: checkpoint in {time.time() - t:.0f} s", flush=True)
        cfg = json.load(open(os.path.join(ckpt, "config.json")))
        entry = results.setdefault(shape, {})
        entry["config"] = {k: cfg[k] for k in SHAPES[shape]}
        entry["checkpointMb"] = round(sum(os.path.getsize(os.path.join(ckpt, f)) for f in os.listdir(ckpt)) / 1e6)
        entry["ceiling"] = ceilings(cfg)
        save()
        print(f"{shape}: ceiling {entry['ceiling']}", flush=True)
        folders = {}
        for fmt in PLAN[shape]:
            out = os.path.join(args.work, f"m-{shape}-{fmt}")
            row = {"export": export(ckpt, out, fmt)}
            print(f"{shape} {fmt}: export {row['export']}", flush=True)
            if "error" not in row["export"] and not fmt.endswith("export-only"):
                row["passes"] = passes(out, RUNNABLE_CANVASES[shape])
                print(f"{shape} {fmt}: passes {row['passes']}", flush=True)
                if shape in E2E and not args.no_cli:
                    row["cli"] = e2e(out)
                    print(f"{shape} {fmt}: cli {row['cli']}", flush=True)
                folders[fmt] = out
            entry[fmt] = row
            save()
            if shape == "0.5b" and fmt != "fp32" and "fp32" in folders and fmt in folders:
                row["vsFp32"] = agreement(folders["fp32"], out, cfg)
                save()
            if (not args.keep and fmt != "fp32") or fmt.endswith("export-only"):
                shutil.rmtree(out, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(os.path.join(args.work, f"m-{shape}-fp32"), ignore_errors=True)
        shutil.rmtree(ckpt, ignore_errors=True)  # 15 GB for 7.6B: exports are what later runs re-time
    save()


if __name__ == "__main__":
    main()
