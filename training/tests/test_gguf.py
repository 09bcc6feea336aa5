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
from training.hf.tiny_gguf import write_gguf

# K-quants need rows that are multiples of 256 values: hidden 256, MLP 512 (4 heads of 64 over 2 KV heads).
SHAPE = {"hidden_size": 256, "intermediate_size": 512}
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
