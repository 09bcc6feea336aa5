"""MODEL_CARD.md for an exported checkpoint: what it is, where it came from, its tokens, licence and hardware
needs, followed by the upstream model card (the checkpoint's README.md) so nothing the authors wrote is lost."""
from __future__ import annotations

import os
import re
from typing import Optional

from training.hf.dream_config import param_count


def _upstream_card(ckpt_dir: str) -> Optional[str]:
    path = os.path.join(ckpt_dir, "README.md")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    body = re.sub(r"\A---\s*\n.*?\n---\s*\n", "", text, flags=re.S).strip()
    # Demote the upstream headings one level so they nest under ours.
    return re.sub(r"^(#+)", r"#\1", body, flags=re.M) or None


def _gib(n: float) -> str:
    return f"{n / 1024 ** 3:.1f} GiB"


WEIGHT_FORMATS = {
    "fp32": "fp32 weights (widened from the checkpoint)",
    "fp16": "fp16 weights",
    "int8": "int8 weights (MatMulNBits, symmetric blocks)",
    "int4": "int4 weights (MatMulNBits, symmetric blocks)",
}


def render_card(*, ckpt_dir: str, manifest: dict, cfg: dict, weights_dtypes: dict, onnx_bytes: int,
                dtype: str) -> str:
    params = param_count(cfg)
    t = manifest["tokens"]
    lines = [
        f"# {manifest['name']}",
        "",
        "A Dream-architecture masked-diffusion code model exported for DiffuCode from a Hugging Face checkpoint by",
        "`training/hf/export_checkpoint.py`. The weights are the upstream authors' and unchanged"
        + (" (widened to fp32)." if dtype == "fp32" else f", stored as {WEIGHT_FORMATS[dtype]}."),
        "",
        "## Source",
        "",
        f"- checkpoint folder: `{os.path.basename(os.path.abspath(ckpt_dir))}`"
        f" (name in config: `{cfg.get('_name_or_path', 'not recorded')}`)",
        f"- config.json sha256: `{manifest['provenance'].get('configSha256', '?')}`",
        f"- stored dtypes: {', '.join(f'{k} x{v}' for k, v in sorted(weights_dtypes.items()))}",
        f"- licence: {manifest['license']}",
        "",
        "## Architecture",
        "",
        f"- {params / 1e9:.3f} B parameters; {cfg['num_hidden_layers']} layers, hidden {cfg['hidden_size']}, "
        f"MLP {cfg['intermediate_size']}, {cfg['num_attention_heads']} query / {cfg['num_key_value_heads']} KV heads",
        f"- vocabulary rows {cfg['vocab_size']}, RoPE theta {cfg['rope_theta']}, RMSNorm eps {cfg['rms_norm_eps']}",
        "- bidirectional attention, shifted logits (output row i predicts token i+1)",
        f"- exported ONNX: {_gib(onnx_bytes)} ({WEIGHT_FORMATS[dtype]}; {manifest.get('weights', {})})",
        f"- context used by DiffuCode: {manifest['contextLength']} tokens (prompt + gap)",
        "",
        "## Special tokens (read from the checkpoint's tokenizer files)",
        "",
        "| role | id |",
        "|---|---|",
        f"| begin of text (canvas start) | {t['bos']} |",
        f"| end of text | {t['eos']} |",
        f"| pad | {t['pad']} |",
        f"| mask | {t['mask']} |",
        f"| expand (DreamOn) | {t['expand'] if t['expand'] is not None else 'none'} |",
        f"| stop inside a gap | {', '.join(map(str, t['stop']))} |",
        "",
        "## Recommended decoding",
        "",
        f"`{manifest['sampler']}` (DiffuCoder's published settings: entropy order, temperature 0.3-0.4, top-p 0.95).",
        "",
        "## Hardware",
        "",
        f"The graph holds {_gib(onnx_bytes)} of weights; ONNX Runtime needs roughly that much RAM "
        "(or GPU memory) plus activations for the canvas. See docs/diffucoder.md in the DiffuCode repository.",
    ]
    upstream = _upstream_card(ckpt_dir)
    if upstream:
        lines += ["", "## Upstream model card", "", upstream]
    return "\n".join(lines) + "\n"
