"""Training throughput of the real training loop (train.py, unchanged) under several Python/PyTorch toolchains,
side by side in one run, interleaved (A B A B ...) so that a change in the machine's load hits both alike.

    .venv/bin/python training/bench_toolchain.py --python .venv/bin/python --python /usr/bin/python3 \
        --warm 5 --steps 40 --repeats 2 --out bench/results/train-toolchain.json

Each run is `train.py --size tiny --seq 384 --batch 12 --threads T` (bf16 autocast on CPU, the bundled model's
config and mixture) for warm + steps + 1 steps with the same seed, logging every step; tokens/s is measured between
the loss.csv rows of step `warm` and step `warm + steps` (the final step, which also validates, is excluded; the
start-up, the validation canvases and the first `warm` steps are outside the window). `uptime` is recorded before
and after each run.
"""
import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def torch_version(python):
    r = subprocess.run([python, "-c", "import torch, sys; print(torch.__version__); print(sys.version.split()[0])"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{python}: cannot import torch:\n{r.stderr[-500:]}")
    tv, pv = r.stdout.split()
    return tv, pv


def one_run(python, a, workdir, tag):
    runs = os.path.join(workdir, "runs")
    args = [python, os.path.join(ROOT, "training", "train.py"), "--run", tag, "--runs-dir", runs,
            "--size", "tiny", "--seq", str(a.seq), "--batch", str(a.batch), "--threads", str(a.threads),
            "--steps", str(a.warm + a.steps + 1), "--warmup", "150", "--lr", "2e-3", "--seed", str(a.seed),
            "--plain-frac", "0.25", "--multi-frac", "0.45", "--blockwise-frac", "0.5",
            "--log-every", "1", "--eval-every", "1000000", "--eval-batches", "1", "--ckpt-minutes", "1000",
            "--device", "cpu"]
    if a.tokens:
        args += ["--tokens", a.tokens]
    if a.tokenizer:
        args += ["--tokenizer", a.tokenizer]
    before = uptime()
    t0 = time.time()
    r = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    wall = time.time() - t0
    after = uptime()
    if r.returncode != 0:
        raise SystemExit(f"{python} train.py failed:\n{r.stdout[-1500:]}\n{r.stderr[-1500:]}")
    with open(os.path.join(runs, tag, "loss.csv")) as f:
        rows = {int(row["step"]): row for row in csv.DictReader(f)}
    e0, e1 = float(rows[a.warm]["elapsed_s"]), float(rows[a.warm + a.steps]["elapsed_s"])
    tokens = a.steps * a.batch * a.seq
    return {"tokens_per_s": round(tokens / (e1 - e0), 1), "s_per_step": round((e1 - e0) / a.steps, 4),
            "loss_at_last_step": float(rows[a.warm + a.steps]["loss"]), "wall_s": round(wall, 1),
            "uptime_before": before, "uptime_after": after}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", action="append", required=True, help="an interpreter with torch (repeat)")
    ap.add_argument("--warm", type=int, default=5)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seq", type=int, default=384)
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--tokens")
    ap.add_argument("--tokenizer")
    ap.add_argument("--out")
    a = ap.parse_args(argv)
    tools = []
    for p in a.python:
        tv, pv = torch_version(p)
        tools.append({"python": p, "torch": tv, "python_version": pv, "runs": []})
    with tempfile.TemporaryDirectory() as work:
        for rep in range(a.repeats):
            for i, t in enumerate(tools):
                res = one_run(t["python"], a, work, f"r{rep}-t{i}")
                t["runs"].append(res)
                print(f"{t['python']} (torch {t['torch']}): {res['tokens_per_s']} tok/s, {res['s_per_step']} s/step "
                      f"| {res['uptime_after']}", flush=True)
    for t in tools:
        v = [r["tokens_per_s"] for r in t["runs"]]
        t["tokens_per_s_mean"] = round(sum(v) / len(v), 1)
        t["tokens_per_s_min"], t["tokens_per_s_max"] = min(v), max(v)
    out = {
        "what": "training tokens/s of training/train.py (tiny config, bf16 autocast on CPU), interleaved runs",
        "command": " ".join([os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(ROOT) else sys.executable,
                             "training/bench_toolchain.py"] + (argv if argv is not None else sys.argv[1:])),
        "config": {"size": "tiny", "seq": a.seq, "batch": a.batch, "threads": a.threads, "warm_steps": a.warm,
                   "timed_steps": a.steps, "repeats": a.repeats, "seed": a.seed,
                   "mixture": "plain 0.25, multi 0.45, blockwise 0.5 (the bundled model's last stages)"},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "processor": platform.processor()},
        "toolchains": tools,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if len(tools) >= 2:
        out["speedup_first_over_second"] = round(tools[0]["tokens_per_s_mean"] / tools[1]["tokens_per_s_mean"], 3)
    print(json.dumps({t["torch"]: t["tokens_per_s_mean"] for t in tools}))
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
