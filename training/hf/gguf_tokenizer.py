"""The tokenizer.json of a GGUF file, rebuilt from its metadata (llama.cpp's `tokenizer.ggml.*` keys).

llama.cpp's converter writes a byte-level BPE tokenizer (`tokenizer.ggml.model` = "gpt2") as: every id's token
string (`tokens`, already in the byte->unicode alphabet), its type (`token_type`: 1 normal, 3 control, 4 user
defined, 5 unused padding rows, 6 byte), the merges ("a b" strings, in rank order), the special ids, and the name of
the pre-tokenizer (`tokenizer.ggml.pre`, e.g. "qwen2"). Normal tokens form the BPE vocabulary; control and
user-defined ones become atomic added tokens (as in the checkpoint's tokenizer files); unused padding rows
("[PAD151667]") are left out, so the tokenizer never produces them.
"""
from __future__ import annotations

from typing import Tuple

from training.common import Fatal
from training.hf.gguf_metadata import field
from training.hf.tokenizer_files import QWEN2_PRETOKENIZE_REGEX, _BYTE_LEVEL

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
# tokenizer.ggml.pre -> the pre-tokenisation regex of that tokenizer family
PRE_TOKENIZERS = {"qwen2": QWEN2_PRETOKENIZE_REGEX}


def tokenizer_from_gguf(reader, path: str) -> Tuple[dict, dict]:
    """(tokenizer.json dict, tokenizer_config-like dict naming the special tokens)."""
    model = field(reader, "tokenizer.ggml.model")
    if model != "gpt2":
        raise Fatal(f"{path}: tokenizer model {model!r} is not supported (byte-level BPE, 'gpt2', only)")
    pre = field(reader, "tokenizer.ggml.pre")
    if pre not in PRE_TOKENIZERS:
        raise Fatal(f"{path}: pre-tokenizer {pre!r} is not supported (supported: {', '.join(PRE_TOKENIZERS)})")
    tokens = field(reader, "tokenizer.ggml.tokens")
    types = field(reader, "tokenizer.ggml.token_type")
    merges = field(reader, "tokenizer.ggml.merges")
    if not tokens or types is None or merges is None or len(types) != len(tokens):
        raise Fatal(f"{path}: the tokenizer metadata is incomplete (tokens, token_type and merges are required)")
    vocab, added = {}, []
    for i, (text, kind) in enumerate(zip(tokens, types)):
        if kind in (NORMAL, BYTE):
            vocab[text] = i
        elif kind in (CONTROL, USER_DEFINED):
            added.append({"id": i, "content": text, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": kind == CONTROL})
        elif kind != UNUSED:
            raise Fatal(f"{path}: token {i} has type {kind}, which a byte-level BPE tokenizer does not use")
    tok = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": PRE_TOKENIZERS[pre]}, "behavior": "Isolated", "invert": False},
            dict(_BYTE_LEVEL)]},
        "post_processor": dict(_BYTE_LEVEL), "decoder": dict(_BYTE_LEVEL),
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [m.split(" ") for m in merges]},
    }
    tok_cfg = {"clean_up_tokenization_spaces": False}
    for key, meta in (("bos_token", "bos_token_id"), ("eos_token", "eos_token_id"), ("pad_token", "padding_token_id"),
                      ("mask_token", "mask_token_id")):
        tid = field(reader, f"tokenizer.ggml.{meta}")
        if tid is not None:
            if not 0 <= int(tid) < len(tokens):
                raise Fatal(f"{path}: tokenizer.ggml.{meta} {tid} is outside the {len(tokens)} tokens")
            tok_cfg[key] = tokens[int(tid)]
    return tok, tok_cfg
