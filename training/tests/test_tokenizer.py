"""Tokenizer: exact round trips, line-concatenation property, and Python == @huggingface/tokenizers (JS) ids."""
import os
import tempfile
import unittest

from training.common import BOS_ID, EOS_ID, MASK_ID, ROOT
from training.hf.node_tools import run_tokenizer
from training.tests.fixtures import SNIPPETS, TRICKY_TEXTS, make_tokenizer
from training.tokenizer import load, split_lines

SHIPPED = os.path.join(ROOT, "models", "diffucode-tiny", "tokenizer.json")


class TokenizerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.enc = make_tokenizer(cls.tmp.name)
        cls.path = os.path.join(cls.tmp.name, "tokenizer.json")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_special_ids(self):
        self.assertEqual(self.enc.encode("<|endoftext|><|mask|><|beginoftext|>"), [EOS_ID, MASK_ID, BOS_ID])

    def test_python_round_trip(self):
        for t in TRICKY_TEXTS + SNIPPETS:
            ids = self.enc.encode(t)
            self.assertEqual(self.enc.decode(ids), t, repr(t[:60]))

    def test_merges_shorten_code(self):
        s = SNIPPETS[0]
        self.assertLess(len(self.enc.encode(s)), len(s.encode("utf-8")) * 0.6)

    def test_encoding_is_concatenation_of_lines(self):
        # The trainer cuts infill middles on line boundaries from per-line encodings; this must hold for that.
        for t in TRICKY_TEXTS + SNIPPETS:
            if "<|" in t:
                continue
            by_line = [i for line in split_lines(t) for i in self.enc.encode(line)]
            self.assertEqual(by_line, self.enc.encode(t), repr(t[:60]))

    def test_lone_surrogate_becomes_replacement_like_js(self):
        self.assertEqual(self.enc.decode(self.enc.encode("a\ud800b")), "a\ufffdb")

    def _check_js(self, tokenizer_path, enc):
        texts = TRICKY_TEXTS + SNIPPETS
        folder = os.path.dirname(tokenizer_path)
        # The engine loads tokenizer.json with the folder's tokenizer_config.json (clean_up_tokenization_spaces off):
        # the runner does the same, so the config must be there for this to test what the engine sees.
        self.assertTrue(os.path.isfile(os.path.join(folder, "tokenizer_config.json")))
        out = run_tokenizer(folder, texts)
        for t, js in zip(texts, out):
            self.assertEqual(js["ids"], enc.encode(t), f"JS and Python ids differ for {t[:60]!r}")
            self.assertEqual(js["decoded"], t, f"JS decode does not round-trip {t[:60]!r}")

    def test_js_library_agrees(self):
        self._check_js(self.path, self.enc)

    def test_js_library_agrees_on_shipped_tokenizer(self):
        enc = load(SHIPPED)
        self.assertEqual(len(enc.vocab), 8192)
        self._check_js(SHIPPED, enc)


if __name__ == "__main__":
    unittest.main()
