"""Write a GGUF file with the `gguf` package's writer from a tiny RANDOM Dream checkpoint, laid out as llama.cpp's
convert_hf_to_gguf.py lays out a DreamModel (arch "dream", attention.causal false, the mask token id, blk.N.* names,
a byte-level BPE token list with [PADn] rows, no q/k permutation), for the TypeScript GGUF reader's tests.

    .venv/bin/python src/models/checkpoint/testing/write_gguf.py CHECKPOINT_DIR OUT.gguf QTYPE [JSON_OPTIONS]
    .venv/bin/python src/models/checkpoint/testing/write_gguf.py --jobs '[[CHECKPOINT_DIR, OUT.gguf, QTYPE, OPTIONS], ...]'

QTYPE: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, MXFP4 (quantized by the gguf package), or Q2_K ... Q6_K, IQ4_NL
(random valid blocks: the package cannot quantize those). Options: {"arch": "qwen2", "causal": null|true|false, "mask": false,
"meta": {"embedding_length": 128}, "license": "mit"}. 1-D tensors (norms, biases) stay F32 as llama.cpp keeps them.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.getcwd())

import gguf  # noqa: E402
from gguf import quants  # noqa: E402

from training.hf.checkpoint import CheckpointTensors  # noqa: E402

LAYER = {"input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
         "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
         "self_attn.v_proj.weight": "attn_v.weight", "self_attn.q_proj.bias": "attn_q.bias",
         "self_attn.k_proj.bias": "attn_k.bias", "self_attn.v_proj.bias": "attn_v.bias",
         "self_attn.o_proj.weight": "attn_output.weight", "mlp.gate_proj.weight": "ffn_gate.weight",
         "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight"}
GLOBAL = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
          "lm_head.weight": "output.weight"}
# Types the package cannot quantize, written as random valid blocks: where each keeps its fp16 scales
RANDOM_BLOCKS = {"Q2_K": (80, 82), "Q3_K": (108,), "Q4_K": (0, 2), "Q5_K": (0, 2), "Q6_K": (208,), "IQ4_NL": (0,)}


def gguf_name(hf):
    if hf.startswith("model.layers."):
        _, _, i, rest = hf.split(".", 3)
        return f"blk.{i}.{LAYER[rest]}"
    return GLOBAL[hf]


def random_blocks(kind, rows, cols, rng):
    values, size = gguf.constants.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[kind]]
    n = cols // values
    blocks = rng.integers(0, 256, (rows, n, size), dtype=np.uint8)
    for off in RANDOM_BLOCKS[kind]:
        d = (rng.uniform(0.5, 1.0, (rows, n)) * 1e-4).astype(np.float16)
        blocks[:, :, off:off + 2] = d.view(np.uint8).reshape(rows, n, 2)
    return blocks.reshape(rows, -1)


def main():
    if sys.argv[1] == "--jobs":  # many files in one process: the tests pay the interpreter's start-up once
        for ckpt, path, qtype, opts in json.loads(sys.argv[2]):
            write(ckpt, path, qtype, opts)
    else:
        write(*sys.argv[1:4], json.loads(sys.argv[4]) if len(sys.argv) > 4 else {})


def write(ckpt, path, qtype, opts):
    arch = opts.get("arch", "dream")
    with open(os.path.join(ckpt, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    meta = {"embedding_length": cfg["hidden_size"], "block_count": cfg["num_hidden_layers"], **opts.get("meta", {})}
    w = gguf.GGUFWriter(path, arch)
    w.add_name("tiny-random-dream")
    if opts.get("license"):
        w.add_license(opts["license"])
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(meta["embedding_length"])
    w.add_block_count(meta["block_count"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_rope_freq_base(cfg["rope_theta"])
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    causal = opts.get("causal", False)
    if causal is not None:
        w.add_causal_attention(causal)
    with open(os.path.join(ckpt, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(ckpt, "added_tokens.json"), encoding="utf-8") as f:
        added = json.load(f)
    with open(os.path.join(ckpt, "tokenizer_config.json"), encoding="utf-8") as f:
        tok_cfg = json.load(f)
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
    if opts.get("mask", True):
        w.add_mask_token_id(cfg["mask_token_id"])
    rng = np.random.default_rng(opts.get("seed", 0))
    t = CheckpointTensors(ckpt)
    for name in sorted(t.names()):
        arr = t.tensor(name)
        if arr.ndim == 1:
            w.add_tensor(gguf_name(name), arr.astype(np.float32))
            continue
        kind = gguf.GGMLQuantizationType[qtype]
        if qtype in RANDOM_BLOCKS:
            w.add_tensor(gguf_name(name), random_blocks(qtype, arr.shape[0], arr.shape[1], rng), raw_dtype=kind)
        elif qtype in ("F16", "F32"):
            w.add_tensor(gguf_name(name), arr.astype(np.float16 if qtype == "F16" else np.float32))
        else:
            w.add_tensor(gguf_name(name), quants.quantize(arr, kind), raw_dtype=kind)
    t.close()
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


main()
