"""The one graph builder (the TypeScript converter, src/models/convert, run as `node dist/cli.js convert`) against
the torch module (training/model.py) on tiny configs, in every weight format: logits, bidirectional attention, window
passes over a cut cache, the confidence head, and the int4/int8 packing against ONNX Runtime's own quantizer.
The torch module's weights are written as a Hugging Face checkpoint (F32 safetensors) and converted like any other."""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np

from training.common import ROOT
from training.hf.convert_cli import convert, ensure_built
from training.hf.make_tiny_checkpoint import make_tiny_checkpoint
from training.hf.run_graph import cut_window, open_session, run_graph
from training.hf.safetensors_io import write_safetensors

# The block shape under test; make_tiny_checkpoint supplies the tokenizer and the vocabulary size.
SHAPE = dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             rope_theta=10000.0, rms_norm_eps=1e-6)


def torch_model(cfg: dict, seed: int = 0):
    import torch
    from training.model import DreamConfig, DreamLM

    torch.manual_seed(seed)
    m = DreamLM(DreamConfig.from_dict(cfg)).eval()
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.normal_(0, 0.3 if "embed" in name else 1 / np.sqrt(p.shape[-1]))
    return m


def checkpoint(folder: str, tied: bool, seed: int = 0):
    """A checkpoint folder holding the torch module's own weights (F32, one file); returns (cfg, module)."""
    cfg = make_tiny_checkpoint(folder, seed=seed, dtype="F32", overrides={**SHAPE, "tie_word_embeddings": tied})
    model = torch_model(cfg, seed)
    for name in os.listdir(folder):
        if name.endswith(".safetensors") or name == "model.safetensors.index.json":
            os.unlink(os.path.join(folder, name))
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    if tied:
        state.pop("lm_head.weight", None)  # a tied checkpoint stores the table once
    write_safetensors(os.path.join(folder, "model.safetensors"), state, dtype="F32", metadata={"format": "pt"})
    return cfg, model


def build(ckpt: str, dtype: str, folder: str, accuracy_level=None, head_bits=None) -> str:
    flags = ["--dtype", dtype, "--quiet", "--force"]
    if accuracy_level is not None:
        flags += ["--accuracy-level", str(accuracy_level)]
    if head_bits is not None:
        flags += ["--head-bits", str(head_bits)]
    return convert(ckpt, folder, *flags)


def quantize_rows(w: np.ndarray, bits: int, block: int):
    """Reference quantizer (symmetric blocks, ONNX Runtime's rule; QuantizerMatchesOnnxRuntime proves both equal)."""
    n, k = w.shape
    blocks = w.reshape(n, k // block, block).astype(np.float32, copy=False)
    half = float(1 << (bits - 1))
    hi, lo = blocks.max(axis=2), blocks.min(axis=2)
    scales = (np.where(np.abs(lo) > np.abs(hi), lo, hi) / -half).astype(np.float32)
    inv = np.zeros_like(scales)
    np.divide(1.0, scales, out=inv, where=scales != 0)
    x = blocks * inv[:, :, None]
    q = np.clip(np.trunc(x + np.copysign(0.5, x)), -half, half - 1)
    return (q + half).astype(np.uint8), scales


def dequantize_rows(codes: np.ndarray, scales: np.ndarray, bits: int) -> np.ndarray:
    w = (codes.astype(np.float32) - (1 << (bits - 1))) * scales[:, :, None]
    return w.reshape(codes.shape[0], -1)


def ts_quantize(w: np.ndarray, bits: int, block: int = 32):
    """The converter's own quantizer (src/models/convert/quantize.ts) on `w`: (packed uint8, scales float32)."""
    ensure_built()
    n, k = w.shape
    script = ("import q from './src/models/convert/quantize.ts'; const { quantizeRows } = q;"
              "const chunks = []; for await (const c of process.stdin) chunks.push(c);"
              "const b = Buffer.concat(chunks); const [n, k, bits, block] = JSON.parse(process.argv[1]);"
              "const p = quantizeRows(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)), n, k, bits, block);"
              "process.stdout.write(Buffer.concat([Buffer.from(p.data), Buffer.from(p.scales.buffer)]));")
    r = subprocess.run(["node", "--import", "tsx", "--input-type=module", "-e", script, json.dumps([n, k, bits, block])],
                       input=np.ascontiguousarray(w, np.float32).tobytes(), capture_output=True, cwd=ROOT, timeout=120)
    if r.returncode != 0:
        raise AssertionError(r.stderr.decode()[-2000:])
    nbytes = n * (k // block) * block * bits // 8
    packed = np.frombuffer(r.stdout[:nbytes], np.uint8).reshape(n, k // block, block * bits // 8)
    return packed, np.frombuffer(r.stdout[nbytes:], np.float32).reshape(n, k // block)


def dequantized_reference(model, bits: int, head_bits: int, block: int = 32):
    """The same module with every weight replaced by what MatMulNBits / GatherBlockQuantized compute with."""
    import copy
    import torch

    ref = copy.deepcopy(model)
    with torch.no_grad():
        for name, p in ref.named_parameters():
            if p.dim() != 2:
                continue
            b = head_bits if ("embed" in name or "lm_head" in name) else bits
            q, s = quantize_rows(p.numpy(), b, block)
            p.copy_(torch.from_numpy(dequantize_rows(q, s, b)))
    return ref


class GraphMatchesTorch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.ckpts = {}
        for tied in (False, True):
            folder = os.path.join(cls.tmp.name, f"ckpt-{'tied' if tied else 'untied'}")
            cls.ckpts[tied] = (folder, *checkpoint(folder, tied))
        cls.vocab = cls.ckpts[False][1]["vocab_size"]
        rng = np.random.default_rng(3)
        cls.ids = [int(i) for i in rng.integers(3, cls.vocab, 30)]
        cls.rows = [0, 7, 8, 15, 29]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def _build(self, tied: bool, dtype: str, **opts):
        folder, _, model = self.ckpts[tied]
        return model, build(folder, dtype, tempfile.mkdtemp(dir=self.tmp.name), **opts)

    def _want(self, model, ids=None, rows=None):
        import torch
        with torch.no_grad():
            return model(torch.tensor([ids or self.ids]), torch.tensor(rows or self.rows)).numpy()

    def test_every_format_matches_its_torch_reference(self):
        cases = [  # (dtype, tied, options, reference, tolerance)
            ("fp32", False, {}, None, 1e-4),
            ("fp32", True, {}, None, 1e-4),
            ("fp16", False, {}, None, 3e-2),
            ("int8", False, {"accuracy_level": 0}, (8, 8), 1e-3),
            ("int4", False, {"accuracy_level": 0, "head_bits": 8}, (4, 8), 1e-3),
            ("int4", True, {"accuracy_level": 0, "head_bits": 4}, (4, 4), 1e-3),
            ("int4", True, {"accuracy_level": 0, "head_bits": 8}, (4, 8), 1e-3),
        ]
        for dtype, tied, opts, bits, tol in cases:
            with self.subTest(dtype=dtype, tied=tied, **opts):
                model, folder = self._build(tied, dtype, **opts)
                sess = open_session(folder)
                got = run_graph(sess, self.ids, self.rows, outputs=["logits"])["logits"]
                ref = dequantized_reference(model, *bits) if bits else model
                want = self._want(ref)
                self.assertEqual(got.shape, (len(self.rows), self.vocab))
                scale = float(np.abs(want).max())
                self.assertGreater(scale, 1.0)
                self.assertLessEqual(float(np.abs(got - want).max()) / scale, tol)
                if dtype == "fp32":  # the graph, one weights file, the tokenizer, manifest and card, nothing else
                    self.assertEqual(sorted(os.listdir(folder)), ["MODEL_CARD.md", "manifest.json", "model.onnx",
                                                                  "model.onnx.data", "tokenizer.json",
                                                                  "tokenizer_config.json"])

    def test_accuracy_level_4_stays_close_to_the_float_path(self):
        model, folder = self._build(False, "int4", accuracy_level=4, head_bits=8)
        sess = open_session(folder)
        got = run_graph(sess, self.ids, self.rows, outputs=["logits"])["logits"]
        want = self._want(dequantized_reference(model, 4, 8))
        # int8 activations: a looser bound than the float path, still far below the logits' spread
        self.assertLessEqual(float(np.abs(got - want).max()) / float(np.abs(want).max()), 0.05)

    def test_attention_is_bidirectional(self):
        sess = open_session(self._build(False, "fp32")[1])
        p = 10
        before = run_graph(sess, self.ids, [p], outputs=["logits"])["logits"]
        later = list(self.ids)
        later[p + 5] = (later[p + 5] + 1) % self.vocab  # a token AFTER row p
        after = run_graph(sess, later, [p], outputs=["logits"])["logits"]
        self.assertGreater(float(np.abs(after - before).max()), 1e-3)

    def test_window_pass_over_a_cut_cache_matches_torch_window_forward(self):
        import torch
        model, folder = self._build(False, "fp32")
        sess = open_session(folder)
        full = run_graph(sess, self.ids, self.rows)
        lo, hi = 12, 20
        changed = list(self.ids)
        changed[14] = 5  # the block's tokens changed since the cache was made
        out = run_graph(sess, changed[lo:hi], [0, 3, 7], start=lo,
                        past=cut_window(full["present_keys"], full["present_values"], lo, hi))
        with torch.no_grad():
            want, k, _ = model.window_forward(torch.tensor([changed[lo:hi]]), torch.tensor([lo]),
                                              torch.from_numpy(full["present_keys"]),
                                              torch.from_numpy(full["present_values"]), torch.tensor([0, 3, 7]))
        self.assertLessEqual(float(np.abs(out["logits"] - want.numpy()).max()), 1e-4)
        self.assertEqual(out["present_keys"].shape, (2, 2, hi - lo, 16))
        np.testing.assert_allclose(out["present_keys"], k.numpy()[:, :, lo:hi], atol=1e-5)
        # the full pass's present is the whole canvas's post-RoPE cache
        self.assertEqual(full["present_keys"].shape, (2, 2, len(self.ids), 16))

    def test_confidence_head_equals_the_full_rows(self):
        sess = open_session(self._build(False, "fp32")[1])
        n = len(self.rows)
        banned = [1, 2, 300]
        bias = np.zeros((n, 3), np.float32)
        bias[:, 0] = -np.inf  # id 1 banned everywhere, id 300 only in row 2
        bias[2, 2] = -np.inf
        for scale in (1.0, 1 / 0.3):
            out = run_graph(sess, self.ids, self.rows, head=(5, scale, banned, bias))
            x = out["logits"].astype(np.float64) * scale
            for j in range(n):
                for i, b in enumerate(banned):
                    x[j, b] += bias[j, i]
            lse = np.log(np.exp(x - x.max(1, keepdims=True)).sum(1)) + x.max(1)
            p = np.exp(x - lse[:, None])
            ent = -(p * np.where(p > 0, np.log(np.where(p > 0, p, 1)), 0)).sum(1)
            order = np.argsort(-x, axis=1, kind="stable")[:, :5]
            np.testing.assert_array_equal(out["top_ids"], order)
            np.testing.assert_allclose(out["top_logits"], np.take_along_axis(x, order, 1), rtol=1e-5, atol=1e-4)
            np.testing.assert_allclose(out["logsumexp"], lse, rtol=1e-5, atol=1e-4)
            np.testing.assert_allclose(out["entropy"], ent, rtol=1e-4, atol=1e-4)
            self.assertNotIn(1, out["top_ids"])
            self.assertNotIn(300, out["top_ids"][2])


class QuantizerMatchesOnnxRuntime(unittest.TestCase):
    def test_packing_is_byte_identical_to_the_reference_quantizer(self):
        from onnx import TensorProto, helper, numpy_helper
        from onnxruntime.quantization import matmul_nbits_quantizer as mq

        rng = np.random.default_rng(5)
        k, n = 128, 48
        w = rng.standard_normal((n, k)).astype(np.float32)
        w[3, 5] = -9.0  # a block whose extreme value is negative
        for bits in (4, 8):
            with self.subTest(bits=bits):
                g = helper.make_graph([helper.make_node("MatMul", ["a", "w"], ["y"])], "g",
                                      [helper.make_tensor_value_info("a", TensorProto.FLOAT, [3, k])],
                                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, n])],
                                      [numpy_helper.from_array(np.ascontiguousarray(w.T), "w")])
                model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=10)
                q = mq.MatMulNBitsQuantizer(model, algo_config=mq.DefaultWeightOnlyQuantConfig(
                    block_size=32, is_symmetric=True, bits=bits))
                q.process()
                inits = {i.name: numpy_helper.to_array(i) for i in q.model.model.graph.initializer}
                ref_b = next(v for v in inits.values() if v.dtype == np.uint8)
                ref_s = next(v for v in inits.values() if v.dtype == np.float32)
                packed, scales = ts_quantize(w, bits, 32)  # the converter's quantizer
                np.testing.assert_array_equal(ref_b.reshape(packed.shape), packed)
                np.testing.assert_array_equal(ref_s.reshape(scales.shape), scales)
                codes, ref_scales = quantize_rows(w, bits, 32)  # the tests' reference quantizer
                np.testing.assert_array_equal(ref_s.reshape(scales.shape), ref_scales)
                if bits == 4:
                    codes = codes[:, :, 0::2] | (codes[:, :, 1::2] << 4)
                np.testing.assert_array_equal(codes, packed)


if __name__ == "__main__":
    unittest.main()
