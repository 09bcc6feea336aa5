"""The streaming graph builder (graph v2) against the torch module (training/model.py) on tiny configs, in every
weight format: logits, bidirectional attention, window passes over a cut cache, the confidence head, and the
int4/int8 packing against ONNX Runtime's own quantizer."""
import os
import tempfile
import unittest

import numpy as np

from training.hf.graph_builder import ArraySource, BuildOptions, build_graph
from training.hf.quantize import dequantize_rows, quantize_rows
from training.hf.run_graph import cut_window, open_session, run_graph
from training.hf.weights_file import WeightsFile

CFG = dict(vocab_size=320, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
           num_key_value_heads=2, rope_theta=10000.0, rms_norm_eps=1e-6)


def torch_model(tied: bool, seed: int = 0):
    import torch
    from training.model import DreamConfig, DreamLM

    torch.manual_seed(seed)
    m = DreamLM(DreamConfig.from_dict({**CFG, "tie_word_embeddings": tied})).eval()
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.normal_(0, 0.3 if "embed" in name else 1 / np.sqrt(p.shape[-1]))
    return m


def build(model, dtype: str, folder: str, **opts) -> str:
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    cfg = {**CFG, "tie_word_embeddings": model.config.tie_word_embeddings}
    weights = WeightsFile(folder)
    graph = build_graph(cfg, ArraySource(sd), weights, BuildOptions(dtype=dtype, max_positions=256, **opts))
    weights.close()
    import onnx
    onnx.save(graph, os.path.join(folder, "model.onnx"))
    return folder


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
            p.copy_(torch.from_numpy(dequantize_rows(q, s, b, block)))
    return ref


class GraphMatchesTorch(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        rng = np.random.default_rng(3)
        self.ids = [int(i) for i in rng.integers(3, CFG["vocab_size"], 30)]
        self.rows = [0, 7, 8, 15, 29]

    def tearDown(self):
        self.tmp.cleanup()

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
                model = torch_model(tied)
                folder = tempfile.mkdtemp(dir=self.tmp.name)
                sess = open_session(build(model, dtype, folder, **opts))
                got = run_graph(sess, self.ids, self.rows, outputs=["logits"])["logits"]
                ref = dequantized_reference(model, *bits) if bits else model
                want = self._want(ref)
                self.assertEqual(got.shape, (len(self.rows), CFG["vocab_size"]))
                scale = float(np.abs(want).max())
                self.assertGreater(scale, 1.0)
                self.assertLessEqual(float(np.abs(got - want).max()) / scale, tol)
                if dtype == "fp32":  # the folder holds the graph and one weights file, nothing else
                    self.assertEqual(sorted(os.listdir(folder)), ["model.onnx", "model.onnx.data"])

    def test_accuracy_level_4_stays_close_to_the_float_path(self):
        model = torch_model(False)
        sess = open_session(build(model, "int4", tempfile.mkdtemp(dir=self.tmp.name), accuracy_level=4, head_bits=8))
        got = run_graph(sess, self.ids, self.rows, outputs=["logits"])["logits"]
        want = self._want(dequantized_reference(model, 4, 8))
        # int8 activations: a looser bound than the float path, still far below the logits' spread
        self.assertLessEqual(float(np.abs(got - want).max()) / float(np.abs(want).max()), 0.05)

    def test_attention_is_bidirectional(self):
        sess = open_session(build(torch_model(False), "fp32", tempfile.mkdtemp(dir=self.tmp.name)))
        p = 10
        before = run_graph(sess, self.ids, [p], outputs=["logits"])["logits"]
        later = list(self.ids)
        later[p + 5] = (later[p + 5] + 1) % CFG["vocab_size"]  # a token AFTER row p
        after = run_graph(sess, later, [p], outputs=["logits"])["logits"]
        self.assertGreater(float(np.abs(after - before).max()), 1e-3)

    def test_window_pass_over_a_cut_cache_matches_torch_window_forward(self):
        import torch
        model = torch_model(False)
        sess = open_session(build(model, "fp32", tempfile.mkdtemp(dir=self.tmp.name)))
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
        sess = open_session(build(torch_model(False), "fp32", tempfile.mkdtemp(dir=self.tmp.name)))
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
                packed, scales = quantize_rows(w, bits, 32)
                np.testing.assert_array_equal(ref_b.reshape(packed.shape), packed)
                np.testing.assert_array_equal(ref_s.reshape(scales.shape), scales)


if __name__ == "__main__":
    unittest.main()
