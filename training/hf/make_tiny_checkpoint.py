"""Write a tiny RANDOM checkpoint in the exact Hugging Face format of DiffuCoder-7B (Dream architecture).

    .venv/bin/python -m training.hf.make_tiny_checkpoint OUT_DIR [--dreamon] [--seed N] [--dtype BF16|F16|F32]
        [--set KEY=VALUE ...] [--shape 0.5b|1.5b|7.6b]
    .venv/bin/python -m training.hf.make_tiny_checkpoint OUT_DIR --family llada|coda [--seed N]

Same config.json keys and tensor names as DiffuCoder-7B-Instruct, 2 layers of hidden size 64, bf16 tensors
sharded into two safetensors files with model.safetensors.index.json, and a Qwen2-style slow tokenizer
(vocab.json, merges.txt, added_tokens.json, tokenizer_config.json, no tokenizer.json) whose Dream special tokens
sit at small ids. `--dreamon` gives the token after the mask the DreamOn role (`<|expand|>`) instead of
DiffuCoder's `<|dlm_pad|>`. The weights are random: tests check structure and numerics, never quality.
"""
from __future__ import annotations

import argparse
import json
import os
from typing import Dict, List, Optional

import numpy as np

from training.common import Fatal, run_main
from training.hf.dream_config import expected_shapes
from training.hf.safetensors_io import write_safetensors
from training.hf.tiny_bpe import SAMPLE_CODE, bytes_to_unicode, train_merges

MERGES = 200


def tiny_config(vocab_size: int, ids: Dict[str, int]) -> dict:
    """DiffuCoder-7B-Instruct's config.json keys with tiny dimensions (GQA kept: 4 heads over 2 KV heads)."""
    return {
        "architectures": ["DreamModel"],
        "attention_dropout": 0.0,
        "auto_map": {"AutoConfig": "configuration_dream.DreamConfig", "AutoModel": "modeling_dream.DreamModel"},
        "bos_token_id": ids["<|endoftext|>"],  # DiffuCoder's config.json also says bos = eos = pad = endoftext
        "eos_token_id": ids["<|endoftext|>"],
        "hidden_act": "silu",
        "hidden_size": 64,
        "initializer_range": 0.02,
        "intermediate_size": 192,  # a multiple of 32, like every published size: int4 blocks of 32 divide it
        "mask_token_id": ids["<|mask|>"],
        "max_position_embeddings": 512,
        "max_window_layers": 2,
        "model_type": "Dream",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "pad_token_id": ids["<|endoftext|>"],
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 1000000.0,
        "sliding_window": None,
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.46.2",
        "use_cache": False,
        "use_sliding_window": False,
        "vocab_size": vocab_size,
    }


def random_weights(cfg: dict, rng: np.random.Generator) -> Dict[str, np.ndarray]:
    """Scaled like a trained model (unit-variance embeddings, 1/sqrt(fan_in) projections, norms near 1) so that
    attention is far from uniform and the ONNX/torch comparison exercises real numerics."""
    # float32 directly: big test configs stay in RAM
    return {name: _scaled(name, shape, rng.standard_normal(shape, dtype=np.float32))
            for name, shape in expected_shapes(cfg).items()}


def _scaled(name: str, shape, x: np.ndarray) -> np.ndarray:
    """Standard-normal values x (all or some rows of tensor `name`) scaled as random_weights describes."""
    if name.endswith("norm.weight"):
        return 1.0 + 0.1 * x
    if name.endswith(".bias"):
        return x * np.float32(0.1)
    if name != "model.embed_tokens.weight":
        return x / np.float32(np.sqrt(shape[-1]))
    return x


# Real shapes (config.json values of the published models) for speed and memory measurements with random weights.
SHAPES = {
    "0.5b": {"hidden_size": 896, "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
             "intermediate_size": 4864, "vocab_size": 151936, "tie_word_embeddings": True,
             "max_position_embeddings": 32768},  # Qwen2.5-Coder-0.5B
    "1.5b": {"hidden_size": 1536, "num_hidden_layers": 28, "num_attention_heads": 12, "num_key_value_heads": 2,
             "intermediate_size": 8960, "vocab_size": 151936, "tie_word_embeddings": True,
             "max_position_embeddings": 32768},  # Qwen2.5-Coder-1.5B
    "7.6b": {"hidden_size": 3584, "num_hidden_layers": 28, "num_attention_heads": 28, "num_key_value_heads": 4,
             "intermediate_size": 18944, "vocab_size": 152064, "tie_word_embeddings": False,
             "max_position_embeddings": 131072},  # DiffuCoder-7B
}
SHARD_BYTES = 4 * 1024 ** 3
QWEN_REGULAR_TOKENS = 151643  # Qwen2.5's byte-level BPE vocabulary before its special tokens


def write_random_shards(out_dir: str, cfg: dict, seed: int) -> int:
    """Random bf16 weights (scaled as random_weights does) written tensor by tensor, in row chunks, into ~4 GB
    shards with an index: a 7.6B checkpoint (15 GB) is made with a few hundred MB of memory."""
    import struct
    from training.hf.safetensors_io import f32_to_bf16_bits
    shapes = expected_shapes(cfg)
    names = sorted(shapes)
    groups, current, size = [], [], 0
    for name in names:
        nbytes = int(np.prod(shapes[name])) * 2
        if current and size + nbytes > SHARD_BYTES:
            groups.append(current)
            current, size = [], 0
        current.append(name)
        size += nbytes
    groups.append(current)
    rng = np.random.default_rng(seed)
    weight_map, total = {}, 0
    for gi, group in enumerate(groups):
        shard = f"model-{gi + 1:05d}-of-{len(groups):05d}.safetensors"
        header, off = {"__metadata__": {"format": "pt"}}, 0
        for name in group:
            n = int(np.prod(shapes[name])) * 2
            header[name] = {"dtype": "BF16", "shape": list(shapes[name]), "data_offsets": [off, off + n]}
            off += n
        head = json.dumps(header, separators=(",", ":")).encode("utf-8")
        head += b" " * (-len(head) % 8)
        with open(os.path.join(out_dir, shard), "wb") as f:
            f.write(struct.pack("<Q", len(head)) + head)
            for name in group:
                shape = shapes[name]
                rows = shape[0]
                per_row = int(np.prod(shape[1:])) if len(shape) > 1 else 1
                step = max(1, (32 << 20) // per_row)
                for lo in range(0, rows, step):
                    x = rng.standard_normal((min(rows, lo + step) - lo,) + tuple(shape[1:]), dtype=np.float32)
                    f.write(f32_to_bf16_bits(_scaled(name, shape, x)).tobytes())
                weight_map[name] = shard
        total += off
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w", encoding="utf-8") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    return total


def bundled_merges() -> List[tuple]:
    """The bundled model's code BPE (7,933 merges, 2.9 characters a token on the typing trace): a real-shape
    checkpoint then cuts code into about as many tokens as a real model does (200 merges on a sample cut 1.4 a token),
    so the bench's forced work per answer (bench --typing-trace) is not doubled. Qwen2.5's own 151k-token BPE cuts
    code coarser still, so this stays on the pessimistic side."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "models", "diffucode-tiny", "tokenizer.json")
    with open(path, encoding="utf-8") as f:
        merges = json.load(f)["model"]["merges"]
    return [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in merges]


def write_tokenizer(out_dir: str, dreamon: bool, regular_size: Optional[int] = None) -> Dict[str, int]:
    """Qwen2-style slow tokenizer files. Returns the special token ids. `regular_size`: pad the regular vocabulary
    with tokens no merge produces up to this many, so the special tokens sit where Qwen2.5's do."""
    b2u = bytes_to_unicode()
    vocab: Dict[str, int] = {}
    for b in range(256):
        vocab[b2u[b]] = len(vocab)
    merges = bundled_merges() if regular_size is not None else train_merges(SAMPLE_CODE, MERGES)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    while regular_size is not None and len(vocab) < regular_size:
        vocab[f"<pad_{len(vocab):06d}>"] = len(vocab)
    third = "<|expand|>" if dreamon else "<|dlm_pad|>"
    # Same order as Qwen2.5 + Dream: endoftext, im_start, im_end, ... beginoftext, mask, dlm_pad/expand.
    specials: List[str] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|beginoftext|>", "<|mask|>", third]
    ids = {tok: len(vocab) + i for i, tok in enumerate(specials)}
    with open(os.path.join(out_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(out_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    with open(os.path.join(out_dir, "added_tokens.json"), "w", encoding="utf-8") as f:
        json.dump(ids, f, indent=2)
    tok_cfg = {
        "add_bos_token": False, "add_prefix_space": False,
        "added_tokens_decoder": {str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                                          "single_word": False, "special": True} for t, i in ids.items()},
        "bos_token": "<|beginoftext|>", "clean_up_tokenization_spaces": False, "eos_token": "<|endoftext|>",
        "errors": "replace", "mask_token": "<|mask|>", "model_max_length": 512,
        "pad_token": "<|endoftext|>" if dreamon else "<|dlm_pad|>", "split_special_tokens": False,
        "tokenizer_class": "DreamTokenizer", "unk_token": None,
    }
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tok_cfg, f, indent=2)
    return ids


def make_tiny_checkpoint(out_dir: str, dreamon: bool = False, seed: int = 0, dtype: str = "BF16",
                         overrides: Optional[Dict[str, object]] = None, shape: Optional[str] = None) -> dict:
    os.makedirs(out_dir, exist_ok=True)
    # At real shapes the tokenizer has Qwen2.5's size too: a 411-token tokenizer under a 151,936-row embedding left
    # 151,525 ids "past the tokenizer" that every pass must ban (a 151k-column bias), where a real model has ~300.
    ids = write_tokenizer(out_dir, dreamon, QWEN_REGULAR_TOKENS if shape else None)
    tokenizer_size = max(ids.values()) + 1
    # Like DiffuCoder (152,064 rows for 151,668 tokens), the embedding is padded past the tokenizer.
    cfg = tiny_config(-(-tokenizer_size // 64) * 64 + 64, ids)
    cfg.update(SHAPES[shape] if shape else {})
    cfg.update(overrides or {})  # e.g. vocab_size=152064 to exercise the > 2 GB external-data path
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
    _write_readme(out_dir)
    if shape:  # real sizes: streamed, bf16
        write_random_shards(out_dir, cfg, seed)
        return cfg
    weights = random_weights(cfg, np.random.default_rng(seed))
    # Two shards, split between the layers, as HF's save_pretrained does for big models.
    first = {k: v for k, v in weights.items() if k.startswith(("model.embed_tokens.", "model.layers.0."))}
    second = {k: v for k, v in weights.items() if k not in first}
    shards = {"model-00001-of-00002.safetensors": first, "model-00002-of-00002.safetensors": second}
    weight_map = {}
    total = 0
    for shard, tensors in shards.items():
        write_safetensors(os.path.join(out_dir, shard), tensors, dtype=dtype, metadata={"format": "pt"})
        weight_map.update({k: shard for k in tensors})
        total += sum(v.size for v in tensors.values()) * (4 if dtype == "F32" else 2)
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w", encoding="utf-8") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
    return cfg


def _write_readme(out_dir: str) -> None:
    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8") as f:
        f.write("---\nlicense: mit\nlibrary_name: transformers\n---\n\n# tiny-random-dream\n\n"
                "Random weights in DiffuCoder-7B's Hugging Face format, written by "
                "training/hf/make_tiny_checkpoint.py for tests. It generates noise.\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--dreamon", action="store_true", help="name the token after the mask <|expand|> (DreamOn)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", choices=["BF16", "F16", "F32"], default="BF16")
    ap.add_argument("--shape", choices=sorted(SHAPES), help="a real model's shape (Qwen2.5-Coder-0.5B/1.5B, "
                    "DiffuCoder-7B), random bf16 weights streamed to disk (0.5B: 1 GB, 7.6B: 15 GB)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a config.json value (JSON), e.g. --set hidden_size=1536 --set vocab_size=152064")
    ap.add_argument("--family", choices=["dream", "llada", "coda"], default="dream",
                    help="the published format to imitate: dream (DiffuCoder, default), llada (LLaDA-8B), coda "
                         "(CoDA-1.7B, Qwen3 blocks); see training/hf/tiny_families.py")
    args = ap.parse_args()
    if args.family != "dream":
        if args.dreamon or args.shape or args.set or args.dtype != "BF16":
            raise Fatal(f"--family {args.family} takes only OUT_DIR and --seed")
        from training.hf.tiny_families import TINY_FAMILIES
        TINY_FAMILIES[args.family](args.out_dir, args.seed)
        print(f"wrote tiny random {args.family} checkpoint to {args.out_dir}")
        return
    overrides = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise Fatal(f"--set expects KEY=VALUE, got {item!r}")
        overrides[key] = json.loads(value)
    cfg = make_tiny_checkpoint(args.out_dir, args.dreamon, args.seed, args.dtype, overrides, args.shape)
    print(f"wrote tiny random Dream checkpoint to {args.out_dir} (vocab {cfg['vocab_size']}, "
          f"{cfg['num_hidden_layers']} layers, hidden {cfg['hidden_size']}, {args.dtype})")


if __name__ == "__main__":
    run_main(main)
