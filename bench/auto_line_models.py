"""Random-weight graph v2 models between the bundled model and 0.5B, for bench/auto-line.ts (where auto's
CPU/GPU line lies): the same builder as real checkpoints (training/hf/graph_builder.py), fp32 and int4.

    .venv/bin/python bench/auto_line_models.py OUT_DIR
"""
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from training.hf.graph_builder import ArraySource, BuildOptions, build_graph  # noqa: E402
from training.hf.weights_file import WeightsFile  # noqa: E402

# hidden, layers, intermediate (~2.75x hidden, Qwen2's ratio), heads of 64, 2 key/value heads; vocabulary 8192
SHAPES = {"3M": (256, 4, 704), "22M": (512, 8, 1408), "75M": (768, 12, 2112), "180M": (1024, 16, 2816)}


def build(out: str, name: str, dtype: str) -> None:
    h, layers, inter = SHAPES[name]
    cfg = dict(vocab_size=8192, hidden_size=h, intermediate_size=inter, num_hidden_layers=layers,
               num_attention_heads=h // 64, num_key_value_heads=2, rope_theta=10000.0, rms_norm_eps=1e-6,
               tie_word_embeddings=True)
    kv = 2 * 64
    r = np.random.default_rng(0)
    f = lambda *s: (r.standard_normal(s, dtype=np.float32) * 0.02)  # noqa: E731
    sd = {"model.embed_tokens.weight": f(8192, h), "model.norm.weight": np.ones(h, np.float32)}
    for i in range(layers):
        p = f"model.layers.{i}."
        sd[p + "input_layernorm.weight"] = sd[p + "post_attention_layernorm.weight"] = np.ones(h, np.float32)
        for n, (o, k) in {"q_proj": (h, h), "k_proj": (kv, h), "v_proj": (kv, h), "o_proj": (h, h)}.items():
            sd[p + f"self_attn.{n}.weight"] = f(o, k)
            if n != "o_proj":
                sd[p + f"self_attn.{n}.bias"] = np.zeros(o, np.float32)
        sd[p + "mlp.gate_proj.weight"], sd[p + "mlp.up_proj.weight"], sd[p + "mlp.down_proj.weight"] = f(inter, h), f(inter, h), f(h, inter)
    d = os.path.join(out, f"{name}-{dtype}")
    os.makedirs(d, exist_ok=True)
    w = WeightsFile(d)
    g = build_graph(cfg, ArraySource(sd), w, BuildOptions(dtype=dtype, max_positions=512))
    w.close()
    import onnx
    onnx.save(g, os.path.join(d, "model.onnx"))
    with open(os.path.join(d, "shape.json"), "w") as fh:
        json.dump({"layers": layers, "kvHeads": 2, "headDim": 64, "vocab": 8192, "config": cfg}, fh)


if __name__ == "__main__":
    for name in SHAPES:
        for dtype in ("fp32", "int4"):
            build(sys.argv[1], name, dtype)
            print(name, dtype, flush=True)
