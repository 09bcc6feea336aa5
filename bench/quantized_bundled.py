"""What int8 and int4 weights cost in quality, measured on the bundled model (real trained weights, unlike the
random real-size checkpoints): its released checkpoint is exported through the streaming builder (graph v2) in
fp32, int8 and int4, and the held-out evaluation (training/evaluate.py's 800 single- and 200 multi-line cases) runs
through the product (dist/cli.js batch) on each folder with the manifest's recommended decoder. Reported: ES/EM
per format, the paired ES difference against fp32 with its 95 % bootstrap interval, the share of identical fills,
and top-1 agreement of masked rows on the cases' canvases. Writes bench/results/quantized-bundled.json.

    .venv/bin/python bench/quantized_bundled.py [--single 800 --multi 200] [--work DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

FORMATS = {"fp32": {"dtype": "fp32"}, "int8": {"dtype": "int8"}, "int4": {"dtype": "int4", "head_bits": 8},
           "int4 (4-bit head)": {"dtype": "int4", "head_bits": 4}}


def export_bundled(out: str, opts: dict) -> None:
    """models/diffucode-tiny's released weights as a graph v2 folder (its tokenizer and manifest beside)."""
    from training.hf.export_trained import export_trained
    export_trained(os.path.join(ROOT, "training", "checkpoints", "diffucode-tiny.pt"), out, opts["dtype"],
                   opts.get("head_bits"))


def masked_row_agreement(folders: dict, cases, n: int = 200) -> dict:
    """Top-1 agreement with fp32 of every masked row (a single-line 24-slot gap) on the first n cases' canvases, as
    the first pass of a fill sees them, and the largest logit difference."""
    from training.common import BOS_ID, EOS_ID, MASK_ID
    from training.evaluate import near_text
    from training.hf.run_graph import open_session, run_graph
    from training.tokenizer import load
    enc = load(os.path.join(ROOT, "models", "diffucode-tiny", "tokenizer.json"))
    canvases = []
    for c in cases[:n]:
        p, s = near_text(c)
        ids = [BOS_ID] + enc.encode(p)[-224:] + [MASK_ID] * 24 + enc.encode(s)[:96] + [EOS_ID]
        start = ids.index(MASK_ID)
        canvases.append((ids, list(range(start - 1, start + 23))))
    logits = {}
    for name, folder in folders.items():
        sess = open_session(folder)
        logits[name] = [run_graph(sess, ids, rows, outputs=["logits"])["logits"] for ids, rows in canvases]
    ref = logits["fp32"]
    out = {}
    for name, rows in logits.items():
        if name in ("fp32",) or name.startswith("shipped"):
            continue
        agree = np.concatenate([a.argmax(1) == b.argmax(1) for a, b in zip(rows, ref)])
        out[name] = {"top1Agreement": round(100 * float(agree.mean()), 2), "rows": int(agree.size),
                     "maxAbsLogitDiff": round(float(max(np.abs(a - b).max() for a, b in zip(rows, ref))), 3)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--single", type=int, default=800)
    ap.add_argument("--multi", type=int, default=200)
    ap.add_argument("--work", default=None)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "quantized-bundled.json"))
    args = ap.parse_args()
    from training.common import DATA
    from training.evaluate import evaluate_engine, make_cases, paired_difference, score
    with open(os.path.join(DATA, "corpus", "test.jsonl"), encoding="utf-8") as f:
        files = [json.loads(line)["text"] for line in f]
    cases = make_cases(files, args.single, args.multi, seed=7)
    work = args.work or tempfile.mkdtemp(prefix="quantized-bundled-")
    results = {"cases": {"single": args.single, "multi": args.multi}, "formats": {},
               "command": " ".join(sys.argv), "decoder": "the manifest's recommendation (threshold 0.9, blocks of 8, "
                                                         "end-of-text after text, dual cache)"}
    preds = {}
    # the shipped folder (graph v1, torch-exported) as the anchor: graph v2 fp32 must score the same
    folders = {"shipped (graph v1, fp32)": os.path.join(ROOT, "models", "diffucode-tiny")}
    for name, opts in FORMATS.items():
        folders[name] = os.path.join(work, name.split(" ")[0] + ("-h4" if "4-bit head" in name else ""))
        if not os.path.exists(folders[name]):
            export_bundled(folders[name], opts)
    for name, folder in folders.items():
        p, st = evaluate_engine(folder, cases)
        preds[name] = p
        s = score(p, cases)
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder) if f.startswith(("model", "window")))
        results["formats"][name] = {k: {"exact_match": v["exact_match"], "edit_similarity": v["edit_similarity"]}
                                    for k, v in s.items()}
        results["formats"][name]["weightsMb"] = round(size / 1e6, 2)
        results["formats"][name]["tokensPerForward"] = round(st["tokens"] / max(1, st["forwards"]), 2)
        ref = preds.get("fp32")
        if ref is not None and name != "fp32":
            rs, ns = score(ref, cases), s
            results["formats"][name]["vsFp32"] = {
                k: {"es": paired_difference(ns[k]["per_case_es"], rs[k]["per_case_es"]),
                    "identicalFills": round(100 * float(np.mean([a == b for a, b, c in zip(p, ref, cases)
                                                                 if c["kind"] == k])), 1)}
                for k in ns}
        print(name, json.dumps(results["formats"][name]), flush=True)
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
            f.write("\n")
    results["maskedRows"] = masked_row_agreement({k: v for k, v in folders.items() if not k.startswith("shipped")},
                                                 cases)
    # graph v1 vs v2 (both fp32): the new builder against the exporter the shipped model came from
    v1, v2 = preds["shipped (graph v1, fp32)"], preds["fp32"]
    results["graphV2VsShipped"] = {"identicalFills": round(100 * float(np.mean([a == b for a, b in zip(v1, v2)])), 1)}
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
