"""GGUF import (the TypeScript reader src/models/checkpoint/gguf and converter, `node dist/cli.js convert`) on GGUF files written here with the `gguf` package's writer from a tiny
RANDOM Dream checkpoint, laid out as llama.cpp's convert_hf_to_gguf.py lays out a DreamModel (arch "dream",
attention.causal false, mask token id, blk.N.* tensor names, byte-level BPE token list with [PADn] rows, no q/k
permutation). F16 must give the safetensors export's logits; Q8_0/Q4_0 stay within their rounding; K-quant
blocks (which the gguf package cannot quantize, so random valid blocks are written) must give exactly what the
gguf package's own dequantization gives; the tokenizer must give the same ids as the checkpoint's."""
import json
import os
import tempfile
import unittest

import numpy as np

from training.common import Fatal
from training.hf.convert_cli import export_main, run_convert
from training.hf.make_tiny_checkpoint import make_tiny_checkpoint
from training.hf.node_tools import run_tokenizer
from training.hf.run_graph import open_session, run_graph
from training.hf.safetensors_io import SafetensorsFile

# K-quants need rows that are multiples of 256 values: hidden 256, MLP 512 (4 heads of 64 over 2 KV heads).
SHAPE = {"hidden_size": 256, "intermediate_size": 512}
LAYER_NAMES = {"input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
               "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
               "self_attn.v_proj.weight": "attn_v.weight", "self_attn.q_proj.bias": "attn_q.bias",
               "self_attn.k_proj.bias": "attn_k.bias", "self_attn.v_proj.bias": "attn_v.bias",
               "self_attn.o_proj.weight": "attn_output.weight", "mlp.gate_proj.weight": "ffn_gate.weight",
               "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight"}
K_BLOCK = {"Q4_K": (144, (0, 2)), "Q5_K": (176, (0, 2)), "Q6_K": (210, (208,))}  # bytes, offsets of fp16 scales


def gguf_name(hf: str) -> str:
    if hf.startswith("model.layers."):
        _, _, i, rest = hf.split(".", 3)
        return f"blk.{i}.{LAYER_NAMES[rest]}"
    return {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
            "lm_head.weight": "output.weight"}[hf]


def checkpoint_arrays(ckpt: str) -> dict:
    out = {}
    for name in sorted(os.listdir(ckpt)):
        if name.endswith(".safetensors"):
            f = SafetensorsFile(os.path.join(ckpt, name))
            out.update({k: f.tensor(k) for k in f.keys()})
    return out


def random_k_blocks(kind: str, rows: int, cols: int, rng) -> np.ndarray:
    """Valid K-quant bytes: random codes and sub-scales, small fp16 super-block scales."""
    size, scale_at = K_BLOCK[kind]
    blocks = rng.integers(0, 256, (rows, cols // 256, size), dtype=np.uint8)
    for off in scale_at:
        d = (rng.uniform(0.5, 1.0, (rows, cols // 256)) * (2e-5 if kind == "Q6_K" else 1e-4)).astype(np.float16)
        blocks[:, :, off:off + 2] = d.view(np.uint8).reshape(rows, cols // 256, 2)
    return blocks.reshape(rows, -1)


def write_gguf(ckpt: str, path: str, qtype: str = "F16", arch: str = "dream", causal=False, mask=True,
               meta: dict = None, seed: int = 0) -> dict:
    """The GGUF llama.cpp's converter would write for this checkpoint; returns the float32 weights it encodes
    (HF names), dequantized by the gguf package."""
    import gguf
    from gguf import quants
    T = gguf.GGMLQuantizationType
    with open(os.path.join(ckpt, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    meta = {**{"embedding_length": cfg["hidden_size"], "block_count": cfg["num_hidden_layers"]}, **(meta or {})}
    w = gguf.GGUFWriter(path, arch)
    w.add_name("tiny-random-dream")
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(meta["embedding_length"])
    w.add_block_count(meta["block_count"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_rope_freq_base(cfg["rope_theta"])
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    if causal is not None:
        w.add_causal_attention(causal)
    with open(os.path.join(ckpt, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(ckpt, "added_tokens.json"), encoding="utf-8") as f:
        added = json.load(f)
    with open(os.path.join(ckpt, "tokenizer_config.json"), encoding="utf-8") as f:
        tok_cfg = json.load(f)
    by_id = {i: t for t, i in vocab.items()}
    by_id.update({i: t for t, i in added.items()})
    tokens = [by_id.get(i, f"[PAD{i}]") for i in range(cfg["vocab_size"])]
    types = [3 if i in added.values() else (1 if i in by_id else 5) for i in range(cfg["vocab_size"])]
    with open(os.path.join(ckpt, "merges.txt"), encoding="utf-8") as f:
        merges = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#version")]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(added[tok_cfg["bos_token"]])
    w.add_eos_token_id(cfg["eos_token_id"])
    w.add_pad_token_id(added[tok_cfg["pad_token"]])
    if mask:
        w.add_mask_token_id(cfg["mask_token_id"])
    rng = np.random.default_rng(seed)
    encoded = {}
    for name, arr in sorted(checkpoint_arrays(ckpt).items()):
        if arr.ndim == 1:  # norms and biases stay F32, as llama.cpp keeps them
            w.add_tensor(gguf_name(name), arr.astype(np.float32))
            encoded[name] = arr.astype(np.float32)
            continue
        kind = T[qtype]
        if qtype in K_BLOCK:
            data = random_k_blocks(qtype, arr.shape[0], arr.shape[1], rng)
        elif qtype == "F16":
            data = arr.astype(np.float16)
        else:
            data = quants.quantize(arr, kind)
        w.add_tensor(gguf_name(name), data, raw_dtype=None if qtype == "F16" else kind)
        encoded[name] = np.asarray(quants.dequantize(data, kind), np.float32).reshape(arr.shape)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return encoded


def reference_logits(ckpt: str, weights: dict, ids, rows) -> np.ndarray:
    """training/model.py's Dream module with the given float weights."""
    import torch
    from training.model import DreamConfig, DreamLM, load_state_dict_checked
    with open(os.path.join(ckpt, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    model = DreamLM(DreamConfig.from_dict(cfg))
    load_state_dict_checked(model, {k: torch.from_numpy(v) for k, v in weights.items()})
    with torch.no_grad():
        return model.eval().full_logits(torch.tensor([ids]))[0].numpy()[rows]


class GGUFImport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.ckpt = os.path.join(cls.tmp.name, "dream-ckpt")
        cls.cfg = make_tiny_checkpoint(cls.ckpt, overrides=SHAPE)
        cls.st_out = os.path.join(cls.tmp.name, "from-safetensors")
        export_main([cls.ckpt, cls.st_out, "--dtype", "fp32", "--quiet"])
        with open(os.path.join(cls.st_out, "manifest.json"), encoding="utf-8") as f:
            cls.manifest = json.load(f)
        rng = np.random.default_rng(5)
        cls.ids = [int(i) for i in rng.integers(0, 400, 32)]
        cls.ids[0] = cls.manifest["tokens"]["bos"]
        cls.ids[10:16] = [cls.manifest["tokens"]["mask"]] * 6
        cls.rows = [0, 9, 10, 13, 15, 31]
        cls.st_logits = run_graph(open_session(cls.st_out), cls.ids, cls.rows, outputs=["logits"])["logits"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def _import(self, qtype: str, dtype: str = "fp32", flags=(), **kw):
        path = os.path.join(self.tmp.name, f"tiny-{qtype}.gguf")
        encoded = write_gguf(self.ckpt, path, qtype, **kw)
        out = os.path.join(tempfile.mkdtemp(dir=self.tmp.name), f"from-{qtype}-{dtype}")
        export_main([path, out, "--dtype", dtype, "--quiet", "--license", "mit", *flags])
        got = run_graph(open_session(out), self.ids, self.rows, outputs=["logits"])["logits"]
        return out, got, encoded

    def test_f16_gives_the_safetensors_exports_logits_and_manifest(self):
        out, got, _ = self._import("F16")
        np.testing.assert_allclose(got, self.st_logits, atol=1e-5, rtol=0)
        with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
            man = json.load(f)
        self.assertEqual(man["tokens"], self.manifest["tokens"])
        self.assertEqual((man["family"], man["shiftedLogits"], man["vocabSize"]), ("dream", True, self.cfg["vocab_size"]))
        self.assertIn("ggufSha256", man["provenance"])

    def test_tokenizer_gives_the_checkpoints_ids(self):
        out, _, _ = self._import("F16")
        texts = ["def add(a, b):\n    return a + b<|mask|><|mask|>\n", "  for (let i = 0; i < n; i++) {}\t\u00e9\u4e2d"]
        want = run_tokenizer(self.st_out, texts)
        got = run_tokenizer(out, texts)
        self.assertEqual([g["ids"] for g in got], [w["ids"] for w in want])
        with open(os.path.join(out, "tokenizer.json"), encoding="utf-8") as f:
            tok = json.load(f)
        self.assertFalse(any(t.startswith("[PAD") for t in tok["model"]["vocab"]), "padding rows are not tokens")

    def test_q8_0_and_q4_0_within_their_rounding(self):
        scale = float(np.abs(self.st_logits).max())
        for qtype, bound in (("Q8_0", 0.02), ("Q4_0", 0.25)):
            with self.subTest(qtype=qtype):
                _, got, encoded = self._import(qtype)
                # exactly the dequantized weights (the import adds no error of its own) ...
                want = reference_logits(self.ckpt, encoded, self.ids, self.rows)
                self.assertLessEqual(float(np.abs(got - want).max()) / scale, 1e-4)
                # ... which are within the format's rounding of the original model
                self.assertLessEqual(float(np.abs(got - self.st_logits).max()) / scale, bound)

    def test_k_quants_match_the_gguf_packages_dequantization(self):
        for qtype in ("Q4_K", "Q5_K", "Q6_K"):
            with self.subTest(qtype=qtype):
                _, got, encoded = self._import(qtype)
                want = reference_logits(self.ckpt, encoded, self.ids, self.rows)
                scale = float(np.abs(want).max())
                self.assertGreater(scale, 0.1)
                self.assertLessEqual(float(np.abs(got - want).max()) / scale, 1e-4)

    def test_q4_0_and_q8_0_map_block_for_block_onto_matmulnbits(self):
        """Q4_0 -> int4 and Q8_0 -> int8 are copied, not rounded again: with float activations (accuracy level 0)
        the graph computes with exactly the weights the GGUF encodes."""
        for qtype, dtype in (("Q4_0", "int4"), ("Q8_0", "int8")):
            with self.subTest(qtype=qtype):
                _, got, encoded = self._import(qtype, dtype=dtype,
                                               flags=("--accuracy-level", "0", "--head-bits", dtype[3:]))
                want = reference_logits(self.ckpt, encoded, self.ids, self.rows)
                self.assertLessEqual(float(np.abs(got - want).max()) / float(np.abs(want).max()), 1e-4)

    def test_q4_0_to_int4_with_the_default_8_bit_head_stays_close(self):
        _, got, encoded = self._import("Q4_0", dtype="int4")  # layers copied, embedding and head re-rounded to 8 bits
        want = reference_logits(self.ckpt, encoded, self.ids, self.rows)
        self.assertLessEqual(float(np.abs(got - want).max()) / float(np.abs(want).max()), 0.05)


class GGUFRefusals(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.ckpt = os.path.join(cls.tmp.name, "dream-ckpt")
        make_tiny_checkpoint(cls.ckpt, overrides=SHAPE)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def _fails(self, pattern, path):
        out = os.path.join(self.tmp.name, "out")
        with self.assertRaisesRegex(Fatal, pattern):
            export_main([path, out, "--dtype", "fp32", "--quiet", "--license", "mit"])
        self.assertFalse(os.path.exists(out) or os.path.exists(out + ".partial"), "nothing half-written")

    def _write(self, name, **kw):
        path = os.path.join(self.tmp.name, name)
        write_gguf(self.ckpt, path, kw.pop("qtype", "Q8_0"), **kw)
        return path

    def test_bad_files_are_refused_with_one_clear_line(self):
        self._fails("unsupported GGUF architecture 'llama'", self._write("llama.gguf", arch="llama"))
        self._fails(r"causal \(autoregressive\) qwen2 model \(qwen2.attention.causal is true\)",
                    self._write("causal.gguf", arch="qwen2", causal=True))
        self._fails(r"causal \(autoregressive\) qwen2 model \(qwen2.attention.causal is missing\)",
                    self._write("plain-qwen2.gguf", arch="qwen2", causal=None))
        self._fails("no tokenizer.ggml.mask_token_id", self._write("nomask.gguf", mask=False))
        self._fails("tensor token_embd.weight is TQ2_0, which this importer does not read",
                    self._write("tq2_0.gguf", qtype="TQ2_0"))  # ternary blocks (Q5_0 is read since the IQ4_NL commit)
        self._fails("the metadata implies tensor.*blk.2", self._write("layers.gguf", meta={"block_count": 3}))
        self._fails("metadata contradicts the tensors: token_embd.weight is",
                    self._write("width.gguf", meta={"embedding_length": 128}))
        good = self._write("good.gguf")
        with open(good, "rb") as f:
            data = f.read()
        cut = os.path.join(self.tmp.name, "cut.gguf")
        with open(cut, "wb") as f:
            f.write(data[:len(data) - 5000])
        self._fails(r"not a readable GGUF file \(truncated or corrupt", cut)  # the tensor data cut short
        with open(cut, "wb") as f:
            f.write(data[:200])
        self._fails(r"not a readable GGUF file \(truncated or corrupt", cut)  # the header cut short

    def test_a_qwen2_gguf_that_declares_bidirectional_attention_imports(self):
        path = self._write("open-dcoder-style.gguf", arch="qwen2", causal=False)
        out = os.path.join(self.tmp.name, "qwen2-out")
        export_main([path, out, "--dtype", "int8", "--quiet", "--license", "apache-2.0"])
        self.assertTrue(os.path.exists(os.path.join(out, "model.onnx")))

    def test_command_line_exit_2(self):
        path = self._write("cli-causal.gguf", arch="qwen2", causal=True)
        r = run_convert([path, os.path.join(self.tmp.name, "cli-out")])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("causal (autoregressive)", r.stderr)


if __name__ == "__main__":
    unittest.main()
