"""The GPU recipe's data path and plumbing on this CPU: pack a tiny corpus, unpack it exactly, run gpu_recipe.sh in
smoke mode (3 CPU steps of the test preset through train.py, export through the graph builder, split for the
transfer), collect the parts back, and check the exported graph against the PyTorch weights."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

from training.common import BOS_ID, MASK_ID, ROOT, Fatal
from training.gpu_recipe import PRESETS, collect, export, n_parameters, split, train_flags
from training.model import DreamConfig, DreamLM, load_state_dict_checked
from training.pack_corpus import encode, pack, unpack
from training.tests.fixtures import make_tokenizer, make_tokens


class PackTest(unittest.TestCase):
    def test_pack_unpack_is_exact_and_small(self):
        with tempfile.TemporaryDirectory() as d:
            enc = make_tokenizer(os.path.join(d, "tok"))
            make_tokens(os.path.join(d, "corpus"), os.path.join(d, "tokens"), enc)
            man = pack(os.path.join(d, "tokens"), os.path.join(d, "tok"), os.path.join(d, "packed"))
            self.assertEqual(set(man["splits"]), {"train", "valid"})
            tokens_dir, tok_json = unpack(os.path.join(d, "packed"), os.path.join(d, "un"))
            self.assertTrue(os.path.isfile(tok_json))
            for split_name in ("train", "valid"):
                a = np.load(os.path.join(d, "tokens", f"{split_name}.npz"))
                b = np.load(os.path.join(tokens_dir, f"{split_name}.npz"))
                for k in ("tokens", "line_starts", "file_lines", "langs"):
                    np.testing.assert_array_equal(a[k], b[k], err_msg=f"{split_name}.{k}")
                    self.assertEqual(a[k].dtype, b[k].dtype)
                packed_size = os.path.getsize(os.path.join(d, "packed", f"{split_name}.npz"))
                self.assertLess(packed_size, os.path.getsize(os.path.join(d, "tokens", f"{split_name}.npz")))
            with self.assertRaises(Fatal):
                pack(os.path.join(d, "tokens"), os.path.join(d, "tok"), os.path.join(d, "packed2"), max_mib=0.001)

    def test_encode_with_a_given_tokenizer_matches_the_pipeline(self):
        with tempfile.TemporaryDirectory() as d:
            enc = make_tokenizer(os.path.join(d, "tok"))
            make_tokens(os.path.join(d, "corpus"), os.path.join(d, "ref"), enc)  # tokenizer.encode_split
            with open(os.path.join(d, "corpus", "manifest.json"), "w") as f:  # as corpus.py leaves it: no counts
                json.dump({"sources": [{"name": "fixture"}, {"name": "absent"}], "tokens": None}, f)
            encode(os.path.join(d, "corpus"), os.path.join(d, "tok", "tokenizer.json"), os.path.join(d, "tokens"),
                   os.path.join(d, "tok2"), splits=("train",))
            ref = np.load(os.path.join(d, "ref", "train.npz"))["tokens"]
            np.testing.assert_array_equal(ref, np.load(os.path.join(d, "tokens", "train.npz"))["tokens"])
            with open(os.path.join(d, "corpus", "manifest.json")) as f:  # the counts release.py's card reads
                man = json.load(f)
            self.assertEqual(man["tokens"], {"train": len(ref)})
            self.assertEqual([s["tokens"] for s in man["sources"]], [{"train": len(ref)}, {"train": 0}])
            self.assertTrue(os.path.isfile(os.path.join(d, "tok2", "tokenizer.json")))


class PresetTest(unittest.TestCase):
    def test_presets_are_30_to_100m_and_count_like_the_model(self):
        for name in ("gpu48m", "gpu32m"):
            n = n_parameters(PRESETS[name]["config"])
            self.assertGreaterEqual(n, 30e6, name)
            self.assertLessEqual(n, 100e6, name)
            # the builder's weights: int8 ~1 byte a parameter, int4 ~0.56 (+ an 8-bit head): under 40 MB
            x = PRESETS[name]["export"]
            emb = 8192 * PRESETS[name]["config"]["hidden_size"]
            est = n * 1.06 if x["dtype"] == "int8" else (n - emb) * 0.57 + emb * 1.06
            self.assertLess(est, 40e6, name)
        small = DreamLM(DreamConfig(**PRESETS["test"]["config"]))
        self.assertEqual(n_parameters(PRESETS["test"]["config"]), small.num_parameters())

    def test_train_flags_set_every_config_key(self):
        flags = train_flags("gpu48m", 7)
        sets = [flags[i + 1] for i, f in enumerate(flags) if f == "--set"]
        self.assertEqual({s.split("=")[0] for s in sets}, set(PRESETS["gpu48m"]["config"]))
        self.assertEqual(flags[flags.index("--minutes") + 1], "7")


class RecipeSmokeTest(unittest.TestCase):
    def test_recipe_script_trains_exports_splits_and_collects(self):
        with tempfile.TemporaryDirectory() as d:
            enc = make_tokenizer(os.path.join(d, "tok"))
            make_tokens(os.path.join(d, "corpus"), os.path.join(d, "tokens"), enc)
            pack(os.path.join(d, "tokens"), os.path.join(d, "tok"), os.path.join(d, "packed"))
            out, work = os.path.join(d, "out"), os.path.join(d, "work")
            env = dict(os.environ, GPU_RECIPE_SMOKE="1", GPU_RECIPE_PYTHON=sys.executable, GPU_RECIPE_STEPS="3",
                       GPU_RECIPE_PACKED=os.path.join(d, "packed"), GPU_RECIPE_WORK=work, OUT=out)
            # 60 minutes of budget, 3 steps: the step count ends the run even on a loaded machine
            r = subprocess.run(["bash", os.path.join(ROOT, "training", "gpu_recipe.sh"), "test", "60"], env=env,
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])
            with open(os.path.join(out, "run.json")) as f:
                run = json.load(f)
            self.assertEqual(run["step"], 3)
            self.assertEqual(run["tokens_seen"], 3 * PRESETS["test"]["train"]["batch"] * 384)
            self.assertEqual(run["config"]["hidden_size"], PRESETS["test"]["config"]["hidden_size"])
            self.assertEqual(run["export"]["dtype"], "int8")
            back = sorted(os.listdir(out))
            self.assertLessEqual(len(back), 8)  # what the device tool brings back
            self.assertTrue(all(os.path.getsize(os.path.join(out, f)) <= 16 * 2**20 for f in back))
            self.assertIn("loss.csv", back)
            model = os.path.join(d, "model")
            collect(out, model)
            with open(os.path.join(model, "manifest.json")) as f:
                man = json.load(f)
            self.assertEqual(man["weights"], {"dtype": "int8"})
            self.assertEqual(man["trainingRun"]["steps"], 3)
            # the collected int8 graph agrees with the trained weights on the masked rows' top token
            ck = torch.load(os.path.join(work, "slim.pt"), map_location="cpu")
            self.assertLogitsMatch(ck, model, max_diff=None)

    def test_builder_export_of_a_training_checkpoint_matches_pytorch(self):
        with tempfile.TemporaryDirectory() as d:
            cfg = DreamConfig(vocab_size=8192, **PRESETS["test"]["config"])  # the bundled tokenizer's size
            torch.manual_seed(0)
            m = DreamLM(cfg)
            path = os.path.join(d, "slim.pt")
            torch.save({"model": {k: v for k, v in m.state_dict().items() if k != "lm_head.weight"},
                        "config": cfg.to_dict(), "step": 0, "tokens_seen": 0}, path)
            facts = export(path, os.path.join(d, "fp32"), "fp32")
            self.assertGreater(facts["weights_bytes"], 4 * m.num_parameters() * 0.9)
            self.assertLogitsMatch(torch.load(path), os.path.join(d, "fp32"), max_diff=1e-3)
            with self.assertRaises(Fatal):
                export(path, os.path.join(d, "big"), "fp32", max_mb=0.01)
            parts = split(os.path.join(d, "fp32"), os.path.join(d, "parts"), part_bytes=facts["weights_bytes"] // 3)
            self.assertGreater(len(parts["parts"]), 1)
            collect(os.path.join(d, "parts"), os.path.join(d, "back"))
            for f in os.listdir(os.path.join(d, "fp32")):
                with open(os.path.join(d, "fp32", f), "rb") as a, open(os.path.join(d, "back", f), "rb") as b:
                    self.assertEqual(a.read(), b.read(), f)
            with open(os.path.join(d, "parts", "model.tar.part00"), "r+b") as f:
                f.write(b"x")
            with self.assertRaises(Fatal):
                collect(os.path.join(d, "parts"), os.path.join(d, "back2"))

    def assertLogitsMatch(self, ck, folder, max_diff):
        from training.hf.run_graph import open_session, run_graph
        cfg = DreamConfig.from_dict(ck["config"])
        model = DreamLM(cfg)
        load_state_dict_checked(model, {k: v.float() for k, v in ck["model"].items()})
        model.eval()
        rng = np.random.default_rng(1)
        ids = [BOS_ID] + [int(x) for x in rng.integers(3, cfg.vocab_size, 20)] + [MASK_ID] * 6 + [0]
        rows = list(range(20, 27))
        with torch.no_grad():
            want = model.head(model.hidden(torch.tensor([ids]))[0, rows]).float().numpy()
        got = run_graph(open_session(folder), ids, rows, outputs=["logits"])["logits"]
        self.assertEqual(got.shape, want.shape)
        if max_diff is not None:
            self.assertLess(float(np.abs(got - want).max()), max_diff)
        else:  # quantized: the same top token on most rows
            self.assertGreaterEqual(float((got.argmax(1) == want.argmax(1)).mean()), 0.7)


if __name__ == "__main__":
    unittest.main()
