"""Export: a tiny random model -> model folder; ONNX (onnxruntime-node) matches PyTorch within 1e-4 in fp32;
a broken export never replaces a good folder."""
import json
import os
import tempfile
import unittest

import numpy as np
import torch

from training.common import Fatal
from training.export import build_manifest, validate_folder, write_folder
from training.model import DreamConfig, DreamLM
from training.hf.node_tools import run_onnx, run_window
from training.tests.fixtures import make_tokenizer


def tiny_model(vocab, seed=0, tie=True):
    torch.manual_seed(seed)
    cfg = DreamConfig(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=tie)
    m = DreamLM(cfg)
    with torch.no_grad():  # random biases and norms too, so every parameter matters for parity
        for p in m.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return m.eval()


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.tok_dir = os.path.join(cls.tmp.name, "tok")
        cls.enc = make_tokenizer(cls.tok_dir)
        cls.vocab = len(cls.enc.vocab)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def export(self, model, name):
        out = os.path.join(self.tmp.name, name)
        man = build_manifest(model.config, name, 256, {"trainedBy": "test", "tokens": 0})
        write_folder(model, self.tok_dir, out, man)
        return out

    def parity(self, model, out, length, positions):
        g = torch.Generator().manual_seed(length)
        ids = torch.randint(3, self.vocab, (1, length), generator=g)
        ids[0, 0] = model.config.bos_token_id
        ids[0, 1:length // 3] = model.config.mask_token_id
        pos = torch.tensor(positions, dtype=torch.long)
        with torch.no_grad():
            ref = model(ids, pos).numpy()
            full = model.full_logits(ids)[0].numpy()
        np.testing.assert_allclose(ref, full[positions], atol=1e-5)  # gather-before-head == full canvas rows
        got = run_onnx(os.path.join(out, "model.onnx"), ids[0].tolist(), positions)
        self.assertEqual(got["dims"], [len(positions), self.vocab])
        diff = np.abs(got["logits"].astype(np.float64) - ref).max()
        self.assertLessEqual(diff, 1e-4, f"ONNX vs torch max abs diff {diff}")

    def test_parity_dynamic_lengths(self):
        model = tiny_model(self.vocab)
        out = self.export(model, "tied")
        # different canvas lengths and position counts through the same graph (dynamic axes)
        self.parity(model, out, 9, [0, 4, 8])
        self.parity(model, out, 70, list(range(20, 45)) + [69])
        self.parity(model, out, 33, [32])

    def test_untied_parity(self):
        model = tiny_model(self.vocab, seed=1, tie=False)
        self.parity(model, self.export(model, "untied"), 21, [0, 10, 20, 5])

    def test_folder_contents(self):
        out = self.export(tiny_model(self.vocab), "folder")
        man = validate_folder(out, max_mb=40)
        self.assertEqual(man["tokens"], {"bos": 2, "eos": 0, "pad": 0, "mask": 1, "expand": None, "stop": [0]})
        self.assertTrue(man["shiftedLogits"])
        self.assertEqual(man["vocabSize"], self.vocab)
        self.assertEqual(sorted(os.listdir(out)), ["MODEL_CARD.md", "manifest.json", "model.onnx", "model.onnx.data",
                                                   "tokenizer.json", "tokenizer_config.json", "window.onnx"])
        self.assertEqual(man["windowGraph"], "window.onnx")
        # one copy of the weights: every tensor over 1 KB of both graphs points into model.onnx.data
        import onnx
        for graph in ("model.onnx", "window.onnx"):
            m = onnx.load(os.path.join(out, graph), load_external_data=False)
            inline = [t.name for t in m.graph.initializer
                      if t.data_location != onnx.TensorProto.EXTERNAL and len(t.raw_data) > 1024]
            self.assertEqual(inline, [], f"{graph} embeds its own copy of {inline}")
        with open(os.path.join(out, "tokenizer_config.json")) as f:
            self.assertIs(json.load(f)["clean_up_tokenization_spaces"], False)

    def test_window_graph_parity(self):
        """window.onnx: the whole canvas as the window is the exact forward pass and returns the cache; a later
        window over that (fresh) cache gives the full pass's logits for its rows."""
        model = tiny_model(self.vocab, seed=3)
        out = self.export(model, "window")
        L = 30
        g = torch.Generator().manual_seed(5)
        ids = torch.randint(3, self.vocab, (1, L), generator=g)
        ids[0, 0] = model.config.bos_token_id
        ids[0, 10:18] = model.config.mask_token_id
        zeros = np.zeros(model.cache_shape(L), dtype=np.float32)
        with torch.no_grad():
            full = model.full_logits(ids)[0].numpy()
            _, k_ref, v_ref = model.window_forward(ids, torch.tensor([0]), torch.zeros(model.cache_shape(L)),
                                                   torch.zeros(model.cache_shape(L)), torch.arange(L))
        rows = [0, 9, 17, 29]
        pre = run_window(os.path.join(out, "window.onnx"), ids[0].tolist(), 0, zeros, zeros, rows)
        self.assertLessEqual(np.abs(pre["logits"] - full[rows]).max(), 1e-4)
        self.assertEqual(list(pre["present_keys"].shape), list(model.cache_shape(L)))
        self.assertLessEqual(np.abs(pre["present_keys"] - k_ref.numpy()).max(), 1e-4)
        self.assertLessEqual(np.abs(pre["present_values"] - v_ref.numpy()).max(), 1e-4)
        # a window over positions 9..18 (the row before a block, and the block) reusing that cache
        win = run_window(os.path.join(out, "window.onnx"), ids[0, 9:19].tolist(), 9, pre["present_keys"],
                         pre["present_values"], [0, 4, 9])
        self.assertLessEqual(np.abs(win["logits"] - full[[9, 13, 18]]).max(), 1e-4)
        # and it matches torch's window pass on a stale cache (the dual-cache approximation itself)
        ids2 = ids.clone()
        ids2[0, 10:12] = torch.tensor([5, 6])
        with torch.no_grad():
            ref2, _, _ = model.window_forward(ids2[:, 9:19], torch.tensor([9]), torch.from_numpy(pre["present_keys"]),
                                              torch.from_numpy(pre["present_values"]), torch.tensor([0, 4, 9]))
        win2 = run_window(os.path.join(out, "window.onnx"), ids2[0, 9:19].tolist(), 9, pre["present_keys"],
                          pre["present_values"], [0, 4, 9])
        self.assertLessEqual(np.abs(win2["logits"] - ref2.numpy()).max(), 1e-4)

    def test_refuses_broken_folder_and_keeps_the_old_one(self):
        out = self.export(tiny_model(self.vocab), "keep")
        before = sorted(os.listdir(out))
        small = tiny_model(self.vocab - 10)  # logits narrower than the tokenizer: invalid
        man = build_manifest(small.config, "keep", 256, {})
        with self.assertRaises(Fatal):
            write_folder(small, self.tok_dir, out, man)
        self.assertEqual(sorted(os.listdir(out)), before)
        self.assertEqual(validate_folder(out)["vocabSize"], self.vocab)
        leftovers = [d for d in os.listdir(self.tmp.name) if d.startswith(".export-") or d.startswith(".old-")]
        self.assertEqual(leftovers, [])

    def test_refuses_missing_tokenizer(self):
        with self.assertRaises(Fatal):
            write_folder(tiny_model(self.vocab), os.path.join(self.tmp.name, "nope"),
                         os.path.join(self.tmp.name, "never"), build_manifest(tiny_model(self.vocab).config, "x", 8, {}))
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "never")))


if __name__ == "__main__":
    unittest.main()
