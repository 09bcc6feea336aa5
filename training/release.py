"""Releases a trained run as the embedded model: loss plot, weights-only checkpoint for later sessions, model card
(from the corpus manifest, the checkpoint, loss.csv and eval.json), then the validated export through the one graph
builder, the TypeScript converter (training/release_export.py; graph v2, fp32).

    .venv/bin/python training/release.py --run tiny [--out models/diffucode-tiny]

A run started with `train.py --init training/checkpoints/diffucode-tiny.pt` continues an earlier release: pass
`--continues training/checkpoints/diffucode-tiny.pt` so the card and the curves count every stage (the earlier
stages' loss rows come from training/checkpoints/loss.csv, read before it is rewritten).

The export is staged in the run's folder (runs/RUN/release-staged) and measured there before it replaces `--out`
(issue 17, item 5):
- must beat the shipped model: the evaluation's cases through the engine (dist/cli.js batch) on the staged folder
  and on the shipped one; unless the 95 % paired interval of the single-line ES difference (new minus shipped,
  evaluate.paired_difference) lies above zero, the release stops (exit 2, one line) and `--out`, the kept files and
  the manifest stay as they were. `--allow-no-gain [WHY]` releases anyway and the card records it;
- failure modes: training/failure_modes.py on the staged folder (or `--failure-modes JSON`, checked against the
  product's fills), beside the reference code's base rates and, with `--previous-failure-modes JSON` (the shipped
  model's, e.g. bench/results/failure-modes.json), before / after; kept as runs/RUN/failure-modes.json;
- ghost-text gate: bench/ghost-text-calibrate.ts on the staged folder (a few minutes) sets the manifest's
  `ghostText.minConfidence` and the card's gate curve (kept as runs/RUN/ghost-text-calibration.json). With
  `--carry-gate`, or when the calibration fails, the shipped manifest's gate is carried over and the card says so;
  with no gate either way the release stops: the manifest never loses it.
Needs `npm run build` first (dist/cli.js, dist/worker.js). About 10 minutes on the 2-core CPU beyond the export.
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from training.common import DATA, ROOT, TRAINING, Fatal, file_sha256, require, run_main  # noqa: E402
from training.examples import GAP_KINDS  # noqa: E402
from training.release_export import MAX_MB, export_release, with_ghost_text  # noqa: E402

HARDWARE = "2-core x86-64 CPU (shared with other work), no GPU, PyTorch 1.13 bf16 autocast"
CARRIED_SAMPLER_KEYS = ("repetitionPenalty",)
EXTRA_TOKENS = "tokens-extra"  # training/corpus_extra.py's merged token folder
EXTRA_DATA_LINE = ("Python stdlib (PSF-2.0), numpy/torch Python sources (BSD-3-Clause), TypeScript lib*.d.ts (Apache-2.0), "
                   "MIT/Apache/BSD/ISC npm packages; from stage 6, MIT/Apache/BSD/PSF Python packages (Debian python3-* "
                   "and pip) and more npm packages, near-duplicate-free; see MODEL_CARD.md")


def data_table(manifest):
    rows = ["| source | licence | files (train/valid/test) | tokens (train) |", "|---|---|---|---|"]
    npm_small = {"files": 0, "tokens": 0, "licences": set()}
    for s in manifest["sources"]:
        f = s["files"]
        tok = (s.get("tokens") or {}).get("train", 0)
        if sum(f.values()) < 20 and s["name"].startswith("npm:"):
            npm_small["files"] += sum(f.values())
            npm_small["tokens"] += tok
            npm_small["licences"].add(s["licence"])
            continue
        ver = f" {s['version']}" if s.get("version") else ""
        rows.append(f"| {s['name']}{ver} | {s['licence']} | {f['train']}/{f['valid']}/{f['test']} | {tok:,} |")
    if npm_small["files"]:
        rows.append(f"| {len([s for s in manifest['sources'] if s['name'].startswith('npm:')])} smaller npm packages "
                    f"(dependencies of the above) | {', '.join(sorted(npm_small['licences']))} | "
                    f"{npm_small['files']} in all | {npm_small['tokens']:,} |")
    return "\n".join(rows)


def extra_data_section(extra):
    """The card's table of the extra corpus (training/corpus_extra.py), when a stage trained on it."""
    if not extra:
        return ""
    rows = ["| source | licence | files | tokens | licence evidence |", "|---|---|---|---|---|"]
    small = [s for s in extra["sources"] if s["files"] < 20]
    for s in extra["sources"]:
        if s in small:
            continue
        ver = f" {s['version']}" if s.get("version") else ""
        rows.append(f"| {s['name']}{ver} | {s['licence']} | {s['files']} | {s.get('tokens') or 0:,} | "
                    f"{str(s.get('evidence', '')).replace('|', '/')[:90]} |")
    if small:
        rows.append(f"| {len(small)} smaller packages | {', '.join(sorted({s['licence'] for s in small}))} | "
                    f"{sum(s['files'] for s in small)} in all | {sum(s.get('tokens') or 0 for s in small):,} | "
                    "per package in training/data/corpus-extra/manifest.json |")
    nd = extra.get("near_duplicate", {})
    rejected = {}
    for s in extra["sources"]:
        for k, v in s["rejected"].items():
            rejected[k] = rejected.get(k, 0) + v
    refused = ", ".join(f"{r['name']} ({r['licence']})" for r in extra.get("refused", [])) or "none"
    return f"""
Extra corpus (`training/corpus_extra.py`, train only; the held-out files above are untouched): {extra['files']:,}
files, {extra['bytes'] / 1e6:.1f} MB ({extra['files_by_lang']}), {extra.get('tokens') or 0:,} tokens, from Python
packages installed on the training machine (Debian's python3-* packages, the licence read from the `Files: *` stanza
of each package's copyright file; the pip environment's, from each METADATA) and more npm packages (package.json).
Near duplicates removed against the whole corpus, held-out splits included, and within itself: MinHash over
normalised line sets ({nd.get('hashes')} hashes, {nd.get('bands')} bands), Jaccard >= {nd.get('jaccard')}. Files
dropped: {rejected}. Sources refused for their licence: {refused}.

{chr(10).join(rows)}
"""


def carried_text(carried):
    if not carried or "repetitionPenalty" not in carried:
        return ""
    return (f"\n\nThe manifest also recommends the engine's repetition penalty (`repetitionPenalty: "
            f"{carried['repetitionPenalty']:g}`, carried over from the model this one replaces; docs/engine.md#repetition-penalty): "
            "a masked slot's logit for a word token that its gap already holds within 8 slots is lowered by it. The "
            "PyTorch rows above decode without it; the engine rows and the comparison with the replaced model use it.")


def best_decoder(ev):
    from training.evaluate import best_model_row
    return best_model_row(ev)[0] or "none evaluated"


def versus_table(ev):
    from training.evaluate import versus_table as table
    return table(ev)


def eval_table(ev, previous=None):
    """The evaluation table; `previous` (an eval.json of the earlier release on the same cases) adds its model rows,
    marked, so the card shows what this stage changed."""
    from training.evaluate import budget_of, markdown_table
    if previous and all(previous.get(k) == ev.get(k) for k in ("cases", "single", "multi", "seed")):
        rows = dict(ev["rows"])
        # Rows seen through another context budget are marked with it: they are not like for like.
        other = "" if budget_of(previous) == budget_of(ev) else ", context %d/%d tokens" % budget_of(previous)
        for name, row in previous["rows"].items():
            if "decoder" in row:
                rows[f"previous release ({name[len('model: '):]}{other})"] = row
        ev = dict(ev, rows=rows)
    return markdown_table(ev)


def verdict(ev):
    """Plain sentences: does the recommended decoder clearly beat the issue's two baselines (empty middle; a copy of
    the line above) on single- and multi-line ES, and how does it fare against the stricter copy of the k lines above?
    "Clearly" means the 95 % paired-bootstrap interval of the difference lies above zero (evaluate.versus_baselines);
    an eval.json without intervals (from before they existed) can say "above", never "clearly"."""
    from training.evaluate import EMPTY, K_LINES_ABOVE, LINE_ABOVE, OLD_K_LINES_ABOVE, best_model_row
    name, row = best_model_row(ev)
    if not row:
        return "No model decoder was evaluated."
    vs = ev.get("versus_baselines") if (ev.get("versus_baselines") or {}).get("decoder") == name else {}

    def compare(base):
        """(lost, unclear, sure): kinds where the model is not above, above without a sure interval, surely above."""
        lost, unclear, sure = [], [], []
        b = ev["rows"].get(base, {})
        for kind in ("single", "multi"):
            if kind not in row or kind not in b:
                continue
            what = f"{kind}-line ES {row[kind]['edit_similarity']} vs {b[kind]['edit_similarity']}"
            d = ((vs or {}).get(base) or {}).get(kind)
            if d:
                what += f" (difference {d['diff']:+.1f}, 95 % interval {d['ci95'][0]:+.1f} to {d['ci95'][1]:+.1f})"
            if row[kind]["edit_similarity"] <= b[kind]["edit_similarity"]:
                lost.append(what)
            elif not d or d["ci95"][0] <= 0:
                unclear.append(what + ("" if d else " (no interval in this evaluation)"))
            else:
                sure.append(what)
        return lost, unclear, sure

    def label(base):
        return "copy of the k lines above" if base == OLD_K_LINES_ABOVE else base[len("baseline: "):]

    # The issue's bar: the empty middle and the line above. Evaluations from before the line-above row existed only
    # have the k-lines copy (under its old name), which is then the bar, named as what it is.
    bar = [EMPTY, LINE_ABOVE if LINE_ABOVE in ev["rows"] else OLD_K_LINES_ABOVE]
    names = " and ".join(label(b) for b in bar)
    lost, unclear = [], []
    for base in bar:
        lo, un, _ = compare(base)
        lost += [f"{w} against the {label(base)}" for w in lo]
        unclear += [f"{w} against the {label(base)}" for w in un]
    if lost:
        out = (f"**Result, stated plainly:** the model ({name}) does **not** beat both baselines ({names}): "
               f"{'; '.join(lost + unclear)}. The issue's bar (clearly beat both) is not met by this checkpoint.")
    elif unclear:
        out = (f"**Result, stated plainly:** the model ({name}) scores above both baselines ({names}), but not "
               f"clearly: {'; '.join(unclear)}. The issue's bar (clearly beat both) is not met yet.")
    else:
        out = (f"**Result, stated plainly:** the model ({name}) clearly beats both baselines ({names}) on edit "
               f"similarity: every 95 % paired-bootstrap interval of the difference lies above zero.")
    if K_LINES_ABOVE in ev["rows"]:
        lo, un, _ = compare(K_LINES_ABOVE)
        if lo or un:
            out += (" Against the stricter copy of the k lines above, which knows how many lines were removed, it does "
                    f"not clearly win: {'; '.join(lo + un)}.")
        else:
            out += " It also clearly beats the stricter copy of the k lines above, which knows how many lines were removed."
    return out


def stage_of(ck):
    """What one training stage did, as recorded in the release's history."""
    a = ck.get("args", {})
    st = {"steps": ck["step"], "tokens": ck["tokens_seen"], "seconds": round(ck.get("elapsed", 0)),
            "lr": a.get("lr"), "warmup": a.get("warmup"), "minutes": a.get("minutes"), "batch": a.get("batch"), "seq": a.get("seq"),
            "plain_frac": a.get("plain_frac", 0.2), "multi_frac": a.get("multi_frac", 0.0),
            "blockwise_frac": a.get("blockwise_frac", 0.0), "seed": a.get("seed"), "device": a.get("device", "auto"),
            "workers": a.get("workers", 0)}
    # Recorded only when a stage departs from the defaults, so earlier stages' records (and the check that a run is
    # not released twice) stay as they were.
    kinds = [round(float(x), 4) for x in a.get("gap_kinds") or GAP_KINDS]
    if kinds != [round(x, 4) for x in GAP_KINDS]:
        st["gap_kinds"] = kinds
    if a.get("tokens") and os.path.basename(os.path.normpath(a["tokens"])) != "tokens":
        st["data"] = os.path.basename(os.path.normpath(a["tokens"]))  # the token folder ("tokens" counts tokens seen)
    if ck.get("averaged"):  # training/average.py: the weights are the mean of the checkpoints at these steps
        st["averaged_steps"] = ck["averaged"]["steps"]
        st["averaged_tail"] = ck["averaged"].get("tail")
    return st


def mixture(st):
    single = 1 - st["plain_frac"] - st["multi_frac"]
    parts = [f"{100 * single:.0f} % one-gap infill canvases"]
    if st["multi_frac"]:
        parts.append(f"{100 * st['multi_frac']:.0f} % multi-gap canvases (3-8 gaps cut from one window)")
    parts.append(f"{100 * st['plain_frac']:.0f} % plain sequences")
    out = ", ".join(parts)
    if st.get("blockwise_frac"):
        out += (f"; {100 * st['blockwise_frac']:.0f} % of the infill canvases masked as block-wise decoding sees a gap "
                "(committed head, partly masked block, masked tail)")
    kinds = st.get("gap_kinds") or GAP_KINDS
    out += (f"; gaps: {100 * kinds[0]:.0f} % rest of a line, {100 * kinds[1]:.0f} % one line, {100 * kinds[2]:.0f} % "
            "2-8 lines")
    if st.get("data") == EXTRA_TOKENS:
        out += "; the corpus plus the extra corpus (below)"
    return out


def stages_text(history):
    if len(history) < 2:
        return ""
    lines = ["", "Stages (each continues from the previous one's weights with a fresh optimizer and its own warm-up "
             "and cosine schedule):", ""]
    for i, st in enumerate(history, 1):
        where = " on a GPU" if st.get("device") == "cuda" else ""
        note = f" {st['note']}" if st.get("note") else ""
        if st.get("averaged_steps"):
            sv = st["averaged_steps"]
            note += (f" Its weights are the mean of the {len(sv)} checkpoints from steps {sv[0]:,} to {sv[-1]:,} "
                     f"(training/average.py), which scored better on the validation canvases than the last one alone.")
        lines.append(f"{i}. {st['steps']:,} steps, {st['tokens']:,} tokens, {st['seconds'] / 60:.0f} min{where}, peak lr "
                     f"{st['lr']}; {mixture(st)}.{note}")
    return "\n".join(lines) + "\n"


def reproduce(history):
    """The train / evaluate / release commands of every stage, in order."""
    out = []
    for i, st in enumerate(history):
        run = "tiny" if i == 0 else f"tiny{i + 1}"
        init = " --init training/checkpoints/diffucode-tiny.pt" if i > 0 else ""
        mix = f" --plain-frac {st['plain_frac']} --multi-frac {st['multi_frac']}" if st["multi_frac"] else ""
        mix += f" --blockwise-frac {st['blockwise_frac']}" if st.get("blockwise_frac") else ""
        mix += f" --gap-kinds {','.join(f'{x:g}' for x in st['gap_kinds'])}" if st.get("gap_kinds") else ""
        mix += f" --tokens training/data/{st['data']}" if st.get("data") else ""
        mix += f" --seed {st['seed']}" if st.get("seed") is not None else ""
        where = " --threads 2"
        if st.get("device") == "cuda":  # a GPU stage (training/device_train.sh)
            where = f" --device cuda --workers {st.get('workers', 0)}"
        if st.get("note"):
            out.append(f"# stage {i + 1}: {st['note']}")
        out.append(f".venv/bin/python training/train.py --run {run}{init} --steps 100000 --minutes {st['minutes']} "
                   f"\\\n    --warmup {st.get('warmup', 100)} --lr {st['lr']} --seq {st['seq']} --batch {st['batch']}{where}{mix}")
        if st.get("averaged_steps"):
            steps = st["averaged_steps"]
            tail = st.get("averaged_tail") or math.ceil(100 * (1 - steps[0] / steps[-1])) / 100
            out.append(f"# last.pt copied to training/runs/{run}/snaps/ while it trained (average.py's docstring has the "
                       f"loop); the mean of steps {', '.join(map(str, steps))}:")
            out.append(f".venv/bin/python training/average.py --run {run} --snapshots 'training/runs/{run}/snaps/*.pt' "
                       f"--tail {tail:g}")
            run += "-avg"
        out.append(f".venv/bin/python training/evaluate.py --checkpoint training/runs/{run}/last.pt")
        cont = " --continues training/checkpoints/diffucode-tiny.pt" if i > 0 else ""
        out.append(f".venv/bin/python training/release.py --run {run}{cont}")
    return "\n".join(out)


def render_card(ck, manifest, rows, ev, params, nonemb, history=None, prev_val=None, previous=None, extra=None,
                carried=None):
    from training.evaluate import BUDGET, budget_of
    cfg, args = ck["config"], ck.get("args", {})
    history = history or [stage_of(ck)]
    val = [r for r in rows if r.get("val_masked_ce")]
    last_val = val[-1] if val else {}
    hours = sum(st["seconds"] for st in history) / 3600
    total_steps = sum(st["steps"] for st in history)
    total_tokens = sum(st["tokens"] for st in history)
    prev_line = ""
    if prev_val is not None:
        prev_line = (f"\n- The previous stage's weights on the same validation canvases: masked-token cross-entropy "
                     f"{prev_val[1]:.3f} nats (loss {prev_val[0]:.3f})")
    ex = "\n".join(f"- {e['kind']}: want `{e['want'][:70]!r}` got `{e['got'][:70]!r}`" for e in ev.get("examples", [])[:6])
    return f"""# diffucode-tiny

A small masked-diffusion code model of the Dream / DiffuCoder architecture, trained from scratch by this project's
pipeline (`training/`) so that DiffuCode works offline out of the box. It fills gaps (`[BOS] prefix MASK*n suffix
[EOS]`) in parallel; it is a demo-grade model, far weaker than DiffuCoder-7B.

## Architecture

Qwen2 blocks with bidirectional attention and Dream's shifted logits (raw row i predicts token i+1):
hidden {cfg['hidden_size']}, {cfg['num_hidden_layers']} layers, {cfg['num_attention_heads']} query heads /
{cfg['num_key_value_heads']} key-value heads (grouped-query, biased q/k/v, bias-free o_proj), SwiGLU
{cfg['intermediate_size']}, RMSNorm eps {cfg['rms_norm_eps']}, RoPE theta {cfg['rope_theta']:g}, tied embeddings,
vocabulary {cfg['vocab_size']} (byte-level BPE). **{params / 1e6:.2f}M parameters** ({nonemb / 1e6:.2f}M outside the
embedding). Trained on canvases of {args.get('seq', '?')} tokens: keep canvases at or below that (`contextLength`).

Graph (`model.onnx`, fp32, opset 17): `input_ids` int64 [1, seq], `positions` int64 [n] -> `logits` float32
[n, {cfg['vocab_size']}]; rows are gathered before the final norm and the vocabulary projection.
Tokens: 0 `<|endoftext|>` (eos, pad, stop), 1 `<|mask|>`, 2 `<|beginoftext|>`; no expand token.
Decode with `clean_up_tokenization_spaces: false` (`tokenizer_config.json`).

## Training data

{manifest['files']:,} files, {manifest['bytes'] / 1e6:.1f} MB of Python, TypeScript and JavaScript
({manifest['files_by_lang']}); {manifest['tokens']['train']:,} train tokens. Deduplicated (whitespace-insensitive
hash), minified / generated / >200 KB files dropped, split by a hash of the path (96/2/2). Only permissive licences
(each npm package's licence field checked):

{data_table(manifest)}
{extra_data_section(extra)}
## Training

Masked diffusion: t ~ U(0.001, 1) per example, tokens masked with probability t, cross-entropy on masked tokens
weighted 1/t (t floored at the realised masked share). Infill canvases are prefix / middle padded with 0-64
end-of-text tokens / suffix, middles being the rest of a line, a line, or 2-8 lines; the last stage's mix:
{mixture(history[-1])}. Validation always uses one-gap canvases (plus the plain share).
{stages_text(history)}
Last stage: AdamW (betas 0.9/0.95, weight decay {args.get('weight_decay')}), peak lr {args.get('lr')}, {args.get('warmup')} warmup steps,
cosine to 10 % over a {args.get('minutes')}-minute wall-clock budget, batch {args.get('batch')} x {args.get('seq')} tokens,
gradient clipping 1.0.

- Steps: {total_steps:,}; training tokens: **{total_tokens:,}** (canvas tokens, padding included), all stages
- Wall time: {hours:.2f} h on {HARDWARE}
- Validation masked-token cross-entropy: **{float(last_val.get('val_masked_ce', 'nan')):.3f} nats**
  (1/t-weighted masked-diffusion loss {float(last_val.get('val_loss', 'nan')):.3f}), on a fixed set of
  {args.get('eval_batches')} x {args.get('batch')} validation canvases{prev_line}
- Curves: `training/checkpoints/loss.png` (data: `training/checkpoints/loss.csv`; stages follow each other, and the
  validation set was redrawn between stages, so the validation curve steps at a stage boundary)

## Evaluation

Held-out test files ({ev['single']} single-line and {ev['multi']} multi-line cases, seed {ev['seed']}): a random line
(single-line) or block of 2-5 lines (multi-line) removed; the prefix keeps the target's indentation. The model gets a fixed gap of 24 (single) / 64
(multi) masks, not the true length, and ends with end-of-text; context is the nearest {budget_of(ev)[0]} prefix and {budget_of(ev)[1]} suffix
tokens{" (the extension's defaults)" if budget_of(ev) == BUDGET else " (not the extension's defaults: %d/%d)" % BUDGET}. Exact match (EM) and edit similarity (ES, 1 - Levenshtein / max length) in %, on stripped strings.
Threshold = commit every mask whose top probability is at least the threshold (at least one per step); "whole
gap" lets any masked position commit, "blocks of B" is Fast-dLLM block-wise decoding (segments of B positions
from the left), "left to right" commits the leftmost mask each step, "dual cache" is Fast-dLLM's cache (a full pass
at each block start, then passes over the block alone against the cached keys/values: window.onnx, as the engine
runs it). Single-line answers are cut at their first line break (as ghost text for the rest of a line is).
Baselines: an empty middle; a copy of the nearest non-blank line above (the issue's baseline); and, stricter, a copy
of as many non-blank lines above as were removed (it knows the answer's line count, which the model is not told;
for single-line cases it equals the line above). The second table gives the best decoder's edit-similarity gain over
each baseline on the same cases, with a 95 % paired-bootstrap interval (2,000 resamples of the cases).

{eval_table(ev, previous)}

{versus_table(ev)}

{verdict(ev)}

The manifest recommends the best decoder of this table ({best_decoder(ev)}). "End-of-text only after text" lets a
slot end the answer only once the slot before it holds text: end-of-text is the most frequent target in the padded
training gaps, so without that rule a small model decoding the whole gap at once commits it first and returns short
or empty answers.{carried_text(carried)}

Examples (first cases, {ev.get('examples_decoder', 'first decoder')}):

{ex}

## Reproduce

```bash
.venv/bin/python training/corpus.py --max-mb 48
.venv/bin/python training/tokenizer.py
{".venv/bin/python training/corpus_extra.py --max-mb 48" + chr(10) if extra else ""}{reproduce(history)}
```

## Limitations

- Tiny and briefly trained on a shared 2-core CPU: it completes common idioms, closing brackets, returns and
  repeated patterns; it does not understand programs. Expect wrong or empty fills often.
- Languages: Python, TypeScript, JavaScript only; trained on library code (standard library, npm packages), not
  applications.
- Canvases longer than {args.get('seq')} tokens were never seen in training (RoPE positions beyond it are
  untrained): the engine must trim context to `contextLength`.
- The end-of-text padding teaches it to stop early; with much larger gaps than 64 it was not trained.

Licence: MIT for the weights; the training data's licences are listed above.
"""


def validation_of(prev, ck):
    """The earlier stage's weights on this run's validation canvases: (1/t-weighted loss, masked-token CE)."""
    from training.train import score_on_validation
    return score_on_validation(ck, [prev["model"]], [ck["args"]["eval_batches"]])[0][0]


# --- What the release measures on the exported folder before it replaces the shipped one -------------------------

def measure_product(folder, ev):
    """The evaluation's cases through the product on `folder` (evaluate.product_check: dist/cli.js batch, the
    folder's manifest sampler, no gate): the row, with per-case edit similarities and the CLI's answers (which
    run_failure_modes reads instead of asking the engine again)."""
    from training.evaluate import product_check
    return product_check(folder, ev, keep_answers=True)


def versus_shipped(new_row, shipped_row):
    """New minus shipped, per kind: evaluate.paired_difference of the per-case ES on the same cases."""
    from training.evaluate import paired_difference
    out = {}
    for kind in ("single", "multi"):
        a, b = (new_row.get(kind) or {}).get("per_case_es"), (shipped_row.get(kind) or {}).get("per_case_es")
        if a is not None and b is not None:
            if len(a) != len(b):
                raise Fatal(f"the new and the shipped model were scored on different {kind}-line cases "
                            f"({len(a)} vs {len(b)})")
            out[kind] = dict(paired_difference(a, b), new=new_row[kind]["edit_similarity"],
                             shipped=shipped_row[kind]["edit_similarity"], n=len(a))
    return out


def beats(gain) -> bool:
    """Issue 17's bar: the 95 % paired interval of the single-line ES difference lies above zero."""
    d = (gain or {}).get("single")
    return bool(d) and d["ci95"][0] > 0


def run_failure_modes(folder, ev, answers=None):
    """training/failure_modes.py on the exported folder, on the evaluation's cases; `answers`: the product check's
    answers on the same folder, so only the run without the line stop asks the engine."""
    from training import failure_modes
    return failure_modes.main(["--engine", folder, "--test", ev["test"], "--single", str(ev["single"]),
                               "--multi", str(ev["multi"]), "--seed", str(ev["seed"])], answers=answers)


def same_fills(fm, row) -> float:
    """Share (0-1) of cases whose product ES in a failure-mode result equals that of a product-check row: the same
    weights and sampler give the same fills, so this says whether `fm` describes the model of `row`."""
    same = n = 0
    for kind in ("single", "multi"):
        a = ((fm.get("scores") or {}).get(kind) or {}).get("per_case_es") or []
        b = (row.get(kind) or {}).get("per_case_es") or []
        if len(a) != len(b):
            return 0.0
        same += sum(x == y for x, y in zip(a, b))
        n += len(a)
    return same / n if n else 0.0


def load_failure_modes(path, ev, what):
    with open(path, encoding="utf-8") as f:
        fm = json.load(f)
    c = fm.get("cases") or {}
    if (c.get("single"), c.get("multi"), c.get("seed")) != (ev["single"], ev["multi"], ev["seed"]):
        raise Fatal(f"{what} {path} counts other cases ({c.get('single')}/{c.get('multi')}, seed {c.get('seed')}) "
                    f"than the evaluation ({ev['single']}/{ev['multi']}, seed {ev['seed']})")
    return fm


def run_calibration(folder, ev):
    """bench/ghost-text-calibrate.ts on the exported folder (the held-out cases through the worker and the editor's
    ghost-text pipeline, replayed at every gate): its JSON (chosen gate, curves). A few minutes on 2 cores."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "calibration.json")
        cmd = ["node", "--import", "tsx", os.path.join("bench", "ghost-text-calibrate.ts"), "--model", folder,
               "--single", str(ev["single"]), "--multi", str(ev["multi"]), "--out", out]
        try:
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise Fatal(f"ghost-text calibration did not run: {e}")
        if proc.returncode != 0 or not os.path.isfile(out):
            raise Fatal("ghost-text calibration failed: " + (proc.stderr.strip().splitlines() or ["no output"])[-1])
        with open(out, encoding="utf-8") as f:
            return json.load(f)


def js_fixed(x, digits=1):
    """JavaScript's toFixed (half up on the exact binary value; '-' for none), so the card's table reads as
    bench/ghost-text-calibrate.ts prints it."""
    from decimal import ROUND_HALF_UP, Decimal
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return str(Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def gate_table(curves) -> str:
    """The calibration curves as bench/ghost-text-calibrate.ts's markdown()."""
    def cell(r):
        return (f"{js_fixed(r.get('shownSingle'))} / {js_fixed(r.get('exactMatchShownSingle'))} / "
                f"{js_fixed(r.get('editSimilarityShownSingle'))} | {js_fixed(r.get('shownMulti'))} / "
                f"{js_fixed(r.get('exactMatchShownMulti'))} / {js_fixed(r.get('editSimilarityShownMulti'))}")
    lines = ["| gate | geometric mean (the product): single | block | least confident token: single | block | "
             "least confident token, else its confident head: single | block |", "|---:|---|---|---|---|---|---|"]
    geo, lo, head = curves["geomean"], curves.get("min") or [], curves.get("head") or []
    for i, r in enumerate(geo):
        cells = [cell(r)] + [cell(c[i]) if i < len(c) else "- | -" for c in (lo, head)]
        lines.append(f"| {r['gate']:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + ("\n\nEach cell: % of cases shown / exact match % of what is shown / edit similarity % "
                               "of what is shown.")


def decide_gate(a, folder, ev, previous_ghost):
    """(ghostText for the manifest, calibration JSON or None, why the gate was not calibrated or None). The gate is
    calibrated on the exported folder unless --carry-gate; when that is asked for or fails, the shipped manifest's
    gate is carried over, and the card says so. No gate at all is a refusal: the manifest must not lose it."""
    reason = None
    if a.carry_gate:
        reason = "--carry-gate: not calibrated at release"
    else:
        try:
            cal = run_calibration(folder, ev)
            gate = (cal.get("chosen") or {}).get("gate")
            if not isinstance(gate, (int, float)) or not 0 <= gate <= 1:
                raise Fatal(f"ghost-text calibration chose no gate in [0, 1] (got {gate!r})")
            return dict(previous_ghost or {}, minConfidence=gate), cal, None
        except Fatal as e:
            reason = str(e)
            print(f"warning: {reason}; the shipped manifest's gate is carried over instead", file=sys.stderr)
    if not previous_ghost or "minConfidence" not in previous_ghost:
        raise Fatal(f"no ghost-text gate for the new manifest ({reason}) and none in the shipped manifest to carry "
                    f"over: calibrate it (node --import tsx bench/ghost-text-calibrate.ts --model DIR)")
    return dict(previous_ghost), None, reason


# --- The card's release sections ----------------------------------------------------------------------------------

def product_section(row, ev) -> str:
    """The evaluation's cases through the product on the exported folder: the table above comes from the PyTorch
    decoder (bf16), and this says how closely it describes what users get."""
    s, m = row.get("single", {}), row.get("multi", {})
    same = row.get("same_as")
    text = ("\n## The same cases through the product\n\n"
            f"The shipped folder, decoded by the engine itself (`node dist/cli.js batch`: the worker, ONNX Runtime in "
            f"fp32, the TypeScript sampler with the manifest's settings): single-line EM {s.get('exact_match')} / ES "
            f"{s.get('edit_similarity')}, multi-line EM {m.get('exact_match')} / ES {m.get('edit_similarity')}, "
            f"{row['tokens_per_forward']} tokens per forward pass, {row['seconds']} s for {ev['cases']} cases on this CPU.")
    if same:
        text += (f" {same['percent']} % of its fills are identical to those of \"{same['row'][len('model: '):]}\" "
                 "above (bfloat16 there, float32 here: nearly tied tokens can come out the other way).")
    return text + "\n"


def versus_shipped_section(gain, allow_no_gain, shipped) -> str:
    """Issue 17's release rule and what it found."""
    text = "\n## Against the model it replaces\n\n"
    if gain is None:
        return text + f"No model was shipped at `{shipped}` before this one: nothing to beat.\n"
    cell = lambda d: (f"{d['new']} vs {d['shipped']}: {d['diff']:+.1f} [{d['ci95'][0]:+.1f}, {d['ci95'][1]:+.1f}]"  # noqa: E731
                      if d else "-")
    text += ("Both models on the same held-out cases through today's engine (each with its own manifest's sampler, "
             "no gate); edit similarity of this model vs the one it replaced, the difference with its 95 % "
             "paired-bootstrap interval (`evaluate.paired_difference`, 2,000 resamples of the cases):\n\n"
             "| | single-line ES | multi-line ES |\n|---|---|---|\n"
             f"| this model vs the previous release | {cell(gain.get('single'))} | {cell(gain.get('multi'))} |\n\n")
    if beats(gain):
        text += ("Release rule (issue 17): the single-line interval lies above zero, so this model clearly beats the "
                 "one it replaces.\n")
    else:
        why = f": {allow_no_gain}" if allow_no_gain else ""
        text += ("Release rule (issue 17): the single-line interval must lie above zero; it does **not**. Released "
                 f"anyway as a deliberate exception (`--allow-no-gain`){why}.\n")
    return text


FAILURE_ROWS = (("empty", "empty"), ("repeated_3gram", "repeated 3-gram"), ("stutter", "stutter"),
                ("unbalanced", "unbalanced brackets"), ("bracket_change_differs", "bracket change differs from the reference"))


def failure_modes_section(fm, previous=None, previous_agreement=None, source=None) -> str:
    """failure_modes.py's shares for this model beside the reference code's base rates and, given the previous
    release's result on the same cases, its shares (before / after)."""
    def pct(res, kind, key, ref=False):
        part = (res.get("references" if ref else "fills") or {}).get(kind) or {}
        v = (part.get("percent") or {}).get(key)
        return "-" if v is None else f"{v:.1f}"
    head = "| failure (% of fills) | single-line: this model |"
    head += " previous release |" if previous else ""
    head += " reference code | multi-line: this model |"
    head += " previous release |" if previous else ""
    head += " reference code |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for key, label in FAILURE_ROWS:
        cells = [label]
        for kind in ("single", "multi"):
            cells.append(pct(fm, kind, key))
            if previous:
                cells.append(pct(previous, kind, key))
            cells.append(pct(fm, kind, key, ref=True))
        lines.append("| " + " | ".join(cells) + " |")

    def overruns(res):
        free = (res or {}).get("single_line_without_stop") or {}
        stop = (((res or {}).get("fills") or {}).get("single") or {}).get("percent", {}).get("overrun_raw")
        return free.get("percent_overrun"), stop
    free, stop = overruns(fm)
    cells = ["overrun past the line (single-line, line stop off)", "-" if free is None else f"{free:.1f}"]
    if previous:
        pf = overruns(previous)[0]
        cells.append("-" if pf is None else f"{pf:.1f}")
    cells += ["0.0", "", ""] + ([""] if previous else [])
    lines.append("| " + " | ".join(cells) + " |")
    n = ((fm.get("fills") or {}).get("single") or {}).get("n"), ((fm.get("fills") or {}).get("multi") or {}).get("n")
    text = ("\n## Failure modes\n\n"
            f"The product's fills on the held-out cases above ({n[0]} single-line, {n[1]} multi-line; "
            "`training/failure_modes.py`, whose docstring defines each count), as shares of all fills, beside the "
            "same counts on the reference middles (the base rate of real code: a real line repeats a 3-gram or "
            "leaves a bracket open too)")
    text += (", and the model this one replaces on the same cases" if previous else "") + ".\n\n"
    text += "\n".join(lines) + "\n"
    if stop is not None:
        text += (f"\nWith the line stop on (as the editor asks), {stop:.1f} % of single-line fills ran past their "
                 "line.")
    if previous and previous_agreement is not None and previous_agreement < 0.995:
        text += (f" The previous release's figures come from {source or 'its recorded result'}, whose fills match "
                 f"today's engine on that model in {100 * previous_agreement:.1f} % of cases.")
    return text + "\n"


def gate_section(ghost, cal, carried_why, previous_ghost, folder_name) -> str:
    gate = ghost["minConfidence"]
    text = "\n## Ghost-text confidence gate\n\n"
    text += (f"The manifest's `ghostText.minConfidence` (**{gate:g}**) is the default of "
             "`diffucode.ghostText.minConfidence`: ghost text is shown only when the geometric mean of the "
             "probabilities of the tokens it would show (each token's probability when the model committed it) "
             "reaches it.")
    if cal is None:
        return text + (f" It is **carried over from the previous release's manifest**, not calibrated on these "
                       f"weights ({carried_why}), so no curve for this model is given here. Calibrate it with "
                       f"`npm run build && node --import tsx bench/ghost-text-calibrate.ts --model models/{folder_name}`"
                       " and release again.\n")
    rows = {r["gate"]: r for r in cal["curves"]["geomean"]}
    at, open_ = rows.get(gate, {}), rows.get(0, {})
    c = cal.get("cases") or {}
    text += (f" Calibrated on these weights at release (`bench/ghost-text-calibrate.ts` on the exported folder): the "
             f"held-out cases ({c.get('single')} single-line, {c.get('multi')} multi-line, seed {c.get('seed')}), each "
             "decoded once by the worker with the manifest's sampler and run through the editor's ghost-text pipeline "
             "(rest-of-line gap for a single-line case, block gap for a multi-line one, the filters), then the "
             "recorded answers replayed at each gate.\n\n")
    rule = cal.get("rule") or {}
    text += (f"Rule: the lowest gate at which shown single-line suggestions reach {rule.get('targetExactMatch', 30)} % "
             f"exact match; if none does, the most precise gate still showing at least {rule.get('minShown', 5)} % of "
             f"single-line cases. Chosen: **{gate:g}** ({cal['chosen'].get('why', '')}): "
             f"{js_fixed(at.get('shownSingle'))} % of single-line cases shown, "
             f"{js_fixed(at.get('exactMatchShownSingle'))} % of them exact, edit similarity "
             f"{js_fixed(at.get('editSimilarityShownSingle'))} % (against {js_fixed(open_.get('editSimilarityShownSingle'))} "
             f"% for everything the filters let through); blocks shown: {js_fixed(at.get('shownMulti'))} %.")
    prev = (previous_ghost or {}).get("minConfidence")
    if prev is not None:
        text += f" The release it replaces shipped {prev:g}."
    if cal.get("errors"):
        text += f" {len(cal['errors'])} cases failed in the worker and are left out."
    text += "\n\n" + gate_table(cal["curves"]) + "\n\n"
    text += ("Reproduce: `npm run build && node --import tsx bench/ghost-text-calibrate.ts --model "
             f"models/{folder_name}` (the JSON of this calibration is kept beside the run as "
             "`ghost-text-calibration.json`).\n")
    return text


def swap_in(staged, out):
    """Replaces `out` by the staged folder (a rename each; the old folder goes only once the new one is in place)."""
    import shutil
    import tempfile
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    old = None
    if os.path.exists(out):
        old = tempfile.mkdtemp(prefix=".old-", dir=parent)
        os.rmdir(old)
        os.replace(out, old)
    try:
        shutil.move(staged, out)
    except BaseException:
        if old:
            if os.path.exists(out):
                shutil.rmtree(out, ignore_errors=True)
            os.replace(old, out)
        raise
    if old:
        shutil.rmtree(old, ignore_errors=True)


def read_manifest(folder):
    path = os.path.join(folder, "manifest.json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="tiny")
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "diffucode-tiny"),
                    help="the shipped folder: the model to beat, replaced only when the release goes through")
    ap.add_argument("--corpus-manifest", default=os.path.join(DATA, "corpus", "manifest.json"))
    ap.add_argument("--extra-corpus-manifest", default=os.path.join(DATA, "corpus-extra", "manifest.json"),
                    help="training/corpus_extra.py's manifest, read when a stage trained on data/tokens-extra")
    ap.add_argument("--tokenizer-dir", default=os.path.join(DATA, "tokenizer"), help="tokenizer shipped with the model")
    ap.add_argument("--runs-dir", default=os.path.join(TRAINING, "runs"))
    ap.add_argument("--keep", default=os.path.join(TRAINING, "checkpoints"),
                    help="where the weights-only checkpoint, loss.csv and loss.png of the release go")
    ap.add_argument("--previous-eval", help="eval.json of the earlier release on the same cases (table rows)")
    ap.add_argument("--note", help="what the card's stage list should say about this stage beyond its arguments "
                                   "(say, a run resumed with a longer schedule)")
    ap.add_argument("--continues", help="the released checkpoint this run was initialised from (train.py --init)")
    ap.add_argument("--allow-no-gain", nargs="?", const="", default=None, metavar="WHY",
                    help="release even when the single-line ES gain over the shipped model is not clearly above zero "
                         "(a deliberate exception; the card records it, with WHY)")
    ap.add_argument("--carry-gate", action="store_true",
                    help="carry the shipped manifest's ghostText.minConfidence over instead of calibrating it on the "
                         "new weights (the card says so)")
    ap.add_argument("--failure-modes", metavar="JSON",
                    help="training/failure_modes.py's result for these weights (checked against the product's fills) "
                         "instead of running it")
    ap.add_argument("--previous-failure-modes", metavar="JSON",
                    help="training/failure_modes.py's result for the shipped model on the same cases (e.g. "
                         "bench/results/failure-modes.json): the card shows before / after")
    a = ap.parse_args(argv)
    torch = require("torch", "python3-torch")
    from training import plot
    from training.model_folder import validate_folder
    from training.train import load_checkpoint, save_checkpoint
    run = os.path.join(a.runs_dir, a.run)
    ck_path = os.path.join(run, "last.pt")
    ev_path = os.path.join(run, "eval.json")
    for p in (ck_path, ev_path, a.corpus_manifest):
        if not os.path.isfile(p):
            raise Fatal(f"{p} not found (train, then evaluate, before releasing)")
    ck = load_checkpoint(ck_path)
    with open(ev_path, encoding="utf-8") as f:
        ev = json.load(f)
    from training.evaluate import BUDGET, budget_of
    ck_sha = file_sha256(ck_path)
    if ev.get("checkpoint_sha256") and ev["checkpoint_sha256"] != ck_sha:
        raise Fatal(f"{ev_path} was made for other weights than {ck_path} (the run went on, or was averaged anew): "
                    f"evaluate it again")
    if budget_of(ev) != BUDGET:
        raise Fatal(f"{ev_path} gave the model {budget_of(ev)[0]}/{budget_of(ev)[1]} prefix/suffix tokens, the extension "
                    f"{BUDGET[0]}/{BUDGET[1]}: evaluate again with the defaults so the card describes what users get")
    if not ev.get("test") or not os.path.isfile(ev["test"]):
        raise Fatal(f"{ev_path} does not name its test file, or it is gone ({ev.get('test')}): the release measures "
                    f"the product on the evaluation's cases, so evaluate again")
    # The inputs the release takes as they are: read (and checked) before anything is built.
    fm_given = load_failure_modes(a.failure_modes, ev, "--failure-modes") if a.failure_modes else None
    fm_prev = load_failure_modes(a.previous_failure_modes, ev, "--previous-failure-modes") \
        if a.previous_failure_modes else None
    shipped_manifest = read_manifest(a.out)
    # Decoding rules the PyTorch evaluation does not model (the engine's repetition penalty) stay as the shipped
    # manifest recommends them; the must-beat comparison runs each folder with its own manifest's sampler.
    carried = {k: v for k, v in ((shipped_manifest or {}).get("sampler") or {}).items() if k in CARRIED_SAMPLER_KEYS}
    previous_ghost = (shipped_manifest or {}).get("ghostText")
    if a.carry_gate and (previous_ghost or {}).get("minConfidence") is None:
        raise Fatal(f"--carry-gate: {a.out} has no ghostText.minConfidence to carry over")
    with open(a.corpus_manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    keep = a.keep
    extra = None
    history, prev_rows, prev_val = [], [], None
    if a.continues:
        prev = load_checkpoint(a.continues)
        if prev["config"] != ck["config"]:
            raise Fatal(f"--continues {a.continues}: its model config differs from the run's")
        history = prev.get("history") or [stage_of(prev)]
        prev_csv = os.path.join(keep, "loss.csv")
        if os.path.isfile(prev_csv):
            prev_rows = plot.read_rows(prev_csv)
        prev_val = validation_of(prev, ck)
    history = history + [dict(stage_of(ck), **({"note": a.note} if a.note else {}))]
    if any(st.get("data") == EXTRA_TOKENS for st in history):
        if not os.path.isfile(a.extra_corpus_manifest):
            raise Fatal(f"a stage trained on data/{EXTRA_TOKENS} but {a.extra_corpus_manifest} is missing: the card "
                        f"must list every source's licence (run training/corpus_extra.py, or pass "
                        f"--extra-corpus-manifest)")
        with open(a.extra_corpus_manifest, encoding="utf-8") as f:
            extra = json.load(f)
    previous_eval = None
    if a.previous_eval:
        with open(a.previous_eval, encoding="utf-8") as f:
            previous_eval = json.load(f)
    rows = plot.read_rows(os.path.join(run, "loss.csv"))
    if prev_rows:  # one curve over all stages: this run's steps, tokens and seconds continue the earlier ones
        last = prev_rows[-1]
        off = {k: float(last[k]) for k in ("step", "tokens", "elapsed_s")}
        for r in rows:
            r["step"] = str(int(float(r["step"]) + off["step"]))
            r["tokens"] = str(int(float(r["tokens"]) + off["tokens"]))
            r["elapsed_s"] = f"{float(r['elapsed_s']) + off['elapsed_s']:.1f}"
    all_rows = prev_rows + rows

    def same_training(st):  # what a stage trained, whatever was done to its weights afterwards (averaging)
        return {k: v for k, v in st.items() if k not in ("averaged_steps", "averaged_tail", "note")}
    if history[:-1] and same_training(history[-2]) == same_training(history[-1]):
        raise Fatal(f"--continues {a.continues} already records this run as its last stage (released before?); "
                    f"pass the checkpoint the run was initialised from")
    weights = {k: v.to(torch.bfloat16) for k, v in ck["model"].items() if k != "lm_head.weight"}
    slim = {k: ck[k] for k in ("config", "step", "tokens_seen", "elapsed", "args")}
    slim["history"] = history
    slim["model"] = weights
    params = sum(v.numel() for v in weights.values())
    nonemb = params - weights["model.embed_tokens.weight"].numel()
    card_path = os.path.join(run, "MODEL_CARD.md")
    with open(card_path, "w", encoding="utf-8") as f:
        f.write(render_card(ck, manifest, rows, ev, params, nonemb, history, prev_val, previous_eval, extra, carried))
    # Recommend the decoder that scored best on the held-out infill cases.
    from training.evaluate import best_model_row
    name, row = best_model_row(ev)
    sampler = {"algorithm": "threshold", "threshold": 0.9}
    if row:
        d = row["decoder"]
        sampler = {"algorithm": "threshold", "threshold": d["threshold"]}
        if d["block"] > 0:
            sampler["blockSize"] = d["block"]
        if d.get("eosAfterText"):
            sampler["eosAfterText"] = True
        if d.get("cache") == "dual":
            sampler["cache"] = "dual"
        print(f"recommended sampler (best in evaluation: {name}): {sampler}")
    if carried:
        sampler.update(carried)
        print(f"carried over from the shipped manifest's sampler: {carried}")
    # The export is staged beside the run and measured there; the shipped folder is only read (the model to beat)
    # until everything has passed, then replaced in one swap. Only after that are the kept files (weights for the
    # next stage, the merged loss curve) replaced, so a refused or failed release leaves everything as it was.
    import shutil
    staged = os.path.join(run, "release-staged")
    shutil.rmtree(staged, ignore_errors=True)
    try:
        with open(card_path, encoding="utf-8") as f:
            card_text = f.read()
        # Through the one graph builder (the TypeScript converter): graph v2, checked before it is measured.
        export_release(ck, staged, card_text, sampler, history, HARDWARE, a.tokenizer_dir,
                       **({"data": EXTRA_DATA_LINE} if extra else {}))
        product = measure_product(staged, ev)
        print(product_section(product, ev).strip())
        gain = shipped = None
        if shipped_manifest is not None:
            shipped = measure_product(a.out, ev)
            gain = versus_shipped(product, shipped)
            d = gain.get("single")
            if not beats(gain):
                said = (f"{d['diff']:+.1f} ES points, 95 % paired interval [{d['ci95'][0]:+.1f}, {d['ci95'][1]:+.1f}]"
                        if d else "not measured")
                if a.allow_no_gain is None:
                    raise Fatal(f"not released: the new model does not clearly beat the shipped one on the same "
                                f"{ev['single']} single-line held-out cases through the engine (new minus shipped "
                                f"{said}, not above zero); {a.out} left untouched (--allow-no-gain WHY to release anyway)")
                print(f"warning: no clear gain over the shipped model ({said}); released anyway (--allow-no-gain)",
                      file=sys.stderr)
            else:
                print(f"beats the shipped model: single-line ES {d['diff']:+.1f} [{d['ci95'][0]:+.1f}, "
                      f"{d['ci95'][1]:+.1f}]")
        if fm_given is not None:
            fm = fm_given
            agree = same_fills(fm, product)
            if agree < 0.95:
                raise Fatal(f"--failure-modes {a.failure_modes} describes other fills than these weights' through the "
                            f"product ({100 * agree:.1f} % of cases score the same): run failure_modes.py on this "
                            f"export, or leave the flag out")
        else:
            fm = run_failure_modes(staged, ev, product.get("answers"))
        shown = os.path.relpath(a.out, ROOT) if os.path.abspath(a.out).startswith(ROOT) else a.out
        fm = dict(fm, engine=shown, command=str(fm.get("command", "")).replace(staged, shown))
        from training.common import write_json_atomic
        write_json_atomic(os.path.join(run, "failure-modes.json"), fm)
        prev_agree = same_fills(fm_prev, shipped) if fm_prev is not None and shipped is not None else None
        ghost, cal, carried_why = decide_gate(a, staged, ev, previous_ghost)
        if cal is not None:
            cal = dict(cal, model=dict(cal.get("model") or {}, dir=shown))
            write_json_atomic(os.path.join(run, "ghost-text-calibration.json"), cal)
        man_path = os.path.join(staged, "manifest.json")
        write_json_atomic(man_path, with_ghost_text(read_manifest(staged), ghost))
        folder_name = os.path.basename(os.path.normpath(a.out))
        with open(os.path.join(staged, "MODEL_CARD.md"), "a", encoding="utf-8") as f:
            f.write(product_section(product, ev))
            f.write(versus_shipped_section(gain, a.allow_no_gain, a.out))
            f.write(failure_modes_section(fm, fm_prev, prev_agree, a.previous_failure_modes))
            f.write(gate_section(ghost, cal, carried_why, previous_ghost, folder_name))
        validate_folder(staged, MAX_MB)
        swap_in(staged, a.out)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    print(f"released to {a.out}: ghostText.minConfidence {ghost['minConfidence']:g}"
          f"{' (carried over: ' + carried_why + ')' if carried_why else ' (calibrated)'}")
    cols = list(rows[0].keys())
    os.makedirs(keep, exist_ok=True)
    with open(os.path.join(keep, "loss.csv"), "w", encoding="utf-8") as f:  # cleaned: one row per step
        f.write(",".join(cols) + "\n" + "\n".join(",".join(r.get(c) or "" for c in cols) for r in all_rows) + "\n")
    plot.main([os.path.join(keep, "loss.csv"), "--out", os.path.join(keep, "loss.png")])
    save_checkpoint(os.path.join(keep, "diffucode-tiny.pt"), slim)


if __name__ == "__main__":
    run_main(main)
