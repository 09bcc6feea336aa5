"""Draws a run's loss curves (training loss, masked-token cross-entropy, validation) from loss.csv to a PNG.

    .venv/bin/python training/plot.py training/runs/tiny/loss.csv [--out training/runs/tiny/loss.png]
"""
import argparse
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from training.common import Fatal, require, run_main  # noqa: E402


def read_rows(path):
    """Rows by step. A resumed run re-logs the steps after its checkpoint; the later line wins. Lines that do not
    parse, or whose token count does not grow with the step (a torn write), are dropped; stages of a continued run
    may differ in tokens per step."""
    if not os.path.isfile(path):
        raise Fatal(f"{path} not found")
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        raw = [r for r in csv.DictReader(f)]
    rows = {}
    for r in raw:
        try:
            step, tokens = int(r["step"]), int(r["tokens"])
            float(r["loss"])
        except (TypeError, ValueError, KeyError):
            continue
        if step <= 0 or tokens <= 0:
            continue
        rows[step] = r
    out, last = [], 0
    for k in sorted(rows):
        tokens = int(rows[k]["tokens"])
        if tokens > last:  # tokens seen only grow with the step; anything else is a torn or stray line
            out.append(rows[k])
            last = tokens
    if not out:
        raise Fatal(f"{path} has no usable rows")
    return out


def smooth(xs, k=20):
    out, acc = [], []
    for x in xs:
        acc.append(x)
        if len(acc) > k:
            acc.pop(0)
        out.append(sum(acc) / len(acc))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv")
    ap.add_argument("--out")
    a = ap.parse_args(argv)
    mpl = require("matplotlib", "python3-matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    rows = read_rows(a.csv)
    tok = [int(r["tokens"]) / 1e6 for r in rows]
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.5))
    ax[0].plot(tok, [float(r["loss"]) for r in rows], alpha=0.25, color="C0", label="train loss (1/t weighted)")
    ax[0].plot(tok, smooth([float(r["loss"]) for r in rows]), color="C0", label="train loss, smoothed")
    ax[1].plot(tok, smooth([float(r["masked_ce"]) for r in rows]), color="C1", label="train masked CE, smoothed")
    val = [r for r in rows if r.get("val_loss")]
    if val:
        vt = [int(r["tokens"]) / 1e6 for r in val]
        ax[0].plot(vt, [float(r["val_loss"]) for r in val], "o-", color="C3", label="validation loss")
        ax[1].plot(vt, [float(r["val_masked_ce"]) for r in val], "o-", color="C2", label="validation masked CE")
    for x, title in zip(ax, ("masked-diffusion loss", "cross-entropy on masked tokens (nats)")):
        x.set_xlabel("training tokens (millions)")
        x.set_title(title)
        x.grid(alpha=0.3)
        x.legend()
    fig.tight_layout()
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(a.csv)), "loss.png")
    fig.savefig(out, dpi=100)
    print(f"wrote {out} ({len(rows)} rows)")


if __name__ == "__main__":
    run_main(main)
