"""Tokenizer conversion (Qwen2 slow files -> tokenizer.json) checked in @huggingface/tokenizers against an
independent Python BPE, and the manifest's special-token resolution for DiffuCoder- and DreamOn-style files."""
import json
import os
import tempfile
import unittest

from training.common import Fatal
from training.hf.make_tiny_checkpoint import make_tiny_checkpoint
from training.hf.manifest import resolve_tokens
from training.hf.node_tools import run_tokenizer
from training.hf.tiny_bpe import encode
from training.hf.tokenizer_files import (build_tokenizer_json, read_added_tokens, read_tokenizer_config,
                                         runtime_tokenizer_config, token_id)

TEXTS = [
    "def fibonacci(n):\n    return n  # café ünï 123\n\n\tx",
    "a<|mask|><|mask|>b<|beginoftext|>  \r\n  const values = [1, 2];",
    "日本語 😀 it's He'LL   \n\n\n",
    "<|endoftext|>x<|dlm_pad|><|im_end|>",
]


def _read(d, name):
    with open(os.path.join(d, name), encoding="utf-8") as f:
        return json.load(f)


class Conversion(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.ckpt = os.path.join(cls.tmp.name, "ckpt")
        make_tiny_checkpoint(cls.ckpt)
        cls.out = os.path.join(cls.tmp.name, "out")
        os.makedirs(cls.out)
        cls.tok = build_tokenizer_json(cls.ckpt)
        with open(os.path.join(cls.out, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(cls.tok, f)
        with open(os.path.join(cls.out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(runtime_tokenizer_config(read_tokenizer_config(cls.ckpt)), f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_js_tokenizer_matches_reference_bpe_and_round_trips(self):
        vocab = _read(self.ckpt, "vocab.json")
        with open(os.path.join(self.ckpt, "merges.txt"), encoding="utf-8") as f:
            merges = [tuple(line.split(" ")) for line in f.read().splitlines()[1:]]
        added = _read(self.ckpt, "added_tokens.json")
        results = run_tokenizer(self.out, TEXTS)
        for text, got in zip(TEXTS, results):
            self.assertEqual(got["ids"], encode(text, vocab, merges, added), text)
            self.assertEqual(got["decoded"], text)  # no "clean up" of spaces in code

    def test_special_tokens_are_atomic(self):
        mask = token_id(self.tok, "<|mask|>")
        ids = run_tokenizer(self.out, ["x<|mask|>y"])[0]["ids"]
        self.assertEqual(len(ids), 3)
        self.assertEqual(ids[1], mask)
        for t in self.tok["added_tokens"]:
            self.assertTrue(t["special"])
            self.assertFalse(t["normalized"])

    def test_tokens_resolved_from_files_diffucoder_style(self):
        cfg = _read(self.ckpt, "config.json")
        t = resolve_tokens(cfg, self.tok, read_tokenizer_config(self.ckpt))
        ids = _read(self.ckpt, "added_tokens.json")
        self.assertEqual(t["mask"], ids["<|mask|>"])
        self.assertEqual(t["bos"], ids["<|beginoftext|>"])  # tokenizer's BOS wins over config's endoftext
        self.assertEqual(t["eos"], ids["<|endoftext|>"])
        self.assertIsNone(t["expand"])
        self.assertEqual(t["stop"], sorted({ids["<|endoftext|>"], ids["<|im_end|>"], ids["<|dlm_pad|>"]}))

    def test_mask_disagreement_is_an_error(self):
        cfg = dict(_read(self.ckpt, "config.json"), mask_token_id=3)
        with self.assertRaisesRegex(Fatal, "mask_token_id 3 disagrees"):
            resolve_tokens(cfg, self.tok, read_tokenizer_config(self.ckpt))

    def test_explicit_expand_token_leaves_the_stop_list(self):
        cfg = _read(self.ckpt, "config.json")
        pad = token_id(self.tok, "<|dlm_pad|>")
        t = resolve_tokens(cfg, self.tok, read_tokenizer_config(self.ckpt), expand_token=str(pad))
        self.assertEqual(t["expand"], pad)
        self.assertNotIn(pad, t["stop"])
        with self.assertRaisesRegex(Fatal, "not in the tokenizer"):
            resolve_tokens(cfg, self.tok, read_tokenizer_config(self.ckpt), expand_token="<|nope|>")


class OtherLayouts(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.ckpt = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_dreamon_expand_token_is_detected_by_name(self):
        cfg = make_tiny_checkpoint(self.ckpt, dreamon=True)
        tok = build_tokenizer_json(self.ckpt)
        t = resolve_tokens(cfg, tok, read_tokenizer_config(self.ckpt))
        self.assertEqual(t["expand"], token_id(tok, "<|expand|>"))
        self.assertNotIn(t["expand"], t["stop"])

    def test_shipped_tokenizer_json_gains_missing_added_tokens(self):
        make_tiny_checkpoint(self.ckpt)
        tok = build_tokenizer_json(self.ckpt)
        dlm = [t for t in tok["added_tokens"] if t["content"] == "<|dlm_pad|>"][0]
        tok["added_tokens"] = [t for t in tok["added_tokens"] if t is not dlm]
        with open(os.path.join(self.ckpt, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(tok, f)
        merged = build_tokenizer_json(self.ckpt)
        self.assertEqual(token_id(merged, "<|dlm_pad|>"), dlm["id"])

    def test_contradicting_tokenizer_files_are_an_error(self):
        make_tiny_checkpoint(self.ckpt)
        added = _read(self.ckpt, "added_tokens.json")
        added["<|mask|>"], added["<|dlm_pad|>"] = added["<|dlm_pad|>"], added["<|mask|>"]
        with open(os.path.join(self.ckpt, "added_tokens.json"), "w", encoding="utf-8") as f:
            json.dump(added, f)
        with self.assertRaisesRegex(Fatal, "disagree"):
            read_added_tokens(self.ckpt)

    def test_missing_vocab_is_an_error(self):
        make_tiny_checkpoint(self.ckpt)
        os.unlink(os.path.join(self.ckpt, "merges.txt"))
        with self.assertRaisesRegex(Fatal, "merges.txt"):
            build_tokenizer_json(self.ckpt)


if __name__ == "__main__":
    unittest.main()
