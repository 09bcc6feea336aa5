"""A Dream/DiffuCoder-architecture masked-diffusion LM: Qwen2 blocks (RMSNorm, RoPE, grouped-query attention with
biased q/k/v and bias-free o_proj, SwiGLU MLP) with bidirectional attention and Dream's shifted logits (raw output
row i predicts token i+1).

Parameter names and config keys follow Hugging Face Qwen2/Dream checkpoints (`model.embed_tokens.weight`,
`model.layers.N.self_attn.q_proj.weight`, ..., `model.norm.weight`, `lm_head.weight`; hidden_size,
num_key_value_heads, rope_theta, ...), so a real Dream/DiffuCoder state dict loads into this module unchanged and
the same export path serves both.
"""
import math
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class DreamConfig:
    vocab_size: int = 8192
    hidden_size: int = 256
    intermediate_size: int = 704
    num_hidden_layers: int = 6
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-6
    max_position_embeddings: int = 1024
    tie_word_embeddings: bool = True
    mask_token_id: int = 1
    bos_token_id: int = 2
    eos_token_id: int = 0
    pad_token_id: int = 0
    hidden_act: str = "silu"
    attention_dropout: float = 0.0
    initializer_range: float = 0.02

    @classmethod
    def from_dict(cls, d: dict) -> "DreamConfig":
        """Reads a Dream config.json (unknown keys such as architectures/torch_dtype are ignored)."""
        names = {f.name for f in fields(cls)}
        cfg = cls(**{k: v for k, v in d.items() if k in names})
        if cfg.hidden_size % cfg.num_attention_heads or cfg.num_attention_heads % cfg.num_key_value_heads:
            raise ValueError("hidden_size must divide by num_attention_heads, and heads by num_key_value_heads")
        if cfg.hidden_act != "silu":
            raise ValueError(f"unsupported hidden_act {cfg.hidden_act!r} (Qwen2/Dream use silu)")
        return cfg

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update({"architectures": ["DreamModel"], "model_type": "Dream"})
        return d


class RMSNorm(nn.Module):
    def __init__(self, n: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        # Computed in fp32 like Qwen2, so bf16 autocast does not lose the variance.
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Rotary(nn.Module):
    """Qwen2's (non-interleaved) rotary embedding; cos/sin are computed from the sequence length at run time, so the
    exported graph accepts any length."""

    def __init__(self, head_dim: int, theta: float):
        super().__init__()
        inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, seq_len_like: torch.Tensor):
        pos = torch.arange(seq_len_like.shape[1], device=seq_len_like.device, dtype=torch.float32)
        return self.at(pos)

    def at(self, pos: torch.Tensor):
        """cos/sin for explicit (float) positions: a window of the canvas starting anywhere."""
        freqs = pos[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos(), emb.sin()


class Attention(nn.Module):
    def __init__(self, c: DreamConfig):
        super().__init__()
        self.h, self.kv = c.num_attention_heads, c.num_key_value_heads
        self.d = c.hidden_size // c.num_attention_heads
        self.q_proj = nn.Linear(c.hidden_size, self.h * self.d, bias=True)
        self.k_proj = nn.Linear(c.hidden_size, self.kv * self.d, bias=True)
        self.v_proj = nn.Linear(c.hidden_size, self.kv * self.d, bias=True)
        self.o_proj = nn.Linear(self.h * self.d, c.hidden_size, bias=False)

    def qkv(self, x, cos, sin):
        """Queries, keys and values of x [b, n, H], with RoPE applied: q [b, h, n, d], k and v [b, kv, n, d]."""
        b, n, _ = x.shape
        q = self.q_proj(x).view(b, n, self.h, self.d).transpose(1, 2)
        k = self.k_proj(x).view(b, n, self.kv, self.d).transpose(1, 2)
        v = self.v_proj(x).view(b, n, self.kv, self.d).transpose(1, 2)
        cos, sin = cos.to(q.dtype), sin.to(q.dtype)
        return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin, v

    def forward(self, x, cos, sin):
        q, k, v = self.qkv(x, cos, sin)
        return self.attend(q, k, v)

    def window(self, x, cos, sin, past_k, past_v, idx):
        """Fast-dLLM's dual cache: x is a window of the canvas at canvas positions idx; its fresh keys/values replace
        those slots of the cached ones (past_k/past_v [1, kv, S, d], computed on an earlier canvas) and the window
        attends over the whole merged canvas. Returns (output, merged keys, merged values)."""
        q, k, v = self.qkv(x, cos, sin)
        # scatter (not index_put): exports with the window and canvas lengths left dynamic
        where = idx.view(1, 1, -1, 1).expand_as(k)
        k_all = past_k.scatter(2, where, k.to(past_k.dtype))
        v_all = past_v.scatter(2, where, v.to(past_v.dtype))
        return self.attend(q, k_all, v_all), k_all, v_all

    def attend(self, q, k, v):
        b, n = q.shape[0], q.shape[2]
        s = k.shape[2]
        if self.kv != self.h:  # grouped-query attention: each kv head serves h/kv query heads (Qwen2's repeat_kv)
            rep = self.h // self.kv
            k = k[:, :, None].expand(b, self.kv, rep, s, self.d).reshape(b, self.h, s, self.d)
            v = v[:, :, None].expand(b, self.kv, rep, s, self.d).reshape(b, self.h, s, self.d)
        # Bidirectional: no causal mask (batch 1 without padding at inference, fixed-length canvases in training).
        att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.d))
        att = torch.softmax(att.float(), dim=-1).to(v.dtype)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, n, self.h * self.d)
        return self.o_proj(y)


class MLP(nn.Module):
    def __init__(self, c: DreamConfig):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c: DreamConfig):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))

    def window(self, x, cos, sin, past_k, past_v, idx):
        a, k, v = self.self_attn.window(self.input_layernorm(x), cos, sin, past_k, past_v, idx)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), k, v


class DreamBackbone(nn.Module):
    """`model.*` in a Dream checkpoint."""

    def __init__(self, c: DreamConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([DecoderLayer(c) for _ in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.rotary = Rotary(c.hidden_size // c.num_attention_heads, c.rope_theta)

    def forward(self, input_ids):
        x = self.embed_tokens(input_ids)
        cos, sin = self.rotary(input_ids)
        for layer in self.layers:
            x = layer(x, cos, sin)
        return x  # before the final norm: callers gather rows first, then norm + lm_head only where needed

    def window(self, input_ids, start, past_keys, past_values):
        """Hidden states of a window input_ids [1, W] starting at canvas position start ([1] int64), attending over
        cached keys/values past_* [layers, kv, S, d] of the whole canvas with the window's slots refreshed.
        Returns (hidden [1, W, H], present keys, present values), the latter in the past_* layout."""
        idx = start + torch.arange(input_ids.shape[1], device=input_ids.device, dtype=torch.long)
        x = self.embed_tokens(input_ids)
        cos, sin = self.rotary.at(idx.to(torch.float32))
        ks, vs = [], []
        for i, layer in enumerate(self.layers):
            x, k, v = layer.window(x, cos, sin, past_keys[i:i + 1], past_values[i:i + 1], idx)
            ks.append(k)
            vs.append(v)
        return x, torch.cat(ks, 0), torch.cat(vs, 0)


class DreamLM(nn.Module):
    def __init__(self, c: DreamConfig):
        super().__init__()
        self.config = c
        self.model = DreamBackbone(c)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        self.apply(self._init)
        if c.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def _init(self, m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=self.config.initializer_range)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)

    def hidden(self, input_ids):
        """Raw hidden states [B, L, H] before the final norm."""
        return self.model(input_ids)

    def head(self, h):
        """Final norm + vocabulary projection of already-gathered rows."""
        return self.lm_head(self.model.norm(h))

    def forward(self, input_ids, positions):
        """The exported signature: input_ids int64 [1, L], positions int64 [n] -> logits float [n, vocab] for raw
        rows `positions` (shifted: row i predicts token i+1)."""
        h = self.hidden(input_ids)[0]
        return self.head(h.index_select(0, positions))

    def window_forward(self, input_ids, start, past_keys, past_values, positions):
        """The cached signature (window.onnx): a window of the canvas, its start, the cached keys/values of the whole
        canvas [layers, kv, S, head_dim] and raw rows `positions` relative to the window -> (logits [n, vocab],
        present keys, present values). The window = the whole canvas with any past gives the exact forward pass
        and fresh keys/values for later windows (a prefill)."""
        h, k, v = self.model.window(input_ids, start, past_keys, past_values)
        return self.head(h[0].index_select(0, positions)), k, v

    def cache_shape(self, seq: int):
        c = self.config
        return (c.num_hidden_layers, c.num_key_value_heads, seq, c.hidden_size // c.num_attention_heads)

    def full_logits(self, input_ids):
        """All raw rows [B, L, vocab]; for tests and small evaluations only."""
        return self.head(self.hidden(input_ids))

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def load_state_dict_checked(model: DreamLM, sd: dict) -> None:
    """Loads HF-named weights; a tied checkpoint may omit lm_head.weight. Any other mismatch is an error."""
    sd = dict(sd)
    if model.config.tie_word_embeddings:
        sd.pop("lm_head.weight", None)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [k for k in missing if not (k == "lm_head.weight" and model.config.tie_word_embeddings)]
    unexpected = [k for k in unexpected if not k.endswith("rotary_emb.inv_freq")]
    if missing or unexpected:
        raise ValueError(f"checkpoint does not match the model: missing {missing[:5]}, unexpected {unexpected[:5]}")
