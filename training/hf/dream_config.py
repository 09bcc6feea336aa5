"""Read and validate a Dream/DiffuCoder `config.json`; derive the tensor names and shapes it implies.

Dream = the Qwen2 block with bidirectional attention: q/k/v projections with bias, o_proj and the SwiGLU MLP
without, RMSNorm, RoPE. Anything this runtime would silently compute differently (RoPE scaling, sliding-window
attention, another activation) is refused with a message instead of exported wrong.
"""
from __future__ import annotations

import json
import os
from typing import Dict, Tuple

from training.common import Fatal

DREAM_ARCHITECTURES = ("DreamModel",)
DREAM_MODEL_TYPES = ("Dream",)

REQUIRED_KEYS = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                 "num_key_value_heads", "rope_theta", "rms_norm_eps")


def read_config(ckpt_dir: str, assume_dream: bool = False) -> dict:
    """config.json as a dict, validated. `assume_dream` accepts a Qwen2-architecture config for checkpoints that
    were trained as bidirectional diffusion models but kept the Qwen2 class name (e.g. Open-dCoder)."""
    path = os.path.join(ckpt_dir, "config.json")
    if not os.path.isdir(ckpt_dir):
        raise Fatal(f"checkpoint folder {ckpt_dir} does not exist")
    if not os.path.exists(path):
        raise Fatal(f"{ckpt_dir} has no config.json; expected a Hugging Face Dream/DiffuCoder checkpoint folder")
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except json.JSONDecodeError as e:
        raise Fatal(f"{path} is not valid JSON: {e}") from None
    validate_config(cfg, path, assume_dream)
    return cfg


def validate_config(cfg: dict, where: str = "config.json", assume_dream: bool = False) -> None:
    archs = cfg.get("architectures") or []
    model_type = cfg.get("model_type")
    is_dream = any(a in DREAM_ARCHITECTURES for a in archs) or model_type in DREAM_MODEL_TYPES
    is_qwen2 = "Qwen2ForCausalLM" in archs or model_type == "qwen2"
    if not is_dream and not (assume_dream and is_qwen2):
        hint = (" (a Qwen2 config: pass --assume-dream only if these weights were trained as a bidirectional "
                "diffusion model)" if is_qwen2 else "")
        raise Fatal(f"{where}: unsupported architecture {archs or model_type!r}{hint}; supported: DreamModel "
                    "(Dream, Dream-Coder, DiffuCoder, DreamOn), LLaDAModelLM (LLaDA), CoDALanguageModel (CoDA); "
                    "see docs/models.md")
    validate_shape_keys(cfg, where)
    if cfg.get("hidden_act", "silu") != "silu":
        raise Fatal(f"{where}: hidden_act {cfg['hidden_act']!r} is not supported (Dream uses silu)")
    if cfg.get("rope_scaling"):
        raise Fatal(f"{where}: rope_scaling {cfg['rope_scaling']!r} is not supported (export with plain RoPE only)")
    if cfg.get("use_sliding_window"):
        raise Fatal(f"{where}: use_sliding_window=true is not supported (Dream attends over the whole canvas)")
    head_dim = cfg.get("head_dim")
    if head_dim is not None and head_dim != cfg["hidden_size"] // heads:
        raise Fatal(f"{where}: head_dim {head_dim} != hidden_size / num_attention_heads; not supported")


def validate_shape_keys(cfg: dict, where: str, explicit_head_dim: bool = False) -> None:
    """The dimension keys every family maps onto (training/hf/families.py): present, positive, consistent.
    `explicit_head_dim`: Qwen3-style configs state head_dim, which need not be hidden_size / heads."""
    missing = [k for k in REQUIRED_KEYS if k not in cfg]
    if missing:
        raise Fatal(f"{where}: missing required key(s) {', '.join(missing)}")
    for k in REQUIRED_KEYS + (("head_dim",) if explicit_head_dim else ()):
        v = cfg[k]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
            raise Fatal(f"{where}: {k} must be a positive number, got {v!r}")
    heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    if not explicit_head_dim and cfg["hidden_size"] % heads:
        raise Fatal(f"{where}: hidden_size {cfg['hidden_size']} is not divisible by num_attention_heads {heads}")
    if heads % kv:
        raise Fatal(f"{where}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kv}")


def head_dim(cfg: dict) -> int:
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def expected_shapes(cfg: dict) -> Dict[str, Tuple[int, ...]]:
    """Every tensor a Dream checkpoint must hold, with its shape (HF Qwen2/Dream parameter names)."""
    h, inter, vocab = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    q = cfg["num_attention_heads"] * head_dim(cfg)
    kv = cfg["num_key_value_heads"] * head_dim(cfg)
    shapes: Dict[str, Tuple[int, ...]] = {"model.embed_tokens.weight": (vocab, h), "model.norm.weight": (h,)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        shapes.update({
            p + "self_attn.q_proj.weight": (q, h), p + "self_attn.q_proj.bias": (q,),
            p + "self_attn.k_proj.weight": (kv, h), p + "self_attn.k_proj.bias": (kv,),
            p + "self_attn.v_proj.weight": (kv, h), p + "self_attn.v_proj.bias": (kv,),
            p + "self_attn.o_proj.weight": (h, q),
            p + "mlp.gate_proj.weight": (inter, h), p + "mlp.up_proj.weight": (inter, h),
            p + "mlp.down_proj.weight": (h, inter),
            p + "input_layernorm.weight": (h,), p + "post_attention_layernorm.weight": (h,),
        })
    if not cfg.get("tie_word_embeddings", False):
        shapes["lm_head.weight"] = (vocab, h)
    return shapes


def param_count(cfg: dict) -> int:
    total = 0
    for name, shape in expected_shapes(cfg).items():
        if name.endswith(".bias") and not cfg.get("qkv_bias", True):  # LLaDA, CoDA: no q/k/v bias
            continue
        n = 1
        for d in shape:
            n *= d
        total += n
    return total
