"""Block-wise symmetric weight quantization in the layout of ONNX Runtime's `MatMulNBits` (com.microsoft).

A Hugging Face `nn.Linear.weight` is [N, K] (out, in): exactly MatMulNBits' row order, so no transpose. Each row is
cut into blocks of `block` values along K; each block gets one scale, chosen the way ONNX Runtime's own quantizer
(`onnxruntime.quantization.matmul_nbits_quantizer`, symmetric mode) chooses it: the value of largest magnitude,
sign kept, divided by -2^(bits-1), so that value maps exactly onto the code -2^(bits-1). Codes are stored offset by
2^(bits-1) (the operator's default zero point, so no zero-point tensor is needed):

    B      uint8 [N, K/block, block*bits/8]   (4 bits: two codes a byte, the first in the low nibble)
    scales float [N, K/block]                  (the operator also accepts this flattened to [N*K/block])

The same bytes serve `GatherBlockQuantized` for a quantized embedding table (rows gathered, blocks along the
hidden axis). Rows are independent, so large matrices are quantized in row chunks: peak memory is one chunk.
training/tests/test_quantize.py proves these bytes equal ONNX Runtime's quantizer's on the same weights.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

SUPPORTED_BITS = (4, 8)


def check_shape(k: int, block: int, what: str = "weight") -> None:
    from training.common import Fatal

    if block < 16 or block & (block - 1):
        raise Fatal(f"block size {block} must be a power of two >= 16 (MatMulNBits)")
    if k % block:
        fits = [b for b in (256, 128, 64, 32, 16) if k % b == 0]
        hint = f"choose a --block-size that divides it (e.g. {fits[-1] if 32 not in fits else 32})" if fits else \
            "no MatMulNBits block size divides it: export with --dtype fp16 or fp32"
        raise Fatal(f"{what}: its input size {k} is not a multiple of the block size {block}; {hint}")


def quantize_rows(w: np.ndarray, bits: int, block: int) -> Tuple[np.ndarray, np.ndarray]:
    """w float [n, K] -> (packed uint8 [n, K/block, block*bits/8], scales float32 [n, K/block])."""
    if bits not in SUPPORTED_BITS:
        raise ValueError(f"bits must be one of {SUPPORTED_BITS}")
    n, k = w.shape
    blocks = w.reshape(n, k // block, block).astype(np.float32, copy=False)
    half = float(1 << (bits - 1))
    # The signed value of largest magnitude in each block (ties: the positive one, as the reference does).
    hi = blocks.max(axis=2)
    lo = blocks.min(axis=2)
    peak = np.where(np.abs(lo) > np.abs(hi), lo, hi)
    scales = (peak / -half).astype(np.float32)
    inv = np.zeros_like(scales)
    np.divide(1.0, scales, out=inv, where=scales != 0)
    # Round half away from zero (std::roundf in the reference kernel), not numpy's half-to-even.
    x = blocks * inv[:, :, None]
    q = np.trunc(x + np.copysign(0.5, x))
    np.clip(q, -half, half - 1, out=q)
    codes = (q + half).astype(np.uint8)
    if bits == 4:
        codes = codes[:, :, 0::2] | (codes[:, :, 1::2] << 4)
    return np.ascontiguousarray(codes), scales


def dequantize_rows(packed: np.ndarray, scales: np.ndarray, bits: int, block: int) -> np.ndarray:
    """The float weights MatMulNBits computes with: [n, K]."""
    half = 1 << (bits - 1)
    if bits == 4:
        codes = np.empty(packed.shape[:2] + (block,), dtype=np.int16)
        codes[:, :, 0::2] = packed & 0x0F
        codes[:, :, 1::2] = packed >> 4
    else:
        codes = packed.astype(np.int16)
    w = (codes - half).astype(np.float32) * scales[:, :, None]
    return w.reshape(packed.shape[0], -1)
