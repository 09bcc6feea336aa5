"""Trains the masked-diffusion model (see examples.py for the data, model.py for the network).

Objective: per example t ~ U(eps, 1); every maskable token is masked with probability t; cross-entropy on the masked
tokens weighted by 1/t, summed and divided by the number of maskable tokens (the masked-diffusion ELBO). Shifted:
the hidden state at i predicts token i+1, so a masked token at j is scored from row j-1. CPU with bf16 autocast, or
CUDA when present. AdamW, linear warmup then cosine decay; atomic checkpoints every few minutes; --resume.

    .venv/bin/python training/train.py --run tiny --steps 3000
    .venv/bin/python training/train.py --run tiny --steps 3000 --resume
"""
import argparse
import csv
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from training.common import DATA, TRAINING, Fatal, require, run_main  # noqa: E402

SIZES = {  # named presets; --set overrides single keys
    "tiny": dict(hidden_size=256, intermediate_size=704, num_hidden_layers=4, num_attention_heads=4,
                 num_key_value_heads=2),
    "test": dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2),
}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="tiny", help="run name: training/runs/<run>/")
    ap.add_argument("--runs-dir", default=os.path.join(TRAINING, "runs"))
    ap.add_argument("--tokens", default=os.path.join(DATA, "tokens"), help="folder with train.npz / valid.npz")
    ap.add_argument("--tokenizer", default=os.path.join(DATA, "tokenizer", "tokenizer.json"))
    ap.add_argument("--size", default="tiny", choices=sorted(SIZES))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key")
    ap.add_argument("--steps", type=int, default=None,
                    help="step budget (default: 3000, or none when --minutes is given, so a time budget is not cut "
                         "short by a step count nobody asked for)")
    ap.add_argument("--minutes", type=float, default=0.0,
                    help="wall-clock budget: the schedule follows whichever of steps or time runs out first, so the "
                         "learning rate has decayed when the time is up")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=256, help="canvas length")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--plain-frac", type=float, default=0.2, help="share of plain full-sequence examples")
    ap.add_argument("--multi-frac", type=float, default=0.0,
                    help="share of canvases with several gaps (more masked tokens per forward pass); validation "
                         "always uses one-gap canvases so runs stay comparable")
    ap.add_argument("--blockwise-frac", type=float, default=0.0,
                    help="share of infill canvases masked as block-wise decoding sees a gap (committed head, partly "
                         "masked block, masked tail) instead of t-masking; validation keeps t-masking")
    ap.add_argument("--gap-kinds", default="0.35,0.30,0.35", metavar="REST,LINE,BLOCK",
                    help="shares of the gap kinds in infill canvases: the rest of a line, one line, a block of 2-8 "
                         "lines (ghost text asks mostly for the first two); validation keeps the default")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--workers", type=int, default=0,
                    help="processes that build batches ahead of the model (a GPU outruns one CPU core); with N >= 1 "
                         "batch i is drawn from its own seed (seed, i), the same stream for any N >= 1 (0 = one stream in "
                         "this process, as before)")
    ap.add_argument("--slim-out", metavar="PATH",
                    help="also write the final weights (bf16, no optimizer state) with the run's metadata here: "
                         "small enough to carry back from a GPU machine; evaluate.py, release.py and --init read it")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--no-bf16", action="store_true", help="fp32 on CPU (bf16 autocast is ~2x faster there)")
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--eval-batches", type=int, default=6)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--resume", action="store_true", help="continue from runs/<run>/last.pt")
    ap.add_argument("--init", help="start from these weights (a .pt with a 'model' state dict), fresh optimizer")
    a = ap.parse_args(argv)
    if a.steps is None:
        a.steps = 10**9 if a.minutes > 0 else 3000
    return a


def progress(step, elapsed, a):
    """Fraction of the run done: by steps, or by wall time when --minutes is set (whichever is further)."""
    f = step / a.steps
    if a.minutes > 0:
        f = max(f, elapsed / (a.minutes * 60))
    return min(1.0, f)


def lr_at(step, a, frac=None):
    if step < a.warmup:
        return a.lr * (step + 1) / a.warmup
    if frac is None:
        frac = (step - a.warmup) / max(1, a.steps - a.warmup)
    frac = min(1.0, frac)
    return a.lr * (a.min_lr_frac + (1 - a.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * frac)))


def masked_loss(model, batch, device, autocast):
    """Returns (weighted ELBO loss, mean unweighted CE over masked tokens, number of masked tokens)."""
    import torch
    import torch.nn.functional as F
    noisy, ids, mask, t, n_maskable = batch
    noisy = torch.from_numpy(noisy).to(device)
    ids = torch.from_numpy(ids).to(device)
    mask = torch.from_numpy(mask).to(device)
    t = torch.from_numpy(t).to(device=device, dtype=torch.float32)
    with autocast():
        h = model.hidden(noisy)
        b, j = mask.nonzero(as_tuple=True)
        logits = model.head(h[b, j - 1])  # shifted: row j-1 predicts token j
    ce = F.cross_entropy(logits.float(), ids[b, j], reduction="none")
    # 1/t weighting; t is floored at the realised masked share so an example whose only masked token was forced
    # (small gap, tiny t) does not get a 1/t of 1000 and swamp the batch.
    n_masked = mask.sum(1).float()
    t_eff = torch.maximum(t, n_masked / torch.from_numpy(n_maskable).to(device).float().clamp(min=1))
    loss = (ce / t_eff[b]).sum() / float(n_maskable.sum())
    return loss, ce.mean(), int(len(ce))


def validation_batches(valid, enc, batch: int, seq: int, plain_frac: float, n: int):
    """The fixed validation canvases (seeds 10000..): train.py scores every run on these, release.py an earlier
    stage's weights, so the numbers compare."""
    import numpy as np
    from training.examples import make_batch
    return [make_batch(np.random.default_rng(10_000 + i), valid, enc, batch, seq, plain_frac) for i in range(n)]


def validate(model, batches, device, autocast):
    """(mean 1/t-weighted loss, masked-token CE over all batches), in eval mode and without gradients."""
    import torch
    was_training = model.training
    model.eval()
    tot, ce_sum, n = 0.0, 0.0, 0
    with torch.no_grad():
        for vb in batches:
            l, ce, k = masked_loss(model, vb, device, autocast)
            tot += float(l)
            ce_sum += float(ce) * k
            n += k
    model.train(was_training)
    return tot / len(batches), ce_sum / max(1, n)


def score_on_validation(ck, weight_sets, counts):
    """For each count n: (loss, masked CE) of each weight set on the first n of the validation canvases of the run
    that wrote checkpoint `ck` (validation_batches' seeds, so the first eval_batches are exactly the canvases of its
    periodic check). release.py scores an earlier stage's weights with it, average.py a mean of checkpoints. A run
    from another machine (a GPU stage) recorded that machine's paths: this checkout's data is used instead."""
    import contextlib

    import torch

    from training.examples import TokenCorpus
    from training.model import DreamConfig, DreamLM, load_state_dict_checked
    from training.tokenizer import load as load_tokenizer
    a = ck["args"]
    tokens = a["tokens"] if os.path.isfile(os.path.join(a["tokens"], "valid.npz")) else os.path.join(DATA, "tokens")
    tokenizer = a["tokenizer"] if os.path.isfile(a["tokenizer"]) else os.path.join(DATA, "tokenizer", "tokenizer.json")
    valid = TokenCorpus(os.path.join(tokens, "valid.npz"))
    batches = validation_batches(valid, load_tokenizer(tokenizer), a["batch"], a["seq"], a["plain_frac"], max(counts))
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if not a.get("no_bf16") else contextlib.nullcontext
    models = []
    for weights in weight_sets:
        model = DreamLM(DreamConfig.from_dict(ck["config"]))
        load_state_dict_checked(model, {k: v.float() for k, v in weights.items()})
        models.append(model)
    return [[validate(m, batches[:n], "cpu", autocast) for m in models] for n in counts]


def load_checkpoint(path):
    import torch
    try:
        ck = torch.load(path, map_location="cpu")
    except Exception as e:  # torch raises many types for truncated/garbage files
        raise Fatal(f"checkpoint {path} is corrupt or unreadable ({type(e).__name__}: {str(e)[:200]}); "
                    f"delete it or start without --resume")
    if not isinstance(ck, dict) or "model" not in ck or "config" not in ck:
        raise Fatal(f"checkpoint {path} is not a DiffuCode training checkpoint (no 'model'/'config' entries)")
    return ck


def save_checkpoint(path, obj):
    import torch
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)  # atomic: a crash mid-write never replaces the previous good checkpoint


def build(a):
    torch = require("torch", "python3-torch")
    require("numpy", "python3-numpy")
    from training.examples import TokenCorpus
    from training.model import DreamConfig, DreamLM, load_state_dict_checked
    from training.tokenizer import load as load_tokenizer
    for split in ("train", "valid"):
        p = os.path.join(a.tokens, f"{split}.npz")
        if not os.path.isfile(p):
            raise Fatal(f"{p} not found: build the corpus and tokens first (training/corpus.py, training/tokenizer.py)")
    try:
        train, valid = TokenCorpus(os.path.join(a.tokens, "train.npz")), TokenCorpus(os.path.join(a.tokens, "valid.npz"))
    except ValueError as e:
        raise Fatal(f"empty corpus: {e}")
    enc = load_tokenizer(a.tokenizer)
    run_dir = os.path.join(a.runs_dir, a.run)
    os.makedirs(run_dir, exist_ok=True)
    ck = None
    if a.resume:
        p = os.path.join(run_dir, "last.pt")
        if not os.path.isfile(p):
            raise Fatal(f"--resume: no checkpoint at {p}")
        ck = load_checkpoint(p)
        cfg = DreamConfig.from_dict(ck["config"])
    else:
        over = dict(SIZES[a.size])
        for kv in a.set:
            k, _, v = kv.partition("=")
            try:
                over[k] = json.loads(v)
            except ValueError:
                raise Fatal(f"--set {kv}: the value must be a JSON number or true/false")
        cfg = DreamConfig(vocab_size=len(enc.vocab), **over)
    if cfg.vocab_size < len(enc.vocab):
        raise Fatal(f"model vocab {cfg.vocab_size} is smaller than the tokenizer's {len(enc.vocab)}")
    torch.manual_seed(a.seed)
    model = DreamLM(cfg)
    if ck is not None:
        load_state_dict_checked(model, ck["model"])
    elif a.init:
        load_state_dict_checked(model, {k: v.float() for k, v in load_checkpoint(a.init)["model"].items()})
    return torch, model, cfg, train, valid, enc, run_dir, ck


def train(a):
    torch, model, cfg, train_c, valid_c, enc, run_dir, ck = build(a)
    torch.set_num_threads(a.threads)
    device = "cuda" if a.device == "cuda" or (a.device == "auto" and torch.cuda.is_available()) else "cpu"
    # The batch processes fork before the model reaches the GPU: they never hold CUDA state.
    batch_args = (a.batch, a.seq, a.plain_frac, a.multi_frac, a.blockwise_frac, a.gap_kinds)
    stream = BatchStream(train_c, enc, a.seed, ck["step"] if ck else 0, a.workers, batch_args) if a.workers > 0 else None
    try:
        return run(a, torch, model, cfg, train_c, valid_c, enc, run_dir, ck, device, stream)
    finally:
        if stream:
            stream.close()


def run(a, torch, model, cfg, train_c, valid_c, enc, run_dir, ck, device, stream):
    """The training loop proper (train() owns the batch processes around it)."""
    import contextlib
    import numpy as np
    from training.examples import make_batch
    model.to(device)
    if device == "cuda":
        autocast = lambda: torch.autocast("cuda", dtype=torch.bfloat16)  # noqa: E731
    elif a.no_bf16:
        autocast = contextlib.nullcontext
    else:
        autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16)  # noqa: E731
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
    step, tokens_seen, elapsed0 = 0, 0, 0.0
    rng = np.random.default_rng(a.seed)
    if ck is not None:
        opt.load_state_dict(ck["optim"])
        step, tokens_seen, elapsed0 = ck["step"], ck["tokens_seen"], ck["elapsed"]
        rng = np.random.default_rng(a.seed + step)  # a fresh stream: resumed runs do not replay old batches
    print(f"model: {model.num_parameters() / 1e6:.2f}M parameters, config {cfg.to_dict()}", flush=True)
    print(f"train tokens {train_c.n_tokens()}, valid tokens {valid_c.n_tokens()}, device {device}, "
          f"threads {a.threads}, start step {step}", flush=True)
    csv_path = os.path.join(run_dir, "loss.csv")
    new_csv = not os.path.exists(csv_path) or ck is None
    logf = open(csv_path, "w" if new_csv else "a", newline="")
    log = csv.writer(logf)
    if new_csv:
        log.writerow(["step", "tokens", "elapsed_s", "lr", "loss", "masked_ce", "val_loss", "val_masked_ce"])
    val_batches = validation_batches(valid_c, enc, a.batch, a.seq, a.plain_frac, a.eval_batches)

    def evaluate():
        return validate(model, val_batches, device, autocast)

    def checkpoint():
        save_checkpoint(os.path.join(run_dir, "last.pt"), {
            "model": model.state_dict(), "optim": opt.state_dict(), "config": cfg.to_dict(), "step": step,
            "tokens_seen": tokens_seen, "elapsed": elapsed0 + time.time() - t_start, "args": vars(a)})

    import signal
    stop = {"now": False}

    def on_term(*_):  # `kill PID` ends the run cleanly at the next step, with a checkpoint
        stop["now"] = True
    signal.signal(signal.SIGTERM, on_term)
    t_start = last_ck = time.time()
    model.train()
    while progress(step, elapsed0 + time.time() - t_start, a) < 1.0:
        lr = lr_at(step, a, progress(step, elapsed0 + time.time() - t_start, a) if a.minutes > 0 else None)
        for g in opt.param_groups:
            g["lr"] = lr
        batch = stream.next() if stream else make_batch(rng, train_c, enc, a.batch, a.seq, a.plain_frac,
                                                         multi_frac=a.multi_frac, blockwise_frac=a.blockwise_frac,
                                                         gap_kinds=a.gap_kinds)
        loss, ce, _ = masked_loss(model, batch, device, autocast)
        if not torch.isfinite(loss):
            raise Fatal(f"loss became {float(loss)} at step {step}; lower --lr or resume from the last checkpoint")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens_seen += a.batch * a.seq
        val = ("", "")
        last = progress(step, elapsed0 + time.time() - t_start, a) >= 1.0
        if step % a.eval_every == 0 or last:
            val = evaluate()
        if step % a.log_every == 0 or val[0] != "" or last:
            el = elapsed0 + time.time() - t_start
            log.writerow([step, tokens_seen, f"{el:.1f}", f"{lr:.3g}", f"{float(loss):.4f}",
                          f"{float(ce):.4f}", *(f"{v:.4f}" if v != "" else "" for v in val)])
            logf.flush()
            print(f"step {step} tok {tokens_seen} {el:.0f}s loss {float(loss):.3f} ce {float(ce):.3f}"
                  f" {tokens_seen / max(el, 1e-9):.0f} tok/s" + (f" | val loss {val[0]:.3f} ce {val[1]:.3f}"
                                                                  if val[0] != "" else ""), flush=True)
        if stop["now"]:
            print(f"SIGTERM: checkpoint at step {step} and stop", flush=True)
            break
        if time.time() - last_ck > a.ckpt_minutes * 60:
            checkpoint()
            last_ck = time.time()
    checkpoint()
    if a.slim_out:
        save_checkpoint(a.slim_out, {
            # the tied head is the embedding again: leave it out, as release.py's slim weights do
            "model": {k: v.detach().to("cpu", torch.bfloat16) for k, v in model.state_dict().items()
                      if not (k == "lm_head.weight" and cfg.tie_word_embeddings)},
            "config": cfg.to_dict(), "step": step, "tokens_seen": tokens_seen,
            "elapsed": elapsed0 + time.time() - t_start, "args": vars(a)})
        print(f"slim weights -> {a.slim_out}", flush=True)
    logf.close()
    print(f"done: {step} steps, {tokens_seen} tokens -> {run_dir}/last.pt", flush=True)
    return run_dir


_SOURCE = None  # (corpus, tokenizer, seed, batch args), set in each batch process by _batch_worker_init


def _batch_worker_init(source):
    import signal
    global _SOURCE
    _SOURCE = source
    # The parent's handlers are inherited through fork: its SIGTERM handler would make pool.terminate() (which sends
    # SIGTERM) wait forever, and Ctrl-C reaches the whole process group; the parent alone decides when workers stop.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _make_indexed_batch(i):
    from training.examples import GAP_KINDS, make_batch
    import numpy as np
    corpus, enc, seed, (batch, seq, plain, multi, blockwise, *kinds) = _SOURCE  # gap kinds optional: the default mix
    kinds = kinds[0] if kinds else GAP_KINDS
    return make_batch(np.random.default_rng([seed, i]), corpus, enc, batch, seq, plain, multi_frac=multi,
                      blockwise_frac=blockwise, gap_kinds=kinds)


class BatchStream:
    """Batches start, start+1, ... built by `workers` forked processes, a few ahead of the consumer and in order.
    Batch i comes from the seed (seed, i): the same stream for any number of workers >= 1, and a resumed run goes on
    where it stopped."""

    def __init__(self, corpus, enc, seed, start, workers, batch_args):
        import collections
        import multiprocessing
        # fork: the workers share the parent's token arrays instead of loading their own copies (the initializer's
        # arguments are inherited, not pickled)
        self.pool = multiprocessing.get_context("fork").Pool(
            workers, initializer=_batch_worker_init, initargs=((corpus, enc, seed, batch_args),))
        self.next_index = start
        self.ahead = collections.deque()
        self.depth = 2 * workers
        self._fill()

    def _fill(self):
        while len(self.ahead) < self.depth:
            self.ahead.append(self.pool.apply_async(_make_indexed_batch, (self.next_index,)))
            self.next_index += 1

    def next(self):
        batch = self.ahead.popleft().get()
        self._fill()
        return batch

    def close(self):
        self.pool.terminate()
        self.pool.join()


def parse_gap_kinds(spec):
    """'REST,LINE,BLOCK' shares (any positive scale) -> a tuple summing to 1; a tuple passes through (resume)."""
    if isinstance(spec, (tuple, list)):
        return tuple(float(x) for x in spec)
    try:
        w = [float(x) for x in spec.split(",")]
    except ValueError:
        w = []
    if len(w) != 3 or min(w) < 0 or sum(w) <= 0:
        raise Fatal(f"--gap-kinds wants three non-negative shares REST,LINE,BLOCK (e.g. 0.35,0.30,0.35), got {spec!r}")
    return tuple(x / sum(w) for x in w)


def main(argv=None):
    a = parse_args(argv)
    if a.batch < 1 or a.seq < 32 or a.steps < 1:
        raise Fatal("--batch must be >= 1, --seq >= 32 and --steps >= 1")
    if not (0 <= a.plain_frac and 0 <= a.multi_frac and a.plain_frac + a.multi_frac <= 1):
        raise Fatal("--plain-frac and --multi-frac must be >= 0 and add up to at most 1")
    if not 0 <= a.blockwise_frac <= 1:
        raise Fatal("--blockwise-frac must be between 0 and 1")
    if a.workers < 0:
        raise Fatal("--workers must be >= 0")
    a.gap_kinds = parse_gap_kinds(a.gap_kinds)
    return train(a)


if __name__ == "__main__":
    run_main(main)
