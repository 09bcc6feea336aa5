"""bench/provider_ops.py: every operator of our graphs (the bundled v1 graphs, graph v2 in every dtype) is classified
for WebGPU, DirectML and CoreML against the onnxruntime-node 1.30 binaries; a new operator in the graph builder
without a row in its tables fails here. And the heavy operators of the real-model graphs run on the GPU providers
auto tries."""
import importlib.util
import os
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("provider_ops", os.path.join(ROOT, "bench", "provider_ops.py"))
provider_ops = importlib.util.module_from_spec(spec)
spec.loader.exec_module(provider_ops)


class ProviderOps(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ev = provider_ops.evidence()
        cls.graphs = {name: provider_ops.graph_ops(g) for name, g in provider_ops.v2_graphs()}
        cls.graphs["v1"] = provider_ops.graph_ops(os.path.join(ROOT, "models", "diffucode-tiny", "model.onnx"))

    def test_the_binaries_name_the_kernels_read(self):
        wg, dml, coreml = self.ev
        self.assertIn((1, None), wg[("com.microsoft", "MatMulNBits")])
        self.assertTrue({"GroupQueryAttention", "MatMulNBits", "SkipLayerNormalization"} <= dml)
        self.assertIn("Gemm", coreml)

    def test_every_operator_is_classified_for_every_provider(self):
        for name, (opset, count) in self.graphs.items():
            r = provider_ops.classify(opset, count, self.ev)
            for ep in ("webgpu", "dml", "coreml"):
                self.assertEqual(set(r[ep]["gpu"]) | set(r[ep]["cpu"]), {op for _, op in count}, f"{name} {ep}")

    def test_heavy_operators_of_int4_graphs_run_on_webgpu_and_directml_not_coreml(self):
        opset, count = self.graphs["graph v2 int4"]
        r = provider_ops.classify(opset, count, self.ev)
        for op in ("MatMulNBits", "GroupQueryAttention", "SkipSimplifiedLayerNormalization"):
            self.assertIn(op, r["webgpu"]["gpu"])
            self.assertIn(op, r["dml"]["gpu"])
            self.assertIn(op, r["coreml"]["cpu"])


if __name__ == "__main__":
    unittest.main()
