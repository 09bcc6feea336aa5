"""Tiny RANDOM checkpoints in the exact published formats of the non-Dream families (make_tiny_checkpoint --family):

- llada: GSAI-ML/LLaDA-8B-Instruct's layout: OLMo-style config.json (d_model, n_layers, mlp_hidden_size, ...,
  mask_token_id), tensors under model.transformer.* (wte, blocks.N.{attn_norm, q_proj, k_proj, v_proj, attn_out,
  ff_norm, ff_proj, up_proj, ff_out}, ln_f, ff_out), bf16 shards with an index, a fast tokenizer.json with
  <|startoftext|>, <|endoftext|>, <|mdm_mask|>, <|start_header_id|>, <|end_header_id|>, <|eot_id|>; MIT.
- coda: Salesforce CoDA's layout (SalesforceAIResearch/CoDA CoDALanguageModel/): Qwen3 config.json with head_dim,
  attention_bias false and mask_token_id, tensors model.layers.N.self_attn.{q,k,v,o}_proj / q_norm / k_norm,
  lm_head.weight, the Qwen2 tokenizer files (vocab.json, merges.txt, added_tokens.json, tokenizer.json,
  tokenizer_config.json, special_tokens_map.json) with <|mask|> after the Qwen3 specials; CC BY-NC 4.0.

Dimensions are tiny (2 layers, hidden 64); the tiny CoDA states head_dim 16 = hidden / heads, as CoDA-1.7B does
(2048 / 16 = 128). The weights are random: tests check structure and numerics, never quality.
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Dict, List

import numpy as np

from training.hf.families import CODA, LLADA
from training.hf.safetensors_io import write_safetensors
from training.hf.tiny_bpe import SAMPLE_CODE, bytes_to_unicode, train_merges
from training.hf.tokenizer_files import _from_slow_files

MERGES = 200
LLADA_SPECIALS = ["<|startoftext|>", "<|endoftext|>", "<|mdm_mask|>", "<|start_header_id|>", "<|end_header_id|>",
                  "<|eot_id|>"]
CODA_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
                 "<|fim_pad|>", "<|file_sep|>", "<think>", "</think>", "<|mask|>"]


def _bpe():
    b2u = bytes_to_unicode()
    vocab: Dict[str, int] = {b2u[b]: b for b in range(256)}
    merges = train_merges(SAMPLE_CODE, MERGES)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    return vocab, merges


def _write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)


def _added(ids: Dict[str, int]) -> Dict[str, dict]:
    return {str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
                     "special": True} for t, i in ids.items()}


def _fast_tokenizer(vocab, merges, ids: Dict[str, int]) -> dict:
    """The fast tokenizer.json of a byte-level BPE (what save_pretrained writes next to the slow files)."""
    with tempfile.TemporaryDirectory() as d:
        _write_json(os.path.join(d, "vocab.json"), vocab)
        with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
        added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
                  "special": True} for t, i in sorted(ids.items(), key=lambda kv: kv[1])]
        return _from_slow_files(d, added)


def _random(shapes: Dict[str, tuple], embed: str, seed: int) -> Dict[str, np.ndarray]:
    """Scaled like make_tiny_checkpoint.random_weights: unit embeddings, 1/sqrt(fan_in) matrices, norms near 1."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in sorted(shapes.items()):
        x = rng.standard_normal(shape, dtype=np.float32)
        if len(shape) == 1:
            x = 1.0 + 0.1 * x
        elif name != embed:
            x /= np.float32(np.sqrt(shape[-1]))
        out[name] = x
    return out


def _write_shards(out_dir: str, weights: Dict[str, np.ndarray], dtype: str, first_prefixes) -> None:
    """Two shards with an index, split as save_pretrained splits big models."""
    first = {k: v for k, v in weights.items() if k.startswith(first_prefixes)}
    second = {k: v for k, v in weights.items() if k not in first}
    weight_map, total = {}, 0
    for shard, tensors in (("model-00001-of-00002.safetensors", first), ("model-00002-of-00002.safetensors", second)):
        write_safetensors(os.path.join(out_dir, shard), tensors, dtype=dtype, metadata={"format": "pt"})
        weight_map.update({k: shard for k in tensors})
        total += sum(v.size for v in tensors.values()) * (4 if dtype == "F32" else 2)
    _write_json(os.path.join(out_dir, "model.safetensors.index.json"),
                {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))})


def _readme(out_dir: str, license: str, title: str) -> None:
    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8") as f:
        f.write(f"---\nlicense: {license}\nlibrary_name: transformers\n---\n\n# {title}\n\nRandom weights in the "
                "published Hugging Face format, written by training/hf/tiny_families.py for tests. It generates noise.\n")


def make_tiny_llada(out_dir: str, seed: int = 0) -> dict:
    os.makedirs(out_dir, exist_ok=True)
    vocab, merges = _bpe()
    base = len(vocab)
    ids = {t: base + i for i, t in enumerate(LLADA_SPECIALS)}
    rows = -(-(base + len(ids)) // 128) * 128  # OLMo pads embedding_size to a multiple of 128
    cfg = {  # GSAI-ML/LLaDA-8B-Instruct config.json keys, tiny dimensions
        "activation_type": "silu", "alibi": False, "alibi_bias_max": 8.0, "architectures": ["LLaDAModelLM"],
        "attention_dropout": 0.0, "attention_layer_norm": False, "attention_layer_norm_with_affine": True,
        "auto_map": {"AutoConfig": "configuration_llada.LLaDAConfig", "AutoModel": "modeling_llada.LLaDAModelLM",
                     "AutoModelForCausalLM": "modeling_llada.LLaDAModelLM"},
        "bias_for_layer_norm": False, "block_group_size": 1, "block_type": "llama", "d_model": 64,
        "embedding_dropout": 0.0, "embedding_size": rows, "eos_token_id": ids["<|endoftext|>"],
        "flash_attention": False, "include_bias": False, "include_qkv_bias": False, "init_cutoff_factor": None,
        "init_device": "meta", "init_fn": "mitchell", "init_std": 0.02, "input_emb_norm": False,
        "layer_norm_type": "rms", "layer_norm_with_affine": True, "mask_token_id": ids["<|mdm_mask|>"],
        "max_sequence_length": 4096, "mlp_hidden_size": 192, "mlp_ratio": 4, "model_type": "llada",
        "multi_query_attention": None, "n_heads": 4, "n_kv_heads": 4, "n_layers": 2,
        "pad_token_id": ids["<|endoftext|>"], "precision": "amp_bf16", "residual_dropout": 0.0,
        "rms_norm_eps": 1e-05, "rope": True, "rope_full_precision": True, "rope_theta": 500000.0,
        "scale_logits": False, "transformers_version": "4.46.3", "use_cache": False, "vocab_size": rows,
        "weight_tying": False,
    }
    _write_json(os.path.join(out_dir, "config.json"), cfg)
    _write_json(os.path.join(out_dir, "tokenizer.json"), _fast_tokenizer(vocab, merges, ids))
    _write_json(os.path.join(out_dir, "tokenizer_config.json"), {
        "added_tokens_decoder": _added(ids), "bos_token": "<|startoftext|>", "clean_up_tokenization_spaces": False,
        "eos_token": "<|endoftext|>", "model_max_length": 1000000000000000019884624838656,
        "pad_token": "<|endoftext|>", "tokenizer_class": "PreTrainedTokenizerFast"})
    _write_json(os.path.join(out_dir, "special_tokens_map.json"), {
        "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"})
    _readme(out_dir, "mit", "tiny-random-llada")
    canon = LLADA.canonical_config(cfg, "config.json")
    weights = _random(LLADA.expected_shapes(canon), "model.transformer.wte.weight", seed)
    _write_shards(out_dir, weights, "BF16", ("model.transformer.wte.", "model.transformer.blocks.0."))
    return cfg


def make_tiny_coda(out_dir: str, seed: int = 0) -> dict:
    os.makedirs(out_dir, exist_ok=True)
    vocab, merges = _bpe()
    base = len(vocab)
    ids = {t: base + i for i, t in enumerate(CODA_SPECIALS)}
    rows = -(-(base + len(ids)) // 64) * 64 + 64  # Qwen pads its embedding past the tokenizer (151936 > 151670)
    cfg = {  # SalesforceAIResearch/CoDA CoDALanguageModel/config.json keys, tiny dimensions
        "architectures": ["CoDALanguageModel"], "attention_bias": False, "attention_dropout": 0.0,
        "attention_kernel": "flash_attention",
        "auto_map": {"AutoConfig": "model_config.CoDAConfig", "AutoModel": "modeling_coda.CoDALanguageModel"},
        "block_masking_probability": [0.25, 0.5, 0.5, 0.75, 0.25], "head_dim": 16, "hidden_act": "silu",
        "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 192, "mask_block_sizes": [4, 8, 16, 32],
        "mask_token_id": ids["<|mask|>"], "max_position_embeddings": 40960, "max_window_layers": 2,
        "model_type": "CoDA", "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
        "pad_token_id": ids["<|endoftext|>"], "prefix_probability": 0, "rms_norm_eps": 1e-6, "rope_scaling": None,
        "rope_theta": 1000000, "sampling_eps": [0.001, 0.25, 0.5, 0.25, 0.001], "sliding_window": None,
        "torch_dtype": "float32", "transformers_version": "4.47.1", "truncate_probability": 0, "use_cache": True,
        "use_sliding_window": False, "vocab_size": rows,
    }
    _write_json(os.path.join(out_dir, "config.json"), cfg)
    _write_json(os.path.join(out_dir, "vocab.json"), vocab)
    with open(os.path.join(out_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    _write_json(os.path.join(out_dir, "added_tokens.json"), ids)
    _write_json(os.path.join(out_dir, "tokenizer.json"), _fast_tokenizer(vocab, merges, ids))
    specials: List[str] = ["<|im_start|>", "<|im_end|>"]
    _write_json(os.path.join(out_dir, "tokenizer_config.json"), {
        "add_bos_token": False, "add_prefix_space": False, "added_tokens_decoder": _added(ids),
        "additional_special_tokens": specials, "bos_token": "<|im_end|>", "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>", "errors": "replace", "mask_token": "<|mask|>", "model_max_length": 131072,
        "pad_token": "<|endoftext|>", "sep_token": "<|file_sep|>", "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer", "unk_token": None})
    _write_json(os.path.join(out_dir, "special_tokens_map.json"), {
        "additional_special_tokens": specials, "bos_token": "<|im_end|>", "eos_token": "<|im_end|>",
        "mask_token": "<|mask|>", "pad_token": "<|endoftext|>", "sep_token": "<|file_sep|>"})
    _readme(out_dir, "cc-by-nc-4.0", "tiny-random-coda")
    canon = CODA.canonical_config(cfg, "config.json")
    weights = _random(CODA.expected_shapes(canon), "model.embed_tokens.weight", seed)
    _write_shards(out_dir, weights, "F32", ("model.embed_tokens.", "model.layers.0."))
    return cfg


TINY_FAMILIES = {"llada": make_tiny_llada, "coda": make_tiny_coda}
