"""Token ids for a GPU machine: encode the corpus with a fixed tokenizer, pack the splits small enough to carry, and
unpack them there into the arrays train.py reads.

    .venv/bin/python training/pack_corpus.py encode      # corpus -> training/data/tokens/*.npz with the SHIPPED tokenizer
    .venv/bin/python training/pack_corpus.py pack        # tokens -> training/data/packed/{train,valid}.npz (+ tokenizer)
    python3 training/pack_corpus.py unpack --packed DIR --out DIR   # on the GPU machine (gpu_recipe.sh does it)

`encode` uses `models/diffucode-tiny/tokenizer.json` by default (not a freshly trained BPE), so a model trained on
these ids drops into the product with the tokenizer it already ships, and release/evaluate compare like with like.

Packed format (one compressed .npz per split, numpy only): `tokens` uint16, `line_lens` uint32 (tokens per line),
`file_nlines` uint32 (lines per file), `langs` int8. train.py's format (tokenizer.encode_split) stores cumulative
int64 line starts and (first, end) line pairs per file: 8-16 bytes a line that compress poorly; the lengths are
derived back exactly by `unpack`. `pack` refuses to write more than --max-mib (default 48: the device tool carries
64 MiB in all, and the tokenizer and code travel too).
"""
import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from training.common import DATA, Fatal, require, run_main  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED_TOKENIZER = os.path.join(ROOT, "models", "diffucode-tiny", "tokenizer.json")
SPLITS = ("train", "valid")


def encode(corpus_dir, tokenizer_json, tokens_out, tokenizer_out, splits=("train", "valid", "test")):
    """Encodes the corpus splits with an existing tokenizer (tokenizer.encode_split's format) and copies that tokenizer
    (tokenizer.json + tokenizer_config.json beside it) to tokenizer_out. Returns {split: n_tokens}."""
    from training.tokenizer import encode_split, load, record_token_counts
    require("regex", "python3-regex")
    enc = load(tokenizer_json)
    os.makedirs(tokenizer_out, exist_ok=True)
    src_dir = os.path.dirname(os.path.abspath(tokenizer_json))
    for name in ("tokenizer.json", "tokenizer_config.json"):
        src = os.path.join(src_dir, name)
        if os.path.isfile(src) and os.path.abspath(src) != os.path.abspath(os.path.join(tokenizer_out, name)):
            shutil.copyfile(src, os.path.join(tokenizer_out, name))
    out, by_source = {}, {}
    for split in splits:
        n, per = encode_split(enc, corpus_dir, split, os.path.join(tokens_out, f"{split}.npz"))
        out[split] = n
        by_source.update({(src, split): v for src, v in per.items()})
        print(f"  {split}: {n} tokens", flush=True)
    record_token_counts(corpus_dir, out, by_source)
    return out


def pack_split(src_npz, dst_npz):
    np = require("numpy", "python3-numpy")
    z = np.load(src_npz)
    starts, fl = z["line_starts"], z["file_lines"]
    line_lens = np.diff(starts)
    if len(line_lens) and line_lens.max() >= 2**32:
        raise Fatal(f"{src_npz}: a line longer than 2^32 tokens")
    # encode_split writes the files' line ranges back to back from line 0; the lengths alone rebuild them
    if len(fl) and (fl[0, 0] != 0 or np.any(fl[1:, 0] != fl[:-1, 1]) or fl[-1, 1] != len(line_lens)):
        raise Fatal(f"{src_npz}: file line ranges are not contiguous; cannot pack by lengths")
    tokens = z["tokens"]
    if tokens.dtype != np.uint16:
        raise Fatal(f"{src_npz}: tokens are {tokens.dtype}, expected uint16")
    langs = z["langs"] if "langs" in z.files else np.full(len(fl), 3, np.int8)
    tmp = dst_npz + ".tmp.npz"
    np.savez_compressed(tmp, tokens=tokens, line_lens=line_lens.astype(np.uint32),
                        file_nlines=(fl[:, 1] - fl[:, 0]).astype(np.uint32), langs=langs.astype(np.int8))
    os.replace(tmp, dst_npz)
    return len(tokens)


def unpack_split(src_npz, dst_npz):
    np = require("numpy", "python3-numpy")
    z = np.load(src_npz)
    line_lens = z["line_lens"].astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(line_lens)]).astype(np.int64)
    nl = z["file_nlines"].astype(np.int64)
    ends = np.cumsum(nl)
    file_lines = np.stack([ends - nl, ends], axis=1).astype(np.int64).reshape(-1, 2)
    tokens = z["tokens"]
    if starts[-1] != len(tokens):
        raise Fatal(f"{src_npz}: line lengths add up to {starts[-1]} tokens, the array holds {len(tokens)}")
    os.makedirs(os.path.dirname(os.path.abspath(dst_npz)), exist_ok=True)
    tmp = dst_npz + ".tmp.npz"
    np.savez(tmp, tokens=tokens, line_starts=starts, file_lines=file_lines, langs=z["langs"])
    os.replace(tmp, dst_npz)
    return len(tokens)


def pack(tokens_dir, tokenizer_dir, out_dir, max_mib=48.0):
    """Packs train/valid and copies the tokenizer into out_dir; returns the manifest written there."""
    os.makedirs(out_dir, exist_ok=True)
    man = {"format": "diffucode-packed-tokens/1", "splits": {}}
    for split in SPLITS:
        src = os.path.join(tokens_dir, f"{split}.npz")
        if not os.path.isfile(src):
            raise Fatal(f"{src} not found: run `pack_corpus.py encode` (or training/tokenizer.py) first")
        n = pack_split(src, os.path.join(out_dir, f"{split}.npz"))
        man["splits"][split] = {"tokens": int(n), "bytes": os.path.getsize(os.path.join(out_dir, f"{split}.npz"))}
    for name in ("tokenizer.json", "tokenizer_config.json"):
        p = os.path.join(tokenizer_dir, name)
        if os.path.isfile(p):
            shutil.copyfile(p, os.path.join(out_dir, name))
    if not os.path.isfile(os.path.join(out_dir, "tokenizer.json")):
        raise Fatal(f"no tokenizer.json in {tokenizer_dir}")
    total = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir))
    man["total_bytes"] = total
    if total > max_mib * 2**20:
        raise Fatal(f"packed corpus is {total / 2**20:.1f} MiB, over the {max_mib} MiB limit")
    with open(os.path.join(out_dir, "packed.json"), "w") as f:
        json.dump(man, f, indent=1)
    return man


def unpack(packed_dir, out_dir):
    """Packed folder -> {out_dir}/tokens/{train,valid}.npz and {out_dir}/tokenizer/tokenizer*.json (train.py's
    --tokens and --tokenizer). Returns (tokens_dir, tokenizer_json)."""
    tokens_dir, tok_dir = os.path.join(out_dir, "tokens"), os.path.join(out_dir, "tokenizer")
    os.makedirs(tok_dir, exist_ok=True)
    for split in SPLITS:
        unpack_split(os.path.join(packed_dir, f"{split}.npz"), os.path.join(tokens_dir, f"{split}.npz"))
    for name in ("tokenizer.json", "tokenizer_config.json"):
        p = os.path.join(packed_dir, name)
        if os.path.isfile(p):
            shutil.copyfile(p, os.path.join(tok_dir, name))
    return tokens_dir, os.path.join(tok_dir, "tokenizer.json")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("encode")
    e.add_argument("--corpus", default=os.path.join(DATA, "corpus"))
    e.add_argument("--tokenizer", default=SHIPPED_TOKENIZER)
    e.add_argument("--tokens-out", default=os.path.join(DATA, "tokens"))
    e.add_argument("--tokenizer-out", default=os.path.join(DATA, "tokenizer"))
    p = sub.add_parser("pack")
    p.add_argument("--tokens", default=os.path.join(DATA, "tokens"))
    p.add_argument("--tokenizer-dir", default=os.path.join(DATA, "tokenizer"))
    p.add_argument("--out", default=os.path.join(DATA, "packed"))
    p.add_argument("--max-mib", type=float, default=48.0)
    u = sub.add_parser("unpack")
    u.add_argument("--packed", default=os.path.join(DATA, "packed"))
    u.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    if a.cmd == "encode":
        encode(a.corpus, a.tokenizer, a.tokens_out, a.tokenizer_out)
    elif a.cmd == "pack":
        man = pack(a.tokens, a.tokenizer_dir, a.out, a.max_mib)
        print(json.dumps(man, indent=1))
    else:
        print(unpack(a.packed, a.out))


if __name__ == "__main__":
    run_main(main)
