"""End to end on a tiny RANDOM checkpoint in DiffuCoder-7B's Hugging Face format: convert it with the TypeScript
converter (`node dist/cli.js convert`, src/models/convert), run the graph in onnxruntime, and compare with the torch model built independently from the same bf16
weights (upcast to fp32). Also: the model folder's contents, and clear refusals of bad checkpoints and options."""
import json
import os
import tempfile
import unittest

import numpy as np

from training.common import Fatal
from training.hf.convert_cli import export_main, run_convert
from training.hf.make_tiny_checkpoint import make_tiny_checkpoint
from training.hf.node_tools import run_tokenizer
from training.hf.run_graph import cut_window, open_session, run_graph
from training.hf.safetensors_io import SafetensorsFile, write_safetensors

TOLERANCE = 1e-4


def reference_model(ckpt: str):
    """DreamLM with the checkpoint's weights, loaded without training/hf's loader: bf16 bits are widened by
    torch itself, so a bug in our reader or loader cannot hide in the reference."""
    import torch
    from training.model import DreamConfig, DreamLM, load_state_dict_checked

    with open(os.path.join(ckpt, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    state = {}
    for name in sorted(os.listdir(ckpt)):
        if name.endswith(".safetensors"):
            f = SafetensorsFile(os.path.join(ckpt, name))
            for key in f.keys():
                bits = np.array(f.raw(key)).view(np.int16)
                state[key] = torch.from_numpy(bits).view(torch.bfloat16).to(torch.float32)
    model = DreamLM(DreamConfig.from_dict(cfg))
    load_state_dict_checked(model, state)
    return model.eval()


def canvas(vocab_tokens: int, bos: int, mask: int, length: int = 40):
    rng = np.random.default_rng(7)
    ids = rng.integers(0, vocab_tokens, size=length)
    ids[0] = bos
    ids[10:18] = mask  # a gap, as the engine sends it
    return [int(i) for i in ids]


class ExportMatchesTorch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.ckpt = os.path.join(cls.tmp.name, "DiffuCoder-tiny-random")
        cls.cfg = make_tiny_checkpoint(cls.ckpt)
        cls.out = os.path.join(cls.tmp.name, "model")
        cls.out_ext = os.path.join(cls.tmp.name, "model-ext")
        export_main([cls.ckpt, cls.out, "--dtype", "fp32", "--quiet"])
        export_main([cls.ckpt, cls.out_ext, "--name", "ext", "--quiet"])  # the default: int4, blocks of 32
        with open(os.path.join(cls.out, "manifest.json"), encoding="utf-8") as f:
            cls.manifest = json.load(f)
        t = cls.manifest["tokens"]
        cls.ids = canvas(t["mask"], t["bos"], t["mask"])
        cls.positions = [0, 9, 10, 13, 17, 39, 9]  # shifted rows for the gap, the last row, and a repeat

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_onnx_logits_match_fp32_upcast_torch(self):
        import torch

        sess = open_session(self.out)
        names = [i.name for i in sess.get_inputs()]
        self.assertEqual(names[:2], ["input_ids", "start"])
        self.assertEqual(names[-5:], ["positions", "head_k", "head_scale", "bias_ids", "bias"])
        got = run_graph(sess, self.ids, self.positions)["logits"]
        self.assertEqual(got.dtype, np.float32)
        self.assertEqual(list(got.shape), [len(self.positions), self.cfg["vocab_size"]])
        model = reference_model(self.ckpt)
        with torch.no_grad():
            full = model.full_logits(torch.tensor([self.ids]))[0].numpy()
        want = full[self.positions]
        diff = float(np.abs(got - want).max())
        self.assertLessEqual(diff, TOLERANCE, f"max abs diff {diff}")
        self.assertGreater(float(np.abs(want).max()), 1.0)  # random weights still give non-trivial logits

    def test_the_folder_holds_only_what_the_graph_references(self):
        import onnx

        for folder in (self.out, self.out_ext):
            files = sorted(os.listdir(folder))
            self.assertEqual(files, ["MODEL_CARD.md", "manifest.json", "model.onnx", "model.onnx.data",
                                     "tokenizer.json", "tokenizer_config.json"])
            m = onnx.load(os.path.join(folder, "model.onnx"), load_external_data=False)
            locations = {e.value for t in m.graph.initializer for e in t.external_data if e.key == "location"}
            self.assertEqual(locations, {"model.onnx.data"})
            self.assertLess(os.path.getsize(os.path.join(folder, "model.onnx")), 200_000)

    def test_int4_is_the_default_and_close_to_fp32(self):
        with open(os.path.join(self.out_ext, "manifest.json"), encoding="utf-8") as f:
            man = json.load(f)
        self.assertEqual(man["weights"], {"dtype": "int4", "blockSize": 32, "accuracyLevel": 4, "headBits": 8})
        self.assertNotIn("windowGraph", man)  # one graph serves the dual cache
        a = run_graph(open_session(self.out), self.ids, self.positions)["logits"]
        b = run_graph(open_session(self.out_ext), self.ids, self.positions)["logits"]
        import onnx
        stored = [sum(int(e.value) for t in onnx.load(os.path.join(d, "model.onnx"), load_external_data=False)
                      .graph.initializer for e in t.external_data if e.key == "length") for d in (self.out, self.out_ext)]
        self.assertLess(stored[1], 0.35 * stored[0])  # int4 layers, 8-bit embedding and head vs fp32
        self.assertLess(float(np.abs(a - b).max()), 0.2 * float(np.abs(a).max()))

    def test_a_window_pass_of_a_dream_checkpoint(self):
        """The same graph with the canvas's cache cut around a block gives that block's full-pass rows."""
        sess = open_session(self.out)
        full = run_graph(sess, self.ids, list(range(len(self.ids))))
        lo, hi = 9, 18
        win = run_graph(sess, self.ids[lo:hi], [0, 4, 8], start=lo,
                        past=cut_window(full["present_keys"], full["present_values"], lo, hi))
        np.testing.assert_allclose(win["logits"], full["logits"][[lo, lo + 4, lo + 8]], atol=TOLERANCE)

    def test_manifest_follows_the_contract_and_the_checkpoint(self):
        m = self.manifest
        with open(os.path.join(self.ckpt, "added_tokens.json"), encoding="utf-8") as f:
            added = json.load(f)
        self.assertEqual(m["contract"], "diffucode-model/1")
        self.assertEqual((m["family"], m["shiftedLogits"], m["vocabSize"]), ("dream", True, self.cfg["vocab_size"]))
        self.assertEqual(m["tokens"], {"bos": added["<|beginoftext|>"], "eos": added["<|endoftext|>"],
                                       "pad": added["<|dlm_pad|>"], "mask": added["<|mask|>"], "expand": None,
                                       "stop": sorted([added["<|endoftext|>"], added["<|im_end|>"],
                                                       added["<|dlm_pad|>"]])})
        self.assertEqual(m["sampler"]["algorithm"], "entropy")
        self.assertTrue(0.3 <= m["sampler"]["temperature"] <= 0.4)
        self.assertEqual(m["sampler"]["topP"], 0.95)
        self.assertEqual(m["license"], "mit")
        self.assertEqual(m["name"], "DiffuCoder-tiny-random")
        self.assertEqual(m["architecture"]["num_key_value_heads"], 2)
        self.assertEqual(m["provenance"]["weightsDtypes"], {"BF16": 27})
        with open(os.path.join(self.out, "MODEL_CARD.md"), encoding="utf-8") as f:
            card = f.read()
        self.assertIn("Upstream model card", card)
        self.assertIn("Random weights in DiffuCoder-7B's Hugging Face format", card)
        self.assertFalse(os.path.exists(self.out + ".partial"))

    def test_exported_tokenizer_encodes_a_canvas_with_atomic_mask(self):
        t = self.manifest["tokens"]
        got = run_tokenizer(self.out, ["<|beginoftext|>def f(x):<|mask|><|mask|>\n"])[0]["ids"]
        self.assertEqual(got[0], t["bos"])
        self.assertEqual(got.count(t["mask"]), 2)

    def test_refuses_to_overwrite_a_model_folder(self):
        with self.assertRaisesRegex(Fatal, "not empty; pass --force"):
            export_main([self.ckpt, self.out, "--quiet"])


class TiedEmbeddings(unittest.TestCase):
    def test_tied_checkpoint_without_lm_head_exports_and_matches(self):
        import torch

        with tempfile.TemporaryDirectory() as tmp:
            ckpt, out = os.path.join(tmp, "ckpt"), os.path.join(tmp, "out")
            cfg = make_tiny_checkpoint(ckpt, seed=2, overrides={"tie_word_embeddings": True})
            with open(os.path.join(ckpt, "model.safetensors.index.json"), encoding="utf-8") as f:
                self.assertNotIn("lm_head.weight", json.load(f)["weight_map"])
            export_main([ckpt, out, "--dtype", "fp32", "--quiet"])
            with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
                tokens = json.load(f)["tokens"]
            ids, positions = canvas(tokens["mask"], tokens["bos"], tokens["mask"], 24), [0, 10, 23]
            got = run_graph(open_session(out), ids, positions)["logits"]
            with torch.no_grad():
                want = reference_model(ckpt)(torch.tensor([ids]), torch.tensor(positions)).numpy()
            self.assertEqual(got.shape, (3, cfg["vocab_size"]))
            self.assertLessEqual(float(np.abs(got - want).max()), TOLERANCE)


class BadCheckpoints(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.ckpt = os.path.join(self.tmp.name, "ckpt")
        self.out = os.path.join(self.tmp.name, "out")
        make_tiny_checkpoint(self.ckpt)

    def tearDown(self):
        self.tmp.cleanup()

    def _edit_config(self, **changes):
        path = os.path.join(self.ckpt, "config.json")
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
        cfg.update(changes)
        for k, v in changes.items():
            if v is None:
                del cfg[k]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(cfg, f)

    def _fails(self, pattern, *flags):
        with self.assertRaisesRegex(Fatal, pattern):
            export_main([self.ckpt, self.out, "--quiet", *flags])
        self.assertFalse(os.path.exists(self.out))
        self.assertFalse(os.path.exists(self.out + ".partial"))

    def test_missing_config_key(self):
        self._edit_config(num_key_value_heads=None)
        self._fails("missing required key.*num_key_value_heads")

    def test_unsupported_architecture(self):
        self._edit_config(architectures=["LlamaForCausalLM"], model_type="llama")
        self._fails("unsupported architecture.*LlamaForCausalLM")

    def test_wrong_tensor_shape(self):
        shard = os.path.join(self.ckpt, "model-00002-of-00002.safetensors")
        f = SafetensorsFile(shard)
        tensors = {k: f.tensor(k) for k in f.keys()}
        f.close()
        tensors["model.norm.weight"] = tensors["model.norm.weight"][:-1]
        write_safetensors(shard, tensors, dtype="BF16")
        self._fails(r"model.norm.weight: \(63,\) \(config.json implies \(64,\)\)")

    def test_config_that_does_not_match_the_weights(self):
        self._edit_config(intermediate_size=128)
        self._fails("tensor shape.*do not match config.json")

    def test_no_licence_is_refused_unless_given(self):
        os.unlink(os.path.join(self.ckpt, "README.md"))
        self._fails("states no licence")
        with open(os.path.join(self.ckpt, "LICENSE"), "w", encoding="utf-8") as f:
            f.write("\nSample Code License\nCopyright (C) 2025 Someone\n")
        export_main([self.ckpt, self.out, "--quiet"])
        with open(os.path.join(self.out, "manifest.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["license"], "see LICENSE (Sample Code License)")
        self.assertTrue(os.path.exists(os.path.join(self.out, "LICENSE")))  # shipped with the model

    def test_output_folder_may_not_be_the_checkpoint(self):
        with self.assertRaisesRegex(Fatal, "must not be or contain the checkpoint"):
            export_main([self.ckpt, self.ckpt, "--force", "--quiet"])
        with self.assertRaisesRegex(Fatal, "must not be or contain the checkpoint"):
            export_main([self.ckpt, self.tmp.name, "--force", "--quiet"])
        self.assertTrue(os.path.exists(os.path.join(self.ckpt, "config.json")))

    def test_a_block_size_that_does_not_divide_the_input_size(self):
        self._fails("block size 48 must be a power of two", "--block-size", "48")
        make_tiny_checkpoint(self.ckpt, overrides={"intermediate_size": 200})
        self._fails("input size 200 is not a multiple of the block size 32; no MatMulNBits block size divides it")
        make_tiny_checkpoint(self.ckpt, overrides={"intermediate_size": 208})
        self._fails("input size 208 is not a multiple of the block size 32; choose a --block-size that divides it "
                    r"\(e.g. 16\)")

    def test_missing_shard_via_the_command_line(self):
        os.unlink(os.path.join(self.ckpt, "model-00002-of-00002.safetensors"))
        proc = run_convert([self.ckpt, self.out])
        self.assertEqual(proc.returncode, 2)
        self.assertIn("shard(s) missing", proc.stderr)
        self.assertIn("model-00002-of-00002.safetensors", proc.stderr)
        self.assertNotIn("Traceback", proc.stderr)
        self.assertFalse(os.path.exists(self.out))

    def test_bad_options_exit_2_with_one_line(self):
        for flags, message in ((["--dtype", "int3"], "--dtype must be one of fp32, fp16, int8, int4"),
                               (["--block-size", "128"], "not a multiple of the block size 128")):
            proc = run_convert([self.ckpt, self.out, *flags])
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn(message, proc.stderr)
            self.assertNotIn("Traceback", proc.stderr)
            self.assertFalse(os.path.exists(self.out))
            self.assertFalse(os.path.exists(self.out + ".partial"))

    def test_int8_through_the_command_line(self):
        proc = run_convert([self.ckpt, self.out, "--dtype", "int8", "--quiet"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(os.path.join(self.out, "manifest.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["weights"]["dtype"], "int8")
        self.assertEqual(run_graph(open_session(self.out), [1, 2, 3, 4], [0, 3])["logits"].shape[0], 2)


if __name__ == "__main__":
    unittest.main()
