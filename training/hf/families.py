"""The checkpoint families, each mapped onto the canonical model the graph builder reads by small tables. The
product's converter uses the TypeScript port (src/models/checkpoint/families.ts); this module stays as the tests'
reference for it and for loading checkpoints into torch.

The builder reads a *canonical* model: Hugging Face Qwen2/Dream tensor names and config keys, plus two block options
(`qkv_bias`, `qk_norm`, see src/models/convert/arch.ts). A family is described by one table per rule:

- CONFIG_KEYS: canonical config key -> the family's own config.json key;
- REQUIRED: family config values this runtime computes exactly (anything else is refused, not exported wrong);
- TENSORS / LAYER_TENSORS: canonical tensor name -> the family's own tensor name;
- the logit convention (shifted or not) and the sampler settings its authors recommend, for the manifest.

Sources (repository, path, commit) are recorded in docs/models.md; the facts used here:

- Dream / DiffuCoder / Dream-Coder / DreamOn ("DreamModel"): Qwen2.5 blocks (q/k/v bias), bidirectional, logits
  shifted (row i predicts token i+1). Open-dCoder keeps the "Qwen2ForCausalLM" class name: --assume-dream.
- LLaDA ("LLaDAModelLM", OLMo-style config: d_model, n_layers, mlp_hidden_size ...): LLaMA blocks without any bias,
  tensors under model.transformer.*, the MLP's gate is `ff_proj`, its output `ff_out`, logits NOT shifted
  (ML-GSAI/LLaDA generate.py reads model(x).logits at the masked positions themselves), mask id 126336.
- CoDA ("CoDALanguageModel", Qwen3 blocks): q_norm/k_norm RMSNorm per head before RoPE, no q/k/v bias, an untied
  lm_head (its class never ties it, whatever tie_word_embeddings says), logits shifted exactly like Dream
  (generation_utils.py: logits = cat([logits[:, :1], logits[:, :-1]])).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from training.common import Fatal
from training.hf import dream_config

class WeightSource:
    """Row ranges of named tensors: shape(name) and rows(name, lo, hi) -> float32. The product's converter reads
    its own TypeScript WeightSource (src/models/convert/input.ts); these Python readers remain as the tests'
    reference for the TypeScript readers (src/models/checkpoint/testing)."""

    def shape(self, name: str) -> tuple:
        raise NotImplementedError

    def rows(self, name: str, lo: int, hi: int) -> np.ndarray:
        raise NotImplementedError


# Canonical per-layer tensors and the block options that require them.
_LAYER = ("input_layernorm.weight", "post_attention_layernorm.weight", "self_attn.q_proj.weight",
          "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight", "mlp.gate_proj.weight",
          "mlp.up_proj.weight", "mlp.down_proj.weight")
_BIAS = ("self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias")
_QK_NORM = ("self_attn.q_norm.weight", "self_attn.k_norm.weight")


@dataclass(frozen=True)
class Family:
    name: str  # the manifest's "family"
    label: str  # what error messages and the model card call it
    shifted_logits: bool
    sampler: dict
    layer_prefix: str  # the family's per-layer prefix, with {i}
    tensors: Dict[str, str] = field(default_factory=dict)  # canonical global name -> family name
    layer_tensors: Dict[str, str] = field(default_factory=dict)  # canonical per-layer suffix -> family suffix
    # tokenizer names of the mask token, checked against config.json's mask_token_id when the tokenizer has one
    mask_names: Tuple[str, ...] = ("<|mask|>",)
    extra_stop_names: Tuple[str, ...] = ()
    # tokenizer_config.json values replaced before the token rules run (CoDA's bos_token, see CODA below)
    tokenizer_overrides: Dict[str, str] = field(default_factory=dict)
    read: Optional[Callable[[dict, str], dict]] = None  # family config.json -> canonical config

    def canonical_config(self, raw: dict, where: str) -> dict:
        return self.read(raw, where)

    def rename(self, cfg: dict) -> Dict[str, str]:
        """canonical tensor name -> the family's tensor name, for every tensor this checkpoint must hold."""
        out = {c: self.tensors.get(c, c) for c in ("model.embed_tokens.weight", "model.norm.weight")}
        if not cfg.get("tie_word_embeddings"):
            out["lm_head.weight"] = self.tensors.get("lm_head.weight", "lm_head.weight")
        suffixes = _LAYER + (_BIAS if cfg.get("qkv_bias", True) else ()) + (_QK_NORM if cfg.get("qk_norm") else ())
        for i in range(cfg["num_hidden_layers"]):
            for s in suffixes:
                out[f"model.layers.{i}.{s}"] = self.layer_prefix.format(i=i) + self.layer_tensors.get(s, s)
        return out

    def expected_shapes(self, cfg: dict) -> Dict[str, Tuple[int, ...]]:
        """The family's tensor names with the shapes the canonical config implies."""
        h, inter, vocab = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
        d = cfg.get("head_dim") or h // cfg["num_attention_heads"]
        q, kv = cfg["num_attention_heads"] * d, cfg["num_key_value_heads"] * d
        shape = {"model.embed_tokens.weight": (vocab, h), "model.norm.weight": (h,), "lm_head.weight": (vocab, h),
                 "input_layernorm.weight": (h,), "post_attention_layernorm.weight": (h,),
                 "self_attn.q_proj.weight": (q, h), "self_attn.k_proj.weight": (kv, h),
                 "self_attn.v_proj.weight": (kv, h), "self_attn.o_proj.weight": (h, q),
                 "self_attn.q_proj.bias": (q,), "self_attn.k_proj.bias": (kv,), "self_attn.v_proj.bias": (kv,),
                 "self_attn.q_norm.weight": (d,), "self_attn.k_norm.weight": (d,),
                 "mlp.gate_proj.weight": (inter, h), "mlp.up_proj.weight": (inter, h),
                 "mlp.down_proj.weight": (h, inter)}
        return {native: shape[canon.split(".", 3)[-1] if canon.startswith("model.layers.") else canon]
                for canon, native in self.rename(cfg).items()}


class RenamedSource(WeightSource):
    """The builder's canonical names read from a checkpoint that stores them under its family's names."""

    def __init__(self, src: WeightSource, rename: Dict[str, str]):
        self.src, self.map = src, rename

    def shape(self, name):
        return self.src.shape(self.map.get(name, name))

    def rows(self, name, lo, hi) -> np.ndarray:
        return self.src.rows(self.map.get(name, name), lo, hi)


# --- Dream (and Qwen2 with --assume-dream) ----------------------------------------------------------------------

def _read_dream(raw: dict, where: str) -> dict:
    return dict(raw)  # dream_config.validate_config has run on it (read_family)


DREAM = Family(
    name="dream", label="Dream", shifted_logits=True, layer_prefix="model.layers.{i}.",
    # apple/ml-diffucoder README: entropy order, temperature 0.3-0.4, top-p 0.95
    sampler={"algorithm": "entropy", "temperature": 0.3, "topP": 0.95, "stepsPerToken": 1},
    read=_read_dream)


# --- LLaDA ------------------------------------------------------------------------------------------------------

LLADA_ARCHITECTURES = ("LLaDAModelLM",)
LLADA_MODEL_TYPES = ("llada",)
# canonical key -> LLaDA's (OLMo-style) key
LLADA_CONFIG_KEYS = {
    "hidden_size": "d_model", "intermediate_size": "mlp_hidden_size", "num_hidden_layers": "n_layers",
    "num_attention_heads": "n_heads", "num_key_value_heads": "n_kv_heads", "rope_theta": "rope_theta",
    "rms_norm_eps": "rms_norm_eps", "max_position_embeddings": "max_sequence_length",
    "tie_word_embeddings": "weight_tying", "mask_token_id": "mask_token_id", "eos_token_id": "eos_token_id",
    "pad_token_id": "pad_token_id", "bos_token_id": "bos_token_id",
}
# LLaDA config values the builder computes exactly: key -> accepted values (an absent key takes LLaDA's default,
# which is the first accepted value).
LLADA_REQUIRED = {
    "block_type": ("llama",), "layer_norm_type": ("rms",), "activation_type": ("silu",), "rope": (True,),
    "alibi": (False,), "include_bias": (False,), "include_qkv_bias": (False,), "attention_layer_norm": (False,),
    "input_emb_norm": (False,), "scale_logits": (False,), "multi_query_attention": (None, False),
    "layer_norm_with_affine": (True,), "bias_for_layer_norm": (None, False), "rope_full_precision": (True,),
    "block_group_size": (1,),
}
LLADA_LAYER_TENSORS = {
    "input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ff_norm.weight",
    "self_attn.q_proj.weight": "q_proj.weight", "self_attn.k_proj.weight": "k_proj.weight",
    "self_attn.v_proj.weight": "v_proj.weight", "self_attn.o_proj.weight": "attn_out.weight",
    # LLaDALlamaBlock: act(ff_proj(x)) * up_proj(x), then ff_out: ff_proj is the gate
    "mlp.gate_proj.weight": "ff_proj.weight", "mlp.up_proj.weight": "up_proj.weight",
    "mlp.down_proj.weight": "ff_out.weight",
}
LLADA_TENSORS = {"model.embed_tokens.weight": "model.transformer.wte.weight",
                 "model.norm.weight": "model.transformer.ln_f.weight", "lm_head.weight": "model.transformer.ff_out.weight"}


def _require_values(raw: dict, required: dict, label: str, where: str) -> None:
    """Config values the exporter computes one way only: anything else is refused by name, not exported wrong."""
    for key, accepted in required.items():
        value = raw.get(key, accepted[0])
        if value not in accepted:
            raise Fatal(f"{where}: {label} {key}={value!r} is not supported (the exporter computes {key}="
                        f"{accepted[0]!r} exactly)")


def _read_llada(raw: dict, where: str) -> dict:
    _require_values(raw, LLADA_REQUIRED, "LLaDA", where)
    cfg = {canon: raw[key] for canon, key in LLADA_CONFIG_KEYS.items() if raw.get(key) is not None}
    if raw.get("n_kv_heads") is None and "n_heads" in raw:
        cfg["num_key_value_heads"] = raw["n_heads"]  # OLMo: no n_kv_heads = multi-head attention
    if raw.get("mlp_hidden_size") is None and "d_model" in raw and "mlp_ratio" in raw:
        cfg["intermediate_size"] = raw["mlp_ratio"] * raw["d_model"]
    # OLMo pads the embedding to embedding_size rows (a multiple of 128) past vocab_size; the tensors have those rows.
    cfg["vocab_size"] = raw.get("embedding_size") or raw.get("vocab_size")
    cfg.update({"hidden_act": "silu", "qkv_bias": False, "qk_norm": False,
                "tie_word_embeddings": bool(raw.get("weight_tying", False)), "_name_or_path": raw.get("_name_or_path")})
    dream_config.validate_shape_keys(cfg, where)
    return cfg


LLADA = Family(
    name="llada", label="LLaDA", shifted_logits=False, layer_prefix="model.transformer.blocks.{i}.",
    tensors=LLADA_TENSORS, layer_tensors=LLADA_LAYER_TENSORS, mask_names=("<|mdm_mask|>",),
    extra_stop_names=("<|eot_id|>",),
    # ML-GSAI/LLaDA generate.py: remasking='low_confidence' (the top token's probability decides the order),
    # temperature 0, steps = gen_length (one token per step), block_length 32 for the Instruct model.
    sampler={"algorithm": "maskgit_plus", "temperature": 0, "stepsPerToken": 1, "blockSize": 32},
    read=_read_llada)


# --- CoDA (Qwen3 blocks) ----------------------------------------------------------------------------------------

CODA_ARCHITECTURES = ("CoDALanguageModel",)
CODA_MODEL_TYPES = ("CoDA",)
# CoDA's config.json already uses the canonical (Qwen) key names; these values must hold.
CODA_REQUIRED = {"attention_bias": (False,), "hidden_act": ("silu",), "rope_scaling": (None,),
                 "use_sliding_window": (False,)}


def _read_coda(raw: dict, where: str) -> dict:
    _require_values(raw, CODA_REQUIRED, "CoDA", where)
    cfg = dict(raw)
    # CoDALanguageModel defines its own lm_head and no get_output_embeddings(), so transformers never ties it to
    # the embedding even though CoDAConfig defaults tie_word_embeddings to true: the head is always lm_head.weight.
    cfg.update({"qkv_bias": False, "qk_norm": True, "tie_word_embeddings": False})
    if cfg.get("head_dim") is None:
        cfg["head_dim"] = cfg.get("hidden_size", 0) // max(1, cfg.get("num_attention_heads", 1))
    dream_config.validate_shape_keys(cfg, where, explicit_head_dim=True)
    if cfg["head_dim"] * cfg["num_attention_heads"] != cfg["hidden_size"]:
        # The builder handles it, but the engine derives its cache shape from hidden_size / heads
        # (src/engine/model/load.ts): refuse rather than write a folder the engine would misread.
        raise Fatal(f"{where}: head_dim {cfg['head_dim']} != hidden_size / num_attention_heads; not supported by the "
                    "engine yet (CoDA-1.7B has 2048 / 16 = 128)")
    return cfg


CODA = Family(
    name="coda", label="CoDA", shifted_logits=True, layer_prefix="model.layers.{i}.",
    # SalesforceAIResearch/CoDA README, serving defaults: ALG entropy, TEMPERATURE 0.0, STEPS 128 for MAX_TOKENS
    # 256, BLOCK_LENGTH 32.
    sampler={"algorithm": "entropy", "temperature": 0, "stepsPerToken": 0.5, "blockSize": 32},
    # CoDA prepends nothing (add_bos_token false) and its tokenizer_config names <|im_end|> as bos_token, a chat
    # turn end; the canvas starts at a document boundary instead, Qwen's <|endoftext|> (its pad token).
    tokenizer_overrides={"bos_token": "<|endoftext|>"},
    read=_read_coda)

FAMILIES = (DREAM, LLADA, CODA)


def family_of(raw: dict) -> Optional[Family]:
    archs = raw.get("architectures") or []
    mt = raw.get("model_type")
    if any(a in LLADA_ARCHITECTURES for a in archs) or mt in LLADA_MODEL_TYPES:
        return LLADA
    if any(a in CODA_ARCHITECTURES for a in archs) or mt in CODA_MODEL_TYPES:
        return CODA
    return None


def read_family(ckpt_dir: str, assume_dream: bool = False) -> Tuple[Family, dict]:
    """(family, canonical config) of a checkpoint folder; Dream-family configs go through dream_config as before."""
    path = os.path.join(ckpt_dir, "config.json")
    if os.path.isdir(ckpt_dir) and os.path.exists(path):
        try:
            with open(path, encoding="utf-8") as f:
                raw = json.load(f)
        except json.JSONDecodeError as e:
            raise Fatal(f"{path} is not valid JSON: {e}") from None
        fam = family_of(raw) if isinstance(raw, dict) else None
        if fam is not None:
            return fam, fam.canonical_config(raw, path)
    return DREAM, dream_config.read_config(ckpt_dir, assume_dream=assume_dream)


def resolve_family_tokens(fam: Family, cfg: dict, tok: dict, tok_cfg: dict, expand_token: Optional[str] = None) -> dict:
    """manifest.resolve_tokens with the family's names: its mask token (LLaDA's <|mdm_mask|>) must agree with
    config.json's mask_token_id, its end-of-turn marker joins the stop set, and its tokenizer_config overrides apply."""
    from training.hf.manifest import resolve_tokens
    from training.hf.tokenizer_files import token_id

    for mask_name in fam.mask_names:
        tid = token_id(tok, mask_name)
        if tid is None:
            continue
        if cfg.get("mask_token_id") is None:
            cfg["mask_token_id"] = tid
        elif cfg["mask_token_id"] != tid:
            raise Fatal(f"config.json mask_token_id {cfg['mask_token_id']} disagrees with the tokenizer's "
                        f"{mask_name} id {tid}")
    return resolve_tokens(cfg, tok, {**tok_cfg, **fam.tokenizer_overrides}, expand_token, fam.extra_stop_names)
