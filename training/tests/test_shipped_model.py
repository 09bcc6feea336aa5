"""The model folder shipped in models/diffucode-tiny: files, manifest, token ids, size, and that it runs."""
import json
import os
import unittest

import numpy as np

from training.common import BOS_ID, EOS_ID, MASK_ID, ROOT
from training.model_folder import validate_folder
from training.hf.node_tools import run_onnx, run_window
from training.tokenizer import load

MODEL_DIR = os.path.join(ROOT, "models", "diffucode-tiny")


class ShippedModelTest(unittest.TestCase):
    def test_folder_is_valid_and_small(self):
        man = validate_folder(MODEL_DIR, max_mb=40)  # ORT loads it, signature (graph v1 + window), ids vs tokenizer, size
        self.assertEqual(man["name"], "diffucode-tiny")
        self.assertEqual(man["family"], "dream")
        self.assertTrue(man["shiftedLogits"])
        self.assertEqual(man["io"], {"inputIds": "input_ids", "positions": "positions", "logits": "logits"})
        self.assertGreater(man["contextLength"], 64)
        self.assertIn(man["sampler"]["algorithm"], ("threshold", "origin", "maskgit_plus", "topk_margin", "entropy"))
        self.assertTrue(man["license"])
        self.assertGreater(man["provenance"]["tokens"], 0)
        with open(os.path.join(MODEL_DIR, "MODEL_CARD.md"), encoding="utf-8") as f:
            self.assertIn("diffucode-tiny", f.read())

    def test_token_ids_match_tokenizer(self):
        with open(os.path.join(MODEL_DIR, "manifest.json"), encoding="utf-8") as f:
            man = json.load(f)
        enc = load(os.path.join(MODEL_DIR, "tokenizer.json"))
        t = man["tokens"]
        self.assertEqual((t["eos"], t["mask"], t["bos"], t["pad"]), (EOS_ID, MASK_ID, BOS_ID, EOS_ID))
        self.assertEqual(enc.encode("<|endoftext|><|mask|><|beginoftext|>"), [t["eos"], t["mask"], t["bos"]])
        self.assertEqual(t["stop"], [t["eos"]])
        self.assertIsNone(t["expand"])
        self.assertEqual(len(enc.vocab), man["vocabSize"])
        with open(os.path.join(MODEL_DIR, "tokenizer_config.json"), encoding="utf-8") as f:
            self.assertIs(json.load(f)["clean_up_tokenization_spaces"], False)

    def test_runs_in_onnxruntime_node(self):
        enc = load(os.path.join(MODEL_DIR, "tokenizer.json"))
        prefix, suffix = enc.encode("def add(a, b):\n    return "), enc.encode("\n\nprint(add(1, 2))\n")
        ids = [BOS_ID] + prefix + [MASK_ID] * 6 + suffix + [EOS_ID]
        gap = list(range(1 + len(prefix), 1 + len(prefix) + 6))
        # shifted: row j-1 predicts token j
        out = run_onnx(os.path.join(MODEL_DIR, "model.onnx"), ids, [j - 1 for j in gap])
        self.assertEqual(out["dims"], [6, 8192])
        logits = out["logits"]
        self.assertTrue(np.isfinite(logits).all())
        self.assertGreater(float(logits.std()), 0.0)

    def test_window_graph_matches_the_main_graph(self):
        with open(os.path.join(MODEL_DIR, "manifest.json"), encoding="utf-8") as f:
            man = json.load(f)
        self.assertEqual(man["windowGraph"], "window.onnx")
        a = man["architecture"]
        enc = load(os.path.join(MODEL_DIR, "tokenizer.json"))
        ids = [BOS_ID] + enc.encode("for i in range(10):\n    ") + [MASK_ID] * 5 + enc.encode("\n") + [EOS_ID]
        rows = list(range(len(ids) - 8, len(ids) - 2))
        shape = (a["num_hidden_layers"], a["num_key_value_heads"], len(ids), a["hidden_size"] // a["num_attention_heads"])
        zeros = np.zeros(shape, dtype=np.float32)
        win = run_window(os.path.join(MODEL_DIR, "window.onnx"), ids, 0, zeros, zeros, rows)
        main = run_onnx(os.path.join(MODEL_DIR, "model.onnx"), ids, rows)
        self.assertLessEqual(float(np.abs(win["logits"] - main["logits"]).max()), 1e-4)


if __name__ == "__main__":
    unittest.main()
