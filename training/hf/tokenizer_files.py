"""Turn a checkpoint's tokenizer files into one `tokenizer.json` that `@huggingface/tokenizers` loads.

Dream-family repos (Dream, DiffuCoder, DreamOn) ship the *slow* Qwen2 tokenizer: `vocab.json` + `merges.txt`
+ `added_tokens.json` + `tokenizer_config.json`, and sometimes no `tokenizer.json`. The slow Qwen2 tokenizer is
byte-level BPE with NFC normalisation and a fixed pre-tokenisation regex; we express exactly that in the fast
format. Every added token (mask, begin-of-text, dlm_pad/expand, end-of-text, ChatML markers) becomes an atomic
`added_tokens` entry with its id from the checkpoint, so the engine never splits `<|mask|>` into pieces and no
id is guessed here.
"""
from __future__ import annotations

import json
import os
from typing import Dict, List, Optional

from training.common import Fatal

# Qwen2's pre-tokenisation pattern (tokenization_qwen2.py PRETOKENIZE_REGEX; Dream's tokenizer copies it):
# contractions, letters with one optional leading non-letter, single digits, punctuation runs, newlines, spaces.
QWEN2_PRETOKENIZE_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)

_BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}


def _read_json(path: str):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise Fatal(f"{path} is not valid JSON: {e}") from None


def read_added_tokens(ckpt_dir: str) -> List[dict]:
    """Added tokens from added_tokens.json (content -> id) and tokenizer_config.json's added_tokens_decoder
    (id -> attributes), merged and checked for contradictions. Sorted by id."""
    by_id: Dict[int, dict] = {}
    cfg_path = os.path.join(ckpt_dir, "tokenizer_config.json")
    if os.path.exists(cfg_path):
        decoder = _read_json(cfg_path).get("added_tokens_decoder") or {}
        for key, attrs in decoder.items():
            tid = int(key)
            by_id[tid] = {
                "id": tid, "content": attrs["content"], "single_word": bool(attrs.get("single_word", False)),
                "lstrip": bool(attrs.get("lstrip", False)), "rstrip": bool(attrs.get("rstrip", False)),
                "normalized": bool(attrs.get("normalized", False)), "special": bool(attrs.get("special", True)),
            }
    added_path = os.path.join(ckpt_dir, "added_tokens.json")
    if os.path.exists(added_path):
        for content, tid in _read_json(added_path).items():
            known = by_id.get(tid)
            if known is not None and known["content"] != content:
                raise Fatal(f"added_tokens.json gives id {tid} to {content!r} but tokenizer_config.json gives it "
                            f"to {known['content']!r}; the checkpoint's tokenizer files disagree")
            if known is None:
                # added_tokens.json carries no attributes; the slow Qwen2 tokenizer treats them as special.
                by_id[tid] = {"id": tid, "content": content, "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": False, "special": True}
    contents = [t["content"] for t in by_id.values()]
    dupes = {c for c in contents if contents.count(c) > 1}
    if dupes:
        raise Fatal(f"tokenizer files give several ids to the added token(s) {sorted(dupes)}")
    return [by_id[k] for k in sorted(by_id)]


def _from_slow_files(ckpt_dir: str, added: List[dict]) -> dict:
    vocab_path = os.path.join(ckpt_dir, "vocab.json")
    merges_path = os.path.join(ckpt_dir, "merges.txt")
    for p in (vocab_path, merges_path):
        if not os.path.exists(p):
            raise Fatal(f"{ckpt_dir} has no tokenizer.json and no {os.path.basename(p)}; need either tokenizer.json "
                        "or the Qwen2-style vocab.json + merges.txt (+ added_tokens.json, tokenizer_config.json)")
    vocab: Dict[str, int] = _read_json(vocab_path)
    merges: List[List[str]] = []
    with open(merges_path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or (lineno == 1 and line.startswith("#version")):
                continue
            parts = line.split(" ")
            if len(parts) != 2:
                raise Fatal(f"{merges_path}:{lineno}: expected two space-separated symbols, got {line!r}")
            merges.append(parts)
    for t in added:
        if t["content"] in vocab and vocab[t["content"]] != t["id"]:
            raise Fatal(f"added token {t['content']!r} has id {t['id']} but vocab.json gives it {vocab[t['content']]}")
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_PRETOKENIZE_REGEX}, "behavior": "Isolated", "invert": False},
            dict(_BYTE_LEVEL),
        ]},
        "post_processor": dict(_BYTE_LEVEL),
        "decoder": dict(_BYTE_LEVEL),
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": vocab, "merges": merges,
        },
    }


def _merge_added(tok: dict, added: List[dict]) -> dict:
    """A shipped tokenizer.json may predate tokens listed in added_tokens.json; add those, reject contradictions."""
    present = {t["id"]: t for t in tok.get("added_tokens") or []}
    for t in added:
        have = present.get(t["id"])
        if have is None:
            present[t["id"]] = t
        elif have["content"] != t["content"]:
            raise Fatal(f"tokenizer.json gives id {t['id']} to {have['content']!r} but the other tokenizer files "
                        f"give it to {t['content']!r}")
    tok["added_tokens"] = [present[k] for k in sorted(present)]
    return tok


def build_tokenizer_json(ckpt_dir: str) -> dict:
    added = read_added_tokens(ckpt_dir)
    fast = os.path.join(ckpt_dir, "tokenizer.json")
    if os.path.exists(fast):
        return _merge_added(_read_json(fast), added)
    return _from_slow_files(ckpt_dir, added)


def token_id(tok: dict, content: str) -> Optional[int]:
    """Id of a token string: added tokens first (they win at encode time), then the BPE vocabulary."""
    for t in tok.get("added_tokens") or []:
        if t["content"] == content:
            return int(t["id"])
    vocab = tok.get("model", {}).get("vocab")
    if isinstance(vocab, dict) and content in vocab:
        return int(vocab[content])
    return None


def tokenizer_size(tok: dict) -> int:
    """Number of ids the tokenizer can produce (max id + 1); logits rows at or above it are never sampled."""
    ids = [int(t["id"]) for t in tok.get("added_tokens") or []]
    vocab = tok.get("model", {}).get("vocab")
    if isinstance(vocab, dict) and vocab:
        ids.append(max(int(v) for v in vocab.values()))
    return max(ids) + 1 if ids else 0


def read_tokenizer_config(ckpt_dir: str) -> dict:
    path = os.path.join(ckpt_dir, "tokenizer_config.json")
    return _read_json(path) if os.path.exists(path) else {}


def config_token(cfg: dict, key: str) -> Optional[str]:
    """tokenizer_config.json stores e.g. eos_token as a string or as {"content": ...}; null means unset."""
    value = cfg.get(key)
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def runtime_tokenizer_config(cfg: dict) -> dict:
    """The small tokenizer_config.json written beside tokenizer.json for the JS library. Decoding code must not
    have spaces "cleaned up" (the JS default is true), so that flag is always written, false unless the
    checkpoint says otherwise."""
    out = {"clean_up_tokenization_spaces": bool(cfg.get("clean_up_tokenization_spaces", False))}
    for key in ("bos_token", "eos_token", "pad_token", "mask_token"):
        name = config_token(cfg, key)
        if name is not None:
            out[key] = name
    return out
