"""Merging torch's one-file-per-tensor external data (what torch.onnx.export writes past 2 GB) into a single
page-aligned model.onnx.data, checked by running both graphs in onnxruntime-node."""
import os
import shutil
import tempfile
import unittest

import numpy as np

from training.export import export_onnx
from training.hf.external_data import ALIGN, consolidate, total_weight_bytes
from training.hf.make_tiny_checkpoint import make_tiny_checkpoint
from training.hf.node_tools import run_onnx


class Consolidate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        ckpt = os.path.join(cls.tmp.name, "ckpt")
        make_tiny_checkpoint(ckpt, seed=3)
        cls.model_dir = os.path.join(cls.tmp.name, "model")
        os.makedirs(cls.model_dir)
        cls.inline = os.path.join(cls.model_dir, "model.onnx")
        from training.tests.test_hf_export import reference_model
        export_onnx(reference_model(ckpt), cls.inline)  # the torch exporter's self-contained graph (tiny model path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def _per_tensor_copy(self) -> str:
        """The layout torch 1.13 writes for big models: every initializer in its own file beside the graph."""
        import onnx

        d = tempfile.mkdtemp(dir=self.tmp.name)
        m = onnx.load(self.inline)
        onnx.save_model(m, os.path.join(d, "model.onnx"), save_as_external_data=True,
                        all_tensors_to_one_file=False, size_threshold=1024)
        return os.path.join(d, "model.onnx")

    def test_per_tensor_files_become_one_aligned_data_file(self):
        import onnx

        path = self._per_tensor_copy()
        before = sorted(os.listdir(os.path.dirname(path)))
        self.assertGreater(len(before), 10)  # many per-tensor files
        weight_bytes = total_weight_bytes(path)
        self.assertEqual(consolidate(path), "model.onnx.data")
        self.assertEqual(sorted(os.listdir(os.path.dirname(path))), ["model.onnx", "model.onnx.data"])
        m = onnx.load(path, load_external_data=False)
        offsets = [int(e.value) for t in m.graph.initializer for e in t.external_data if e.key == "offset"]
        self.assertTrue(offsets and all(o % ALIGN == 0 for o in offsets))
        self.assertEqual(total_weight_bytes(path), weight_bytes)
        ids, positions = [1, 5, 9, 200, 7, 3], [0, 2, 5]
        want = run_onnx(self.inline, ids, positions)["logits"]
        np.testing.assert_array_equal(run_onnx(path, ids, positions)["logits"], want)

    def test_small_inline_model_is_left_alone(self):
        d = tempfile.mkdtemp(dir=self.tmp.name)
        path = os.path.join(d, "model.onnx")
        shutil.copyfile(self.inline, path)
        self.assertIsNone(consolidate(path))
        self.assertEqual(os.listdir(d), ["model.onnx"])

    def test_consolidating_twice_is_stable(self):
        path = self._per_tensor_copy()
        consolidate(path)
        size = os.path.getsize(path + ".data")
        self.assertEqual(consolidate(path), "model.onnx.data")
        self.assertEqual(os.path.getsize(path + ".data"), size)
        ids, positions = [1, 2, 3], [0, 1, 2]
        np.testing.assert_array_equal(run_onnx(path, ids, positions)["logits"],
                                      run_onnx(self.inline, ids, positions)["logits"])


if __name__ == "__main__":
    unittest.main()
