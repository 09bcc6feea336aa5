"""Streaming ONNX graph builder for Dream/Qwen2-block diffusion models: writes the graph node by node with
onnx.helper and the weights tensor by tensor into one external file, straight from the checkpoint's shards. No torch
module is built and nothing is traced, so a 7.6B export needs about one weight matrix of memory, not the model.

One graph serves every pass (docs/model-contract.md, "graph v2"):

    input_ids int64 [1, W]     the window of the canvas to compute (the whole canvas for a full pass)
    start     int64 [1]        canvas position of input_ids[0]
    past_key.{i} / past_value.{i}  float32 [1, kv_heads, P, head_dim] for each layer i: post-RoPE keys/values of
                               every canvas position OUTSIDE the window (P = 0 for a full pass)
    positions int64 [n]        raw output rows wanted, relative to the window
    head_k int64 [1], head_scale float32 [1], bias_ids int64 [c], bias float32 [n, c]   (confidence head)
 -> logits float32 [n, vocab]
    top_ids int64 [n, k], top_logits float32 [n, k], logsumexp float32 [n], entropy float32 [n]
    present_keys / present_values float32 [layers, kv_heads, W, head_dim]: the window's own keys/values

Attention is bidirectional, so the order of keys does not matter: the window's fresh keys are appended after the
cached ones and every query attends over all of them (GroupQueryAttention, causal=0, rotary fused with explicit
position ids). A full pass is the window = canvas with P = 0, and its present is the cache for later windows, so
the dual cache needs no second graph and no second copy of the weights.

The confidence head reduces the gathered rows inside ONNX Runtime: logits * head_scale (1/temperature), then
bias[j, i] added to column bias_ids[i] of row j (-inf bans a token for that row), then TopK, the log-normaliser
and the entropy of the whole distribution. The engine reads those few numbers instead of 152k-wide rows.

Weights: fp32 / fp16 via Gemm (transB, so Hugging Face's [out, in] matrices are copied as they are stored);
int8 / int4 via MatMulNBits (training/hf/quantize.py) with q/k/v and gate/up fused into one product each; the
embedding via GatherBlockQuantized and the vocabulary head via MatMulNBits on the gathered rows only.
RMSNorm is SimplifiedLayerNormalization / SkipSimplifiedLayerNormalization (the residual add fused).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Protocol, Sequence

import numpy as np

from training.hf.quantize import check_shape, quantize_rows
from training.hf.weights_file import WeightsFile

DTYPES = ("fp32", "fp16", "int8", "int4")
OPSET = 21
MS_OPSET = 1
IR_VERSION = 10  # onnxruntime 1.30 reads up to IR 11; 10 is what its own tools write
CHUNK_BYTES = 64 * 1024 * 1024  # fp32 bytes converted per chunk: bounds the exporter's memory
NEG = -1.0e30  # "banned" after clamping: finite, so exp() gives 0 and 0 * NEG stays 0 in the entropy

def graph_inputs(layers: int) -> List[str]:
    """Graph v2's input names, in order."""
    return (["input_ids", "start"] + [f"past_{kv}.{i}" for i in range(layers) for kv in ("key", "value")]
            + ["positions", "head_k", "head_scale", "bias_ids", "bias"])


GRAPH_OUTPUTS = ["logits", "top_ids", "top_logits", "logsumexp", "entropy", "present_keys", "present_values"]


class WeightSource(Protocol):
    """What the builder reads: float32 row ranges of named [rows, ...] tensors (checkpoint shards or arrays)."""

    def shape(self, name: str) -> tuple: ...

    def rows(self, name: str, lo: int, hi: int) -> np.ndarray: ...


class ArraySource:
    """A dict of numpy arrays (tests, GGUF dequantized tensors)."""

    def __init__(self, arrays: dict):
        self.arrays = arrays

    def shape(self, name):
        return tuple(self.arrays[name].shape)

    def rows(self, name, lo, hi):
        return np.asarray(self.arrays[name][lo:hi], dtype=np.float32)


@dataclass
class BuildOptions:
    dtype: str = "int4"
    block_size: int = 32
    accuracy_level: int = 4
    head_bits: Optional[int] = None  # int4 graphs: vocabulary head / embedding bits (None = same as dtype)
    max_positions: int = 2048  # rotary cache rows: the canvas limit


@dataclass
class Arch:
    hidden: int
    inter: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    rope_theta: float
    eps: float
    tied: bool
    # Per-family block options (training/hf/families.py maps each family's config onto these keys):
    qkv_bias: bool = True  # Qwen2/Dream project q/k/v with a bias; LLaDA and Qwen3 (CoDA) do not
    qk_norm: bool = False  # Qwen3 (CoDA): RMSNorm over each head of q and k before the rotary embedding

    @staticmethod
    def of(cfg: dict) -> "Arch":
        # Qwen3 configs state head_dim, which need not be hidden_size / heads; older families imply it.
        head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
        return Arch(cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"],
                    cfg["num_key_value_heads"], head_dim, cfg["vocab_size"],
                    float(cfg["rope_theta"]), float(cfg["rms_norm_eps"]), bool(cfg.get("tie_word_embeddings")),
                    bool(cfg.get("qkv_bias", True)), bool(cfg.get("qk_norm", False)))


class _Graph:
    """Node list + initializers with unique names; small constants stay inside the graph."""

    def __init__(self, weights: WeightsFile):
        self.nodes: list = []
        self.inits: list = []
        self.weights = weights
        self._n = 0

    def name(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def op(self, op_type: str, inputs: Sequence[str], outputs: int | Sequence[str] = 1, domain: str = "",
           **attrs) -> List[str]:
        from onnx import helper
        outs = [self.name(op_type.lower()) for _ in range(outputs)] if isinstance(outputs, int) else list(outputs)
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=self.name(op_type), domain=domain or None,
                                           **attrs))
        return outs

    def one(self, op_type: str, inputs: Sequence[str], domain: str = "", **attrs) -> str:
        return self.op(op_type, inputs, 1, domain, **attrs)[0]

    def const(self, value, dtype=np.int64, hint: str = "c") -> str:
        from onnx import numpy_helper
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def alias(self, of: str, name: str, dims) -> str:
        """Another initializer over the same bytes of the weights file (another shape)."""
        t = next(t for t in self.inits if t.name == of)
        alias = type(t)()
        alias.CopyFrom(t)
        alias.name = name
        del alias.dims[:]
        alias.dims.extend(int(d) for d in dims)
        self.inits.append(alias)
        return name

    def external(self, name: str, dims, onnx_type: int, chunks: Iterator[np.ndarray]) -> str:
        self.inits.append(self.weights.add(name, dims, onnx_type, chunks))
        return name


def _row_chunks(src: WeightSource, names: Sequence[str], convert: Callable[[np.ndarray], np.ndarray]):
    """Rows of the tensors `names`, one after the other (a concatenation along the output axis), in chunks of
    about CHUNK_BYTES of fp32."""
    for name in names:
        shape = src.shape(name)
        per_row = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        step = max(1, CHUNK_BYTES // (4 * per_row))
        for lo in range(0, shape[0], step):
            yield convert(src.rows(name, lo, min(shape[0], lo + step)))


def _packed_chunks(src: WeightSource, names: Sequence[str], bits: int, block: int):
    """(codes, scales) chunks of the tensors `names` in MatMulNBits' layout: straight from a source that already
    holds them so (a GGUF's Q4_0/Q8_0 blocks: no second rounding), else quantized here from float rows."""
    for name in names:
        direct = getattr(src, "packed", None)
        shape = src.shape(name)
        if direct is not None and direct(name, 0, 1, bits, block) is not None:
            step = max(1, CHUNK_BYTES // (4 * shape[1]))
            for lo in range(0, shape[0], step):
                yield direct(name, lo, min(shape[0], lo + step), bits, block)
            continue
        for rows in _row_chunks(src, [name], lambda a: a):
            yield quantize_rows(rows, bits, block)


class _Linear:
    """y = x W^T + b for a stack of Hugging Face [out, in] matrices concatenated along `out`."""

    def __init__(self, g: _Graph, src: WeightSource, opts: BuildOptions, float_type: int, np_float):
        self.g, self.src, self.opts = g, src, opts
        self.float_type, self.np_float = float_type, np_float

    def bits_for(self, head: bool) -> Optional[int]:
        d = self.opts.dtype
        if d not in ("int8", "int4"):
            return None
        own = 8 if d == "int8" else 4
        return (self.opts.head_bits or own) if head else own

    def __call__(self, x: str, weights: Sequence[str], bias: Sequence[str] = (), head: bool = False,
                 label: str = "") -> str:
        from onnx import TensorProto
        shapes = [self.src.shape(w) for w in weights]
        k = shapes[0][1]
        n = sum(s[0] for s in shapes)
        label = label or weights[0]
        b = None
        if bias:
            b = self.g.external(label + ".bias", [n], self.float_type,
                                _row_chunks(self.src, bias, lambda a: a.astype(self.np_float)))
        bits = self.bits_for(head)
        if bits is None:
            w = self.g.external(label + ".weight", [n, k], self.float_type,
                                _row_chunks(self.src, weights, lambda a: a.astype(self.np_float)))
            return self.g.one("Gemm", [x, w] + ([b] if b else []), transB=1)
        check_shape(k, self.opts.block_size, label)
        bs = self.opts.block_size
        blocks = k // bs
        scales: list = []

        def packed():
            for q, s in _packed_chunks(self.src, weights, bits, bs):
                scales.append(s)
                yield q
        qname = self.g.external(label + f".q{bits}", [n, blocks, bs * bits // 8], TensorProto.UINT8, packed())
        sname = self.g.external(label + ".scales", [n * blocks], self.float_type,
                                (s.reshape(-1).astype(self.np_float) for s in scales))
        ins = [x, qname, sname] + (["", "", b] if b else [])
        return self.g.one("MatMulNBits", ins, domain="com.microsoft", K=k, N=n, bits=bits, block_size=bs,
                          accuracy_level=self.opts.accuracy_level)


def rotary_cache(head_dim: int, theta: float, positions: int) -> tuple:
    """Qwen2's (non-interleaved) rotary tables [positions, head_dim/2], computed in float64 then rounded."""
    inv = 1.0 / theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    freqs = np.arange(positions, dtype=np.float64)[:, None] * inv[None, :]
    return np.cos(freqs).astype(np.float32), np.sin(freqs).astype(np.float32)


def build_graph(cfg: dict, src: WeightSource, weights: WeightsFile, opts: BuildOptions,
                log: Callable[[str], None] = lambda s: None):
    """The ModelProto of graph v2 (module docstring); every weight is appended to `weights` as it is read."""
    from onnx import TensorProto, helper

    if opts.dtype not in DTYPES:
        from training.common import Fatal
        raise Fatal(f"unsupported --dtype {opts.dtype!r}; one of {', '.join(DTYPES)}")
    a = Arch.of(cfg)
    fp16 = opts.dtype == "fp16"
    ft, npf = (TensorProto.FLOAT16, np.float16) if fp16 else (TensorProto.FLOAT, np.float32)
    g = _Graph(weights)
    lin = _Linear(g, src, opts, ft, npf)
    p = "model.layers.{}."

    # --- shapes and positions -------------------------------------------------------------------------------
    ids = g.one("Reshape", ["input_ids", g.const([-1])])  # [W]
    w_len = g.one("Shape", ["input_ids"], start=1, end=2)  # [1]
    p_len = g.one("Shape", ["past_key.0"], start=2, end=3)  # [1]
    total = g.one("Add", [w_len, p_len])
    total32 = g.one("Cast", [total], to=TensorProto.INT32)
    seqlens = g.one("Sub", [total32, g.const([1], np.int32)])  # [1]: GQA's "total length - 1" per batch row
    total_scalar = g.one("Squeeze", [total32, g.const([0])])
    start = g.one("Squeeze", ["start", g.const([0])])
    end = g.one("Add", [start, g.one("Squeeze", [w_len, g.const([0])])])
    pos_ids = g.one("Unsqueeze", [g.one("Range", [start, end, g.const(1)]), g.const([0])])  # [1, W]
    cos, sin = rotary_cache(a.head_dim, a.rope_theta, opts.max_positions)
    cos_c = g.const(cos, npf, "cos_cache")
    sin_c = g.const(sin, npf, "sin_cache")

    # --- embedding ---------------------------------------------------------------------------------------------
    emb = "model.embed_tokens.weight"
    emb_bits = lin.bits_for(head=True) if opts.dtype in ("int8", "int4") else None
    if emb_bits is None:
        table = g.external(emb, [a.vocab, a.hidden], ft, _row_chunks(src, [emb], lambda x: x.astype(npf)))
        x = g.one("Gather", [table, ids])
    else:
        check_shape(a.hidden, opts.block_size, emb)
        bs = opts.block_size
        scales: list = []

        def packed():
            for q, s in _packed_chunks(src, [emb], emb_bits, bs):
                scales.append(s)
                yield q.reshape(q.shape[0], -1)
        table = g.external(emb + f".q{emb_bits}", [a.vocab, a.hidden * emb_bits // 8], TensorProto.UINT8, packed())
        table_s = g.external(emb + ".scales", [a.vocab, a.hidden // bs], ft, (s.astype(npf) for s in scales))
        x = g.one("GatherBlockQuantized", [table, ids, table_s], domain="com.microsoft", bits=emb_bits,
                  block_size=bs, gather_axis=0, quantize_axis=1)
    log("embedding written")

    # --- layers ------------------------------------------------------------------------------------------------
    def norm_w(name: str) -> str:
        return g.external(name, [a.hidden], ft, _row_chunks(src, [name], lambda r: r.astype(npf)))

    presents_k, presents_v = [], []
    residual = x
    mlp_out = None
    for i in range(a.layers):
        pre = p.format(i)
        gamma = norm_w(pre + "input_layernorm.weight")
        if mlp_out is None:
            h = g.one("SimplifiedLayerNormalization", [residual, gamma], axis=-1, epsilon=a.eps)
        else:
            h, _, _, residual = g.op("SkipSimplifiedLayerNormalization", [mlp_out, residual, gamma], 4,
                                     domain="com.microsoft", epsilon=a.eps)
        att = pre + "self_attn."
        qkv = lin(h, [att + "q_proj.weight", att + "k_proj.weight", att + "v_proj.weight"],
                  [att + "q_proj.bias", att + "k_proj.bias", att + "v_proj.bias"] if a.qkv_bias else [],
                  label=att + "qkv_proj")
        axis0 = g.const([0])
        # One graph input per layer: GQA may reuse its past buffer for its present, which ONNX Runtime only
        # avoids for graph inputs (a Slice of one stacked input made it try to write a longer present into it).
        pk, pv = f"past_key.{i}", f"past_value.{i}"
        if fp16:
            pk, pv = g.one("Cast", [pk], to=ft), g.one("Cast", [pv], to=ft)
        rest = [pk, pv, seqlens, total_scalar, cos_c, sin_c, pos_ids]
        if a.qk_norm:
            # Qwen3 (CoDA): RMSNorm over each head of q and k, before the rotary embedding. GroupQueryAttention's own
            # q_norm_weight/k_norm_weight inputs run only on CUDA/WebGPU in ORT 1.30, so the norm is written out:
            # q/k/v split from the fused product, each head normalised by SimplifiedLayerNormalization on its last
            # axis, and the three passed to GroupQueryAttention separately (it rotates the normalised q and k).
            q, k, v = g.op("Split", [qkv, g.const([a.heads * a.head_dim, a.kv_heads * a.head_dim,
                                                   a.kv_heads * a.head_dim])], 3, axis=-1)

            def head_norm(x: str, weight: str, heads: int) -> str:
                gamma = g.external(weight, [a.head_dim], ft, _row_chunks(src, [weight], lambda r: r.astype(npf)))
                per_head = g.one("Reshape", [x, g.const([-1, heads, a.head_dim])])  # [W, heads, head_dim]
                normed = g.one("SimplifiedLayerNormalization", [per_head, gamma], axis=-1, epsilon=a.eps)
                return g.one("Reshape", [normed, g.const([1, -1, heads * a.head_dim])])  # GQA's [1, W, hidden]
            gqa_in = [head_norm(q, att + "q_norm.weight", a.heads), head_norm(k, att + "k_norm.weight", a.kv_heads),
                      g.one("Unsqueeze", [v, axis0])] + rest
        else:
            gqa_in = [g.one("Unsqueeze", [qkv, axis0]), "", ""] + rest  # packed q/k/v
        o, present_k, present_v = g.op(
            "GroupQueryAttention", gqa_in, 3,
            domain="com.microsoft", num_heads=a.heads, kv_num_heads=a.kv_heads, causal=0, do_rotary=1,
            rotary_interleaved=0, scale=1.0 / math.sqrt(a.head_dim))
        # present = [cached..., window...]: keep the window's own keys/values (the cache for later windows)
        int_max = g.const([2 ** 62])
        presents_k.append(g.one("Slice", [present_k, p_len, int_max, g.const([2])]))
        presents_v.append(g.one("Slice", [present_v, p_len, int_max, g.const([2])]))
        o = lin(g.one("Squeeze", [o, axis0]), [att + "o_proj.weight"])
        h, _, _, residual = g.op("SkipSimplifiedLayerNormalization",
                                 [o, residual, norm_w(pre + "post_attention_layernorm.weight")], 4,
                                 domain="com.microsoft", epsilon=a.eps)
        mlp = pre + "mlp."
        gate, up = g.op("Split", [lin(h, [mlp + "gate_proj.weight", mlp + "up_proj.weight"], label=mlp + "gate_up_proj"),
                                  g.const([a.inter, a.inter])], 2, axis=-1)
        act = g.one("Mul", [g.one("Mul", [gate, g.one("Sigmoid", [gate])]), up])
        mlp_out = lin(act, [mlp + "down_proj.weight"])
        log(f"layer {i + 1}/{a.layers} written")

    # --- gathered rows, final norm, vocabulary head -------------------------------------------------------------
    hidden = g.one("Add", [mlp_out, residual])
    rows = g.one("Gather", [hidden, "positions"], axis=0)
    rows = g.one("SimplifiedLayerNormalization", [rows, norm_w("model.norm.weight")], axis=-1, epsilon=a.eps)
    head_name = emb if a.tied else "lm_head.weight"
    if a.tied and emb_bits is None:
        logits = g.one("Gemm", [rows, table], transB=1)  # the embedding table itself: stored once
    elif a.tied and emb_bits == lin.bits_for(head=True):
        # The quantized table's bytes are MatMulNBits' layout too: a second view of the same file range.
        bs = opts.block_size
        q = g.alias(table, "lm_head.q", [a.vocab, a.hidden // bs, bs * emb_bits // 8])
        sc = g.alias(table_s, "lm_head.scales", [a.vocab * (a.hidden // bs)])
        logits = g.one("MatMulNBits", [rows, q, sc], domain="com.microsoft", K=a.hidden, N=a.vocab, bits=emb_bits,
                       block_size=bs, accuracy_level=opts.accuracy_level)
    else:
        logits = lin(rows, [head_name], head=True, label="lm_head")
    if fp16:
        logits = g.one("Cast", [logits], to=TensorProto.FLOAT)
    g.op("Identity", [logits], ["logits"])
    _confidence_head(g, "logits")
    for outs, name in ((presents_k, "present_keys"), (presents_v, "present_values")):
        cat = g.one("Concat", outs, axis=0)
        g.op("Cast" if fp16 else "Identity", [cat], [name], **({"to": TensorProto.FLOAT} if fp16 else {}))

    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    cache = [1, a.kv_heads, "past", a.head_dim]
    inputs = [helper.make_tensor_value_info("input_ids", i64, [1, "window"]),
              helper.make_tensor_value_info("start", i64, [1])]
    inputs += [helper.make_tensor_value_info(f"past_{kv}.{i}", f32, cache) for i in range(a.layers)
               for kv in ("key", "value")]
    inputs += [helper.make_tensor_value_info("positions", i64, ["n"]),
              helper.make_tensor_value_info("head_k", i64, [1]),
              helper.make_tensor_value_info("head_scale", f32, [1]),
              helper.make_tensor_value_info("bias_ids", i64, ["c"]),
              helper.make_tensor_value_info("bias", f32, ["n", "c"])]
    present = [a.layers, a.kv_heads, "window", a.head_dim]
    outputs = [helper.make_tensor_value_info("logits", f32, ["n", a.vocab]),
               helper.make_tensor_value_info("top_ids", i64, ["n", "k"]),
               helper.make_tensor_value_info("top_logits", f32, ["n", "k"]),
               helper.make_tensor_value_info("logsumexp", f32, ["n"]),
               helper.make_tensor_value_info("entropy", f32, ["n"]),
               helper.make_tensor_value_info("present_keys", f32, present),
               helper.make_tensor_value_info("present_values", f32, present)]
    graph = helper.make_graph(g.nodes, "diffucode_dream", inputs, outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                    helper.make_opsetid("com.microsoft", MS_OPSET)],
                              ir_version=IR_VERSION, producer_name="diffucode-graph-builder")
    return model


def _confidence_head(g: _Graph, logits: str) -> None:
    """top_ids/top_logits/logsumexp/entropy of the scaled, biased rows (module docstring)."""
    scaled = g.one("Mul", [logits, "head_scale"])
    idx = g.one("Expand", [g.one("Unsqueeze", ["bias_ids", g.const([0])]), g.one("Shape", ["bias"])])
    current = g.one("GatherElements", [scaled, idx], axis=1)
    biased = g.one("ScatterElements", [scaled, idx, g.one("Add", [current, "bias"])], axis=1)
    x = g.one("Max", [biased, g.const(np.float32(NEG), np.float32)])
    g.op("TopK", [x, "head_k"], ["top_logits", "top_ids"], axis=-1, largest=1, sorted=1)
    axis1 = g.const([1])
    m = g.one("ReduceMax", [x, axis1], keepdims=1)
    d = g.one("Sub", [x, m])
    e = g.one("Exp", [d])
    z = g.one("ReduceSum", [e, axis1], keepdims=1)
    logz = g.one("Log", [z])
    g.op("Squeeze", [g.one("Add", [m, logz]), axis1], ["logsumexp"])
    s = g.one("ReduceSum", [g.one("Mul", [e, d]), axis1], keepdims=1)
    # H = log z - sum(e (x - m)) / z  (the engine's own formula for the full-row path)
    g.op("Squeeze", [g.one("Sub", [logz, g.one("Div", [s, z])]), axis1], ["entropy"])
