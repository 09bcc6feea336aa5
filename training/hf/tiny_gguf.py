"""Write a GGUF file with the `gguf` package's writer from a tiny RANDOM Dream checkpoint, laid out as llama.cpp's
convert_hf_to_gguf.py lays out a DreamModel (arch "dream", attention.causal false, the mask token id, blk.N.* names,
a byte-level BPE token list with [PADn] rows, no q/k permutation). One writer for every test that needs a GGUF: the
Python GGUF tests (training/tests/test_gguf.py), the TypeScript reader's tests (src/models/checkpoint/testing) and
the pull tests (test/integration/pull.test.ts).

    .venv/bin/python -m training.hf.tiny_gguf CHECKPOINT_DIR OUT.gguf QTYPE [JSON_OPTIONS]
    .venv/bin/python -m training.hf.tiny_gguf --jobs '[[CHECKPOINT_DIR, OUT.gguf, QTYPE, OPTIONS], ...]'

QTYPE: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, TQ1_0, TQ2_0, MXFP4 (quantized by the gguf package), or Q2_K ...
Q6_K, IQ4_NL (random valid blocks: the package cannot quantize those). Options: {"arch": "qwen2", "causal":
null|true|false, "mask": false, "meta": {"embedding_length": 128}, "license": "mit", "seed": 0}. 1-D tensors (norms,
biases) stay F32 as llama.cpp keeps them.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

from training.hf.safetensors_io import SafetensorsFile

LAYER_NAMES = {"input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
               "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
               "self_attn.v_proj.weight": "attn_v.weight", "self_attn.q_proj.bias": "attn_q.bias",
               "self_attn.k_proj.bias": "attn_k.bias", "self_attn.v_proj.bias": "attn_v.bias",
               "self_attn.o_proj.weight": "attn_output.weight", "mlp.gate_proj.weight": "ffn_gate.weight",
               "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight"}
GLOBAL_NAMES = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
                "lm_head.weight": "output.weight"}
# Types the package cannot quantize, written as random valid blocks: the byte offsets of each block's fp16 scales.
RANDOM_BLOCKS = {"Q2_K": (80, 82), "Q3_K": (108,), "Q4_K": (0, 2), "Q5_K": (0, 2), "Q6_K": (208,), "IQ4_NL": (0,)}


def gguf_name(hf: str) -> str:
    if hf.startswith("model.layers."):
        i, rest = hf[len("model.layers."):].split(".", 1)
        return f"blk.{i}.{LAYER_NAMES[rest]}"
    return GLOBAL_NAMES[hf]


def checkpoint_arrays(ckpt: str) -> dict:
    out = {}
    for name in sorted(os.listdir(ckpt)):
        if name.endswith(".safetensors"):
            f = SafetensorsFile(os.path.join(ckpt, name))
            out.update({k: f.tensor(k) for k in f.keys()})
    return out


def random_blocks(kind: str, rows: int, cols: int, rng) -> np.ndarray:
    """Valid blocks: random codes and sub-scales, small fp16 scales (Q6_K's smaller: its codes reach further)."""
    import gguf
    values, size = gguf.constants.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[kind]]
    n = cols // values
    blocks = rng.integers(0, 256, (rows, n, size), dtype=np.uint8)
    for off in RANDOM_BLOCKS[kind]:
        d = (rng.uniform(0.5, 1.0, (rows, n)) * (2e-5 if kind == "Q6_K" else 1e-4)).astype(np.float16)
        blocks[:, :, off:off + 2] = d.view(np.uint8).reshape(rows, n, 2)
    return blocks.reshape(rows, -1)


def _json(path: str):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_gguf(ckpt: str, path: str, qtype: str = "F16", arch: str = "dream", causal=False, mask=True,
               meta: dict = None, seed: int = 0, license: str = None) -> dict:
    """The GGUF llama.cpp's converter would write for this checkpoint; returns the float32 weights it encodes
    (HF names), dequantized by the gguf package."""
    import gguf
    from gguf import quants
    T = gguf.GGMLQuantizationType
    cfg = _json(os.path.join(ckpt, "config.json"))
    meta = {**{"embedding_length": cfg["hidden_size"], "block_count": cfg["num_hidden_layers"]}, **(meta or {})}
    w = gguf.GGUFWriter(path, arch)
    w.add_name("tiny-random-dream")
    if license:
        w.add_license(license)
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(meta["embedding_length"])
    w.add_block_count(meta["block_count"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_rope_freq_base(cfg["rope_theta"])
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    if causal is not None:
        w.add_causal_attention(causal)
    vocab = _json(os.path.join(ckpt, "vocab.json"))
    added = _json(os.path.join(ckpt, "added_tokens.json"))
    tok_cfg = _json(os.path.join(ckpt, "tokenizer_config.json"))
    by_id = {i: t for t, i in vocab.items()}
    by_id.update({i: t for t, i in added.items()})
    tokens = [by_id.get(i, f"[PAD{i}]") for i in range(cfg["vocab_size"])]
    types = [3 if i in added.values() else (1 if i in by_id else 5) for i in range(cfg["vocab_size"])]
    with open(os.path.join(ckpt, "merges.txt"), encoding="utf-8") as f:
        merges = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#version")]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(added[tok_cfg["bos_token"]])
    w.add_eos_token_id(cfg["eos_token_id"])
    w.add_pad_token_id(added[tok_cfg["pad_token"]])
    if mask:
        w.add_mask_token_id(cfg["mask_token_id"])
    rng = np.random.default_rng(seed)
    encoded = {}
    for name, arr in sorted(checkpoint_arrays(ckpt).items()):
        if arr.ndim == 1:  # norms and biases stay F32, as llama.cpp keeps them
            w.add_tensor(gguf_name(name), arr.astype(np.float32))
            encoded[name] = arr.astype(np.float32)
            continue
        kind = T[qtype]
        if qtype in RANDOM_BLOCKS:
            data = random_blocks(qtype, arr.shape[0], arr.shape[1], rng)
        elif qtype in ("F16", "F32"):
            data = arr.astype(np.float16 if qtype == "F16" else np.float32)
        else:
            data = quants.quantize(arr, kind)
        w.add_tensor(gguf_name(name), data, raw_dtype=None if qtype in ("F16", "F32") else kind)
        encoded[name] = np.asarray(quants.dequantize(data, kind), np.float32).reshape(arr.shape)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return encoded


def _write_job(ckpt: str, path: str, qtype: str, opts: dict) -> None:
    write_gguf(ckpt, path, qtype, **opts)


def main() -> None:
    if sys.argv[1] == "--jobs":  # many files in one process: the tests pay the interpreter's start-up once
        for ckpt, path, qtype, opts in json.loads(sys.argv[2]):
            _write_job(ckpt, path, qtype, opts)
    else:
        _write_job(*sys.argv[1:4], json.loads(sys.argv[4]) if len(sys.argv) > 4 else {})


if __name__ == "__main__":
    main()
