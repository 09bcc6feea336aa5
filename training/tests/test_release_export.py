"""The release's export through the converter (training/release_export.py) on the shipped model's kept checkpoint:
the folder is graph v2 and passes model_folder.validate_folder, its manifest is the shipped one's (sampler, gate,
provenance, tokens, contract) but for what graph v2 changes, and model_folder refuses broken folders."""
import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

from training.common import ROOT, Fatal
from training.model_folder import check_graph, validate_folder
from training.release_export import main as release_export_main

SHIPPED = os.path.join(ROOT, "models", "diffucode-tiny")
CHECKPOINT = os.path.join(ROOT, "training", "checkpoints", "diffucode-tiny.pt")


class ReleaseExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "tiny-v2")
        with contextlib.redirect_stdout(io.StringIO()):
            release_export_main(["--checkpoint", CHECKPOINT, "--out", cls.out, "--like", SHIPPED])
        with open(os.path.join(cls.out, "manifest.json"), encoding="utf-8") as f:
            cls.man = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def copy(self, name):
        d = os.path.join(self.tmp.name, name)
        shutil.copytree(self.out, d)
        return d

    def test_graph_v2_with_the_shipped_manifest(self):
        self.assertEqual(validate_folder(self.out, max_mb=40), self.man)
        self.assertEqual(check_graph(self.out, self.man), 2)
        with open(os.path.join(SHIPPED, "manifest.json"), encoding="utf-8") as f:
            shipped = json.load(f)
        self.assertEqual(shipped.pop("windowGraph"), "window.onnx")  # graph v2 serves the dual cache itself
        new = dict(self.man)
        self.assertEqual(new.pop("weights"), {"dtype": "fp32"})
        self.assertEqual(new["provenance"].pop("exportedBy"), "diffucode convert (src/models/convert)")
        self.assertEqual(new, shipped)
        self.assertEqual(list(new), list(shipped))  # ghostText right after sampler, as released
        for f in ("MODEL_CARD.md", "tokenizer.json", "tokenizer_config.json"):
            with open(os.path.join(SHIPPED, f), "rb") as a, open(os.path.join(self.out, f), "rb") as b:
                self.assertEqual(a.read(), b.read(), f)

    def test_refuses_an_existing_folder(self):
        with self.assertRaisesRegex(Fatal, "exists"):
            release_export_main(["--checkpoint", CHECKPOINT, "--out", self.out, "--like", SHIPPED])

    def test_validate_refuses_wrong_token_ids(self):
        d = self.copy("bad-ids")
        man = dict(self.man, tokens=dict(self.man["tokens"], mask=5))
        with open(os.path.join(d, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(man, f)
        with self.assertRaisesRegex(Fatal, r"tokens\.mask = 5"):
            validate_folder(d)

    def test_validate_refuses_a_truncated_weights_file(self):
        d = self.copy("truncated")
        data = os.path.join(d, "model.onnx.data")
        os.truncate(data, os.path.getsize(data) // 2)
        with self.assertRaisesRegex(Fatal, "model.onnx"):
            validate_folder(d)

    def test_validate_refuses_a_window_graph_beside_graph_v2_and_a_missing_file(self):
        d = self.copy("window")
        with open(os.path.join(d, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(dict(self.man, windowGraph="window.onnx"), f)
        with self.assertRaisesRegex(Fatal, "must not name a windowGraph"):
            validate_folder(d)
        os.remove(os.path.join(d, "MODEL_CARD.md"))
        with self.assertRaisesRegex(Fatal, "lacks MODEL_CARD.md"):
            validate_folder(d)

    def test_validate_refuses_an_oversized_folder(self):
        with self.assertRaisesRegex(Fatal, "over the 1.0 MB limit"):
            validate_folder(self.out, max_mb=1.0)


if __name__ == "__main__":
    unittest.main()
