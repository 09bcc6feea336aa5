"""Trains the byte-level BPE tokenizer on the train split, saves it as a Hugging Face tokenizer.json, and encodes
the corpus into token arrays for training (training/data/tokens/{split}.npz) with token counts in the manifest.

    .venv/bin/python training/tokenizer.py [--vocab 8192]

Ids: 0 <|endoftext|> (eos and pad), 1 <|mask|>, 2 <|beginoftext|>, 3..258 the 256 bytes, then the merges.
"""
import argparse
import json
import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from training.common import (BOS, DATA, EOS, MASK, SPECIALS, Fatal, require, run_main,  # noqa: E402
                             write_json_atomic)
from training import bpe  # noqa: E402

N_SPECIAL = len(SPECIALS)
LINE_RE = None  # compiled lazily (regex import)


def build_vocab(merges):
    vocab = {s: i for i, s in enumerate(SPECIALS)}
    for b in range(256):
        vocab[bpe.BYTE_ENC[b]] = N_SPECIAL + b
    for a, b in merges:
        if a + b not in vocab:
            vocab[a + b] = len(vocab)
    return vocab


def tokenizer_json(vocab, merges, context_length=1024):
    """The Hugging Face tokenizer.json: Split(regex, Isolated) then ByteLevel(use_regex=false), BPE, ByteLevel decoder."""
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, s in enumerate(SPECIALS)],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": bpe.PRETOKENIZE_PATTERN}, "behavior": "Isolated", "invert": False},
            byte_level]},
        "post_processor": dict(byte_level),
        "decoder": dict(byte_level),
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }


def tokenizer_config(context_length=1024):
    """tokenizer_config.json: clean_up_tokenization_spaces must be false or decoding rewrites ' .' to '.'."""
    return {"tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": False,
            "bos_token": BOS, "eos_token": EOS, "pad_token": EOS, "mask_token": MASK,
            "model_max_length": context_length}


def load(path: str) -> bpe.Encoder:
    """Loads one of our tokenizer.json files into the Python encoder."""
    if not os.path.isfile(path):
        raise Fatal(f"tokenizer not found: {path} (run training/tokenizer.py first)")
    with open(path, encoding="utf-8") as f:
        tj = json.load(f)
    m = tj["model"]
    merges = [tuple(x.split(" ")) if isinstance(x, str) else tuple(x) for x in m["merges"]]
    specials = {t["content"]: t["id"] for t in tj["added_tokens"]}
    vocab = dict(m["vocab"])
    vocab.update(specials)
    return bpe.Encoder(vocab, merges, specials)


def save(out_dir: str, vocab, merges):
    write_json_atomic(os.path.join(out_dir, "tokenizer.json"), tokenizer_json(vocab, merges))
    write_json_atomic(os.path.join(out_dir, "tokenizer_config.json"), tokenizer_config())


def read_split(corpus_dir: str, split: str):
    path = os.path.join(corpus_dir, f"{split}.jsonl")
    if not os.path.isfile(path):
        raise Fatal(f"corpus split missing: {path} (run training/corpus.py first)")
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def split_lines(text: str):
    """Lines with their terminators kept (\\r\\n, \\r or \\n), so concatenating them gives the text back."""
    global LINE_RE
    if LINE_RE is None:
        import regex
        LINE_RE = regex.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
    return LINE_RE.findall(text)


def encode_split(enc: bpe.Encoder, corpus_dir: str, split: str, out_path: str):
    """Per file: tokens of each line, concatenated; line_starts index the first token of each line so the trainer
    can cut middles on line boundaries (valid because no pre-token piece spans a line break)."""
    np = require("numpy", "python3-numpy")
    toks, line_starts, file_lines, langs, per_source = [], [], [], [], Counter()
    lang_ids = {"python": 0, "typescript": 1, "javascript": 2}
    for rec in read_split(corpus_dir, split):
        first_line = len(line_starts)
        n = 0
        for line in split_lines(rec["text"]):
            line_starts.append(len(toks))
            ids = enc.encode(line)
            toks.extend(ids)
            n += len(ids)
        file_lines.append((first_line, len(line_starts)))
        langs.append(lang_ids.get(rec["lang"], 3))
        per_source[rec["source"]] += n
    line_starts.append(len(toks))  # sentinel: the end of the last line
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    tmp = out_path + ".tmp.npz"
    np.savez(tmp, tokens=np.asarray(toks, dtype=np.uint16), line_starts=np.asarray(line_starts, dtype=np.int64),
             file_lines=np.asarray(file_lines, dtype=np.int64).reshape(-1, 2), langs=np.asarray(langs, np.int8))
    os.replace(tmp, out_path)
    return len(toks), per_source


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(DATA, "corpus"))
    ap.add_argument("--out", default=os.path.join(DATA, "tokenizer"))
    ap.add_argument("--tokens-out", default=os.path.join(DATA, "tokens"))
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--max-train-mb", type=float, default=24.0, help="train the merges on at most this much text")
    ap.add_argument("--skip-encode", action="store_true")
    a = ap.parse_args()
    require("regex", "python3-regex")
    t0 = time.time()
    counts, used = Counter(), 0
    for rec in read_split(a.corpus, "train"):
        if used > a.max_train_mb * 1e6:
            break
        counts.update(bpe.pieces(rec["text"]))
        used += len(rec["text"])
    if not counts:
        raise Fatal(f"the train split in {a.corpus} is empty: nothing to train a tokenizer on")
    print(f"{len(counts)} unique pieces from {used / 1e6:.1f} MB in {time.time() - t0:.0f}s", flush=True)
    merges = bpe.train_bpe(counts, a.vocab - N_SPECIAL - 256)
    vocab = build_vocab(merges)
    save(a.out, vocab, merges)
    print(f"tokenizer: {len(vocab)} tokens, {len(merges)} merges -> {a.out} ({time.time() - t0:.0f}s)", flush=True)
    if a.skip_encode:
        return
    enc = load(os.path.join(a.out, "tokenizer.json"))
    totals, by_source = {}, Counter()
    for split in ("train", "valid", "test"):
        n, per = encode_split(enc, a.corpus, split, os.path.join(a.tokens_out, f"{split}.npz"))
        totals[split] = n
        for k, v in per.items():
            by_source[(k, split)] += v
        print(f"  {split}: {n} tokens ({time.time() - t0:.0f}s)", flush=True)
    record_token_counts(a.corpus, totals, by_source,
                        tokenizer={"vocab": len(vocab), "specials": {s: i for i, s in enumerate(SPECIALS)},
                                   "pattern": bpe.PRETOKENIZE_PATTERN})


def record_token_counts(corpus_dir: str, totals, by_source, **extra):
    """Writes the token counts (per split; per source and split, from encode_split) into corpus.py's manifest, where
    release.py's model card reads them. A corpus without a manifest (not corpus.py's) is left as it is."""
    man_path = os.path.join(corpus_dir, "manifest.json")
    if not os.path.isfile(man_path):
        return
    with open(man_path, encoding="utf-8") as f:
        manifest = json.load(f)
    for s in manifest["sources"]:
        s["tokens"] = {sp: by_source.get((s["name"], sp), 0) for sp in totals}
    manifest["tokens"] = totals
    manifest.update(extra)
    write_json_atomic(man_path, manifest)


if __name__ == "__main__":
    run_main(main)
