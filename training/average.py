"""Averages the weights of a run's last checkpoints (the low-learning-rate tail of its schedule) into a new run folder
that evaluate.py and release.py take like any other: runs/<out>/last.pt, loss.csv and averaged.json.

Why: SGD's last iterate still jitters around the minimum it has found; the mean of the iterates over the tail of the
schedule sits nearer its centre (checkpoint averaging, as in Polyak averaging, SWA and LAWA). It costs no training, so
it is tried after every stage and kept only when it scores better on the validation canvases, which are measured here
for the last checkpoint and for the mean side by side (more canvases than train.py's periodic check, so the choice is
not made on noise).

train.py overwrites runs/<run>/last.pt every few minutes (--ckpt-minutes); keep copies while it trains, for example
(TRAIN_PID = the trainer's process id, $! right after starting it with nohup ... &)

    mkdir -p training/runs/tiny4/snaps
    while kill -0 $TRAIN_PID 2>/dev/null; do cp training/runs/tiny4/last.pt training/runs/tiny4/snaps/$(date +%s).pt; sleep 300; done

then

    .venv/bin/python training/average.py --run tiny4 --snapshots 'training/runs/tiny4/snaps/*.pt' --tail 0.25
"""
import argparse
import glob
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from training.common import TRAINING, Fatal, require, run_main, write_json_atomic  # noqa: E402


def pick_tail(snaps, last_step: int, tail: float):
    """The snapshots whose step lies in the last `tail` share of the run's steps (the newest always included), each
    step once, oldest first."""
    by_step = {}
    for path, step in snaps:
        by_step.setdefault(step, path)
    return [(by_step[s], s) for s in sorted(by_step) if last_step - s <= tail * last_step + 1e-9]


def mean_weights(states):
    """Element-wise mean of state dicts with the same keys and shapes, in fp32."""
    keys = list(states[0])
    for s in states[1:]:
        if list(s) != keys or any(s[k].shape != states[0][k].shape for k in keys):
            raise Fatal("the snapshots do not share one model shape: they come from different runs or configs")
    return {k: sum(s[k].float() for s in states) / len(states) for k in keys}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, help="the run whose last.pt ends the average: training/runs/<run>/")
    ap.add_argument("--runs-dir", default=os.path.join(TRAINING, "runs"))
    ap.add_argument("--snapshots", required=True, help="glob of the run's earlier checkpoints (copies of last.pt)")
    ap.add_argument("--tail", type=float, default=0.25, help="share of the run's steps, counted from its end, whose "
                                                              "checkpoints are averaged")
    ap.add_argument("--out-run", help="run folder to write (default: <run>-avg)")
    ap.add_argument("--val-batches", type=int, default=30, help="validation batches for the side-by-side check")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    if not 0 < a.tail <= 1:
        raise Fatal(f"--tail {a.tail}: expected a share in (0, 1]")
    torch = require("torch", "python3-torch")
    torch.set_num_threads(a.threads)
    from training.train import load_checkpoint, save_checkpoint, score_on_validation
    run = os.path.join(a.runs_dir, a.run)
    out_run = os.path.join(a.runs_dir, a.out_run or f"{a.run}-avg")
    if os.path.abspath(out_run) == os.path.abspath(run):
        raise Fatal("--out-run must differ from --run: the run's own checkpoint and curve are kept as they are")
    last = load_checkpoint(os.path.join(run, "last.pt"))
    snaps = []
    for p in sorted(glob.glob(a.snapshots)):
        ck = load_checkpoint(p)
        if ck["config"] != last["config"]:
            raise Fatal(f"{p}: its model config differs from {a.run}'s")
        mine = {k: ck.get("args", {}).get(k) for k in ("run", "seed", "init")}
        if mine != {k: last.get("args", {}).get(k) for k in mine} or ck["tokens_seen"] > last["tokens_seen"]:
            raise Fatal(f"{p} is not an earlier checkpoint of {a.run} (another run, seed or start): leave it out")
        if ck["step"] > last["step"]:
            print(f"skipped {p}: step {ck['step']} is past {a.run}'s last.pt (step {last['step']})")
            continue
        snaps.append((p, ck["step"]))
    chosen = pick_tail(snaps + [(os.path.join(run, "last.pt"), last["step"])], last["step"], a.tail)
    if len(chosen) < 2:
        raise Fatal(f"only {len(chosen)} checkpoint(s) in the last {a.tail:.0%} of {a.run}'s steps: nothing to average")
    avg = mean_weights([load_checkpoint(p)["model"] for p, _ in chosen])
    # The wide check decides; train.py's own canvases (the first eval_batches of the same seeds) give the card's number.
    own_n = last["args"]["eval_batches"]
    wide = max(a.val_batches, own_n)
    (val_last, val_avg), (_, own_avg) = score_on_validation(last, [last["model"], avg], [wide, own_n])
    steps = [s for _, s in chosen]
    report = {"run": a.run, "steps": steps, "tail": a.tail, "val_batches": wide,
              "last": {"val_loss": round(val_last[0], 4), "val_masked_ce": round(val_last[1], 4)},
              "average": {"val_loss": round(val_avg[0], 4), "val_masked_ce": round(val_avg[1], 4)}}
    print(json.dumps(report))
    if val_avg[1] >= val_last[1]:
        print(f"the average of {len(chosen)} checkpoints is not better on the validation canvases "
              f"(masked CE {val_avg[1]:.4f} vs {val_last[1]:.4f}): release {a.run} itself; nothing written")
        if os.path.isfile(os.path.join(out_run, "averaged.json")):  # an earlier average must not be released now
            shutil.rmtree(out_run)
            print(f"removed the earlier average {out_run}")
        return report
    os.makedirs(out_run, exist_ok=True)
    stale = os.path.join(out_run, "eval.json")  # an earlier average's evaluation must not pass for this one's
    if os.path.exists(stale):
        os.remove(stale)
    # The run's curve up to the last checkpoint (a run killed after it logged steps the weights never saw), its row
    # at that step carrying the average's validation on train.py's canvases, so that the model card's number
    # belongs to the released weights (the last checkpoint's stays in averaged.json); one row per step.
    with open(os.path.join(run, "loss.csv"), encoding="utf-8") as f:
        lines = f.read().rstrip("\n").split("\n")
    cols = lines[0].split(",")
    parsed = [dict(zip(cols, line.split(","))) for line in lines[1:]]
    rows = [r for r in parsed if int(float(r["step"])) < last["step"]]
    end = next((r for r in parsed if int(float(r["step"])) == last["step"]),
               {"step": str(last["step"]), "tokens": str(last["tokens_seen"]), "elapsed_s": f"{last['elapsed']:.1f}"})
    report["last"]["own_val_masked_ce"] = float(end["val_masked_ce"]) if end.get("val_masked_ce") else None
    end.update(val_loss=f"{own_avg[0]:.4f}", val_masked_ce=f"{own_avg[1]:.4f}")
    with open(os.path.join(out_run, "loss.csv"), "w", encoding="utf-8") as f:
        f.write("\n".join([lines[0]] + [",".join(r.get(c, "") for c in cols) for r in rows + [end]]) + "\n")
    ck = {k: v for k, v in last.items() if k != "optim"}  # an average has no optimizer state of its own
    ck["model"] = avg
    ck["averaged"] = report
    save_checkpoint(os.path.join(out_run, "last.pt"), ck)
    write_json_atomic(os.path.join(out_run, "averaged.json"), report)
    print(f"wrote {out_run}/last.pt: mean of steps {steps}; masked CE {val_avg[1]:.4f} vs {val_last[1]:.4f} "
          f"for the last checkpoint ({a.val_batches} validation batches)")
    return report


if __name__ == "__main__":
    run_main(main)
