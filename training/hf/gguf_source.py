"""Import a GGUF file (llama.cpp's format) of a Dream or bidirectional Qwen2 model: config, tokenizer and weights.

    node dist/cli.js convert MODEL.gguf OUT_MODEL_DIR [--dtype ...]   (the product's TypeScript reader and converter)

What llama.cpp's convert_hf_to_gguf.py writes, and what is read back here:
- `general.architecture` "dream" (DreamModel: the converter writes `dream.attention.causal` = false and
  `tokenizer.ggml.mask_token_id`) or "qwen2" (accepted only when `qwen2.attention.causal` is false: a Qwen2 model
  trained bidirectionally, e.g. Open-dCoder); anything else, or a causal model, is refused.
- hyper-parameters under `{arch}.*` (embedding_length, block_count, feed_forward_length, attention.head_count[_kv],
  rope.freq_base, attention.layer_norm_rms_epsilon, context_length), checked against the tensors' shapes.
- tensors renamed blk.N.attn_q.weight ...; the converter permutes q/k rows only for LLaMA-family RoPE, not for
  Qwen2 or Dream (both use the HF layout as it is), so nothing is un-permuted here.
- GGUF stores dims innermost first: a HF [out, in] matrix is ne = [in, out], and its rows are the HF rows.

Weights are dequantized to float32 row range by row range with the `gguf` package (F32, F16, BF16, Q8_0, Q4_0,
Q4_K, Q5_K, Q6_K); Q4_0 / Q8_0 blocks of 32 are also offered in MatMulNBits' layout (GGUFSource.packed).
The product reads GGUF files with its TypeScript port (src/models/checkpoint/gguf); this module stays as that
port's test reference (src/models/checkpoint/testing/gguf_reference.py).
"""
from __future__ import annotations

import os
from typing import Dict, Optional, Tuple

import numpy as np

from training.common import Fatal, file_sha256
from training.hf.families import DREAM, WeightSource
from training.hf.gguf_metadata import field
from training.hf.gguf_tokenizer import tokenizer_from_gguf

SUPPORTED_ARCHS = ("dream", "qwen2")
SUPPORTED_TYPES = ("F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K")

# canonical config key -> GGUF metadata key (after "{arch}.")
GGUF_CONFIG_KEYS = {
    "hidden_size": "embedding_length", "num_hidden_layers": "block_count", "intermediate_size": "feed_forward_length",
    "num_attention_heads": "attention.head_count", "num_key_value_heads": "attention.head_count_kv",
    "rope_theta": "rope.freq_base", "rms_norm_eps": "attention.layer_norm_rms_epsilon",
    "max_position_embeddings": "context_length",
}
# canonical tensor name -> GGUF tensor name (llama.cpp's tensor map for Qwen2/Dream)
GGUF_TENSORS = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
                "lm_head.weight": "output.weight"}
GGUF_LAYER_TENSORS = {
    "input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight", "self_attn.q_proj.bias": "attn_q.bias",
    "self_attn.k_proj.bias": "attn_k.bias", "self_attn.v_proj.bias": "attn_v.bias",
    "self_attn.o_proj.weight": "attn_output.weight", "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight",
}


class GGUFSource(WeightSource):
    """Canonical tensor names over a GGUF file's tensors, dequantized to float32 rows on demand."""

    def __init__(self, reader, rename: Dict[str, str]):
        self.reader = reader
        self.by_name = {t.name: t for t in reader.tensors}
        self.map = rename

    def _t(self, name: str):
        return self.by_name[self.map.get(name, name)]

    def shape(self, name):
        return tuple(int(d) for d in reversed(self._t(name).shape))  # GGUF dims are innermost first

    def rows(self, name, lo, hi) -> np.ndarray:
        from gguf import quants
        t = self._t(name)
        data = t.data[lo:hi]  # quantized tensors are [rows, bytes per row], float ones [rows, cols]
        return np.asarray(quants.dequantize(np.asarray(data), t.tensor_type), dtype=np.float32)

    def packed(self, name: str, lo: int, hi: int, bits: int, block: int):
        """Rows [lo, hi) already in MatMulNBits' layout, without rounding them again: Q4_0 and Q8_0 are symmetric
        blocks of 32 with one fp16 scale and the same zero point (8 / 128 as unsigned codes), so only the nibble
        order (Q4_0: the block's first 16 values in the low nibbles, the last 16 in the high ones; MatMulNBits:
        consecutive pairs) and the code offset change. None when the tensor is in another format."""
        t = self._t(name)
        kind = t.tensor_type.name
        if block != 32 or (kind, bits) not in (("Q4_0", 4), ("Q8_0", 8)):
            return None
        raw = np.asarray(t.data[lo:hi], dtype=np.uint8)
        n = raw.shape[0]
        blocks = raw.reshape(n, -1, 18 if kind == "Q4_0" else 34)
        scales = blocks[:, :, :2].copy().view(np.float16)[:, :, 0].astype(np.float32)
        qs = blocks[:, :, 2:]
        if kind == "Q4_0":
            codes = np.concatenate([qs & 0x0F, qs >> 4], axis=2)  # the block's 32 codes in order, 0..15
            return np.ascontiguousarray(codes[:, :, 0::2] | (codes[:, :, 1::2] << 4)), scales
        return np.ascontiguousarray((qs.view(np.int8).astype(np.int16) + 128).astype(np.uint8)), scales


def _read(path: str):
    from gguf import GGUFReader
    if not os.path.isfile(path):
        raise Fatal(f"GGUF file {path} does not exist")
    try:
        reader = GGUFReader(path, "r")
    except Exception as e:  # a bad magic, a truncated header or tensor table: gguf raises ValueError and others
        raise Fatal(f"{path} is not a readable GGUF file (truncated or corrupt: {str(e).splitlines()[0][:160]})"
                    ) from None
    size = os.path.getsize(path)
    for t in reader.tensors:
        if int(t.data_offset) + int(t.n_bytes) > size:
            raise Fatal(f"{path} is truncated: tensor {t.name} ends at byte {int(t.data_offset) + int(t.n_bytes):,} "
                        f"but the file has {size:,}")
    return reader


def gguf_config(reader, path: str, assume_dream: bool) -> Tuple[str, dict]:
    arch = field(reader, "general.architecture")
    if arch not in SUPPORTED_ARCHS:
        raise Fatal(f"{path}: unsupported GGUF architecture {arch!r}; supported: dream (Dream, DiffuCoder, "
                    "Dream-Coder) and qwen2 when bidirectional (attention.causal = false)")
    causal = field(reader, f"{arch}.attention.causal")
    if causal is None:
        causal = arch != "dream"  # llama.cpp's dream architecture is non-causal; a plain qwen2 GGUF is causal
    if causal:
        raise Fatal(f"{path}: a causal (autoregressive) {arch} model ({arch}.attention.causal is "
                    f"{'missing' if field(reader, f'{arch}.attention.causal') is None else 'true'}); DiffuCode needs a "
                    "bidirectional diffusion model")
    cfg: dict = {}
    for canon, key in GGUF_CONFIG_KEYS.items():
        value = field(reader, f"{arch}.{key}")
        if value is None and canon != "max_position_embeddings":
            raise Fatal(f"{path}: metadata key {arch}.{key} is missing")
        if value is not None:
            cfg[canon] = value
    if field(reader, f"{arch}.rope.scaling.type") not in (None, "none"):
        raise Fatal(f"{path}: RoPE scaling {field(reader, f'{arch}.rope.scaling.type')!r} is not supported")
    if field(reader, f"{arch}.attention.sliding_window") not in (None, 0):
        raise Fatal(f"{path}: sliding-window attention is not supported")
    names = {t.name for t in reader.tensors}
    emb = next((t for t in reader.tensors if t.name == "token_embd.weight"), None)
    if emb is None:
        raise Fatal(f"{path}: no token_embd.weight tensor")
    cfg["vocab_size"] = int(emb.shape[1])
    cfg["tie_word_embeddings"] = "output.weight" not in names
    cfg["qkv_bias"] = "blk.0.attn_q.bias" in names  # Qwen2/Dream: always present; checked against the table below
    for key, meta in (("mask_token_id", "tokenizer.ggml.mask_token_id"), ("eos_token_id", "tokenizer.ggml.eos_token_id"),
                      ("bos_token_id", "tokenizer.ggml.bos_token_id"), ("pad_token_id", "tokenizer.ggml.padding_token_id")):
        value = field(reader, meta)
        if value is not None:
            cfg[key] = int(value)
    if cfg.get("mask_token_id") is None:
        raise Fatal(f"{path}: no tokenizer.ggml.mask_token_id in the metadata (not a diffusion model's GGUF)")
    cfg["_name_or_path"] = field(reader, "general.name") or os.path.basename(path)
    from training.hf import dream_config
    dream_config.validate_shape_keys(cfg, path)
    return arch, cfg


def _rename(cfg: dict) -> Dict[str, str]:
    """canonical -> GGUF name for every tensor the config implies (DREAM's canonical set)."""
    out = {}
    for canon in DREAM.rename(cfg):
        if canon.startswith("model.layers."):
            _, _, i, suffix = canon.split(".", 3)
            out[canon] = f"blk.{i}.{GGUF_LAYER_TENSORS[suffix]}"
        else:
            out[canon] = GGUF_TENSORS[canon]
    return out


def _validate(reader, cfg: dict, rename: Dict[str, str], path: str) -> None:
    """Tensors present, of a readable type, with the shapes the metadata implies; nothing left over."""
    import gguf
    by_name = {t.name: t for t in reader.tensors}
    missing = [g for g in rename.values() if g not in by_name]
    if missing:
        raise Fatal(f"{path}: the metadata implies tensor(s) the file lacks, e.g. {', '.join(missing[:3])}")
    extra = sorted(set(by_name) - set(rename.values()) - {"rope_freqs.weight"})
    if extra:
        raise Fatal(f"{path}: the metadata contradicts the tensors: {len(extra)} tensor(s) it does not account for, "
                    f"e.g. {', '.join(extra[:3])}")
    shapes = DREAM.expected_shapes(cfg)  # canonical names = Dream's own
    for canon, gname in rename.items():
        t = by_name[gname]
        kind = gguf.GGMLQuantizationType(t.tensor_type).name
        if kind not in SUPPORTED_TYPES:
            raise Fatal(f"{path}: tensor {gname} is {kind}, which this importer does not read (supported: "
                        f"{', '.join(SUPPORTED_TYPES)})")
        got = tuple(int(d) for d in reversed(t.shape))
        if got != shapes[canon]:
            raise Fatal(f"{path}: the metadata contradicts the tensors: {gname} is {list(got)} but the metadata "
                        f"implies {list(shapes[canon])}")


def open_gguf(path: str, assume_dream: bool = False):
    """export_input.Input for a GGUF file (every check runs before any output is written)."""
    from training.hf.export_input import Input
    import gguf

    reader = _read(path)
    arch, cfg = gguf_config(reader, path, assume_dream)
    rename = _rename(cfg)
    _validate(reader, cfg, rename, path)
    tok, tok_cfg = tokenizer_from_gguf(reader, path)
    counts: Dict[str, int] = {}
    for t in reader.tensors:
        k = gguf.GGMLQuantizationType(t.tensor_type).name
        counts[k] = counts.get(k, 0) + 1
    license_text: Optional[str] = field(reader, "general.license")
    return Input(DREAM, cfg, tok, tok_cfg, GGUFSource(reader, rename), lambda: None, counts, os.path.getsize(path),
                 license_text, "ggufSha256", file_sha256(path), None)
