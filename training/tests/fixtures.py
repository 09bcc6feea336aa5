"""Tiny synthetic corpus, tokenizer and token files for the training tests (fast; no real corpus needed)."""
import json
import os
from collections import Counter

from training import bpe
from training.common import ROOT
from training.tokenizer import build_vocab, encode_split, load, save

SNIPPETS = [
    "def add(a, b):\n    \"\"\"Return the sum.\"\"\"\n    return a + b\n\n\nclass Point:\n    def __init__(self, x, y):\n"
    "        self.x = x\n        self.y = y\n\n    def norm(self):\n        return (self.x ** 2 + self.y ** 2) ** 0.5\n",
    "export function clamp(value: number, lo: number, hi: number): number {\n  if (value < lo) {\n    return lo;\n"
    "  }\n  return value > hi ? hi : value;\n}\n\nexport interface Options {\n  name: string;\n  retries?: number;\n}\n",
    "const express = require('express');\nconst app = express();\n\napp.get('/', (req, res) => {\n"
    "  res.send('hello world');\n});\n\nfor (let i = 0; i < 10; i++) {\n  console.log(i * 2);\n}\n",
    "import os\nimport sys\n\n\ndef main(argv):\n\tfor name in argv:\n\t\tif os.path.exists(name):\r\n"
    "\t\t\tprint(name)\r\n\treturn 0\n\n\nif __name__ == '__main__':\n    sys.exit(main(sys.argv[1:]))\n",
]

TRICKY_TEXTS = [
    "", " ", "\n", "\r\n", "\r", "\t", "a", "  \n\n\n  ", "x\r\ny\rz\n",
    "def f():\n\treturn 1\r\n\t\t# tabs\n",
    "    if (a !== b) {\n        c = 12345;\n    }\n",
    "naïve café — 日本語のテキスト 🎉👍🏽 \u00a0nbsp\u2028sep\x85nel\x0bvt\x0cff",
    "trailing spaces   \n  \t mixed \t\n",
    "s = 'it''s' + \"don't\" // comment\n/* block */",
    "a<|mask|>b<|endoftext|>c<|beginoftext|>",
    "x" * 300 + "\n" + "    " * 20 + "deep\n",
    "0123456789 3.14159e-10 0xFFee",
]


def make_tokenizer(out_dir: str, n_merges: int = 300):
    counts = Counter()
    for s in SNIPPETS:
        counts.update(bpe.pieces(s))
    merges = bpe.train_bpe(counts, n_merges, log_every=0)
    save(out_dir, build_vocab(merges), merges)
    return load(os.path.join(out_dir, "tokenizer.json"))


def make_tokens(corpus_dir: str, tokens_dir: str, enc, repeat: int = 6):
    """A corpus of the snippets (with small variations) in every split, encoded like the real pipeline does."""
    os.makedirs(corpus_dir, exist_ok=True)
    for split in ("train", "valid", "test"):
        with open(os.path.join(corpus_dir, f"{split}.jsonl"), "w", encoding="utf-8") as f:
            for r in range(repeat):
                for i, s in enumerate(SNIPPETS):
                    text = s.replace("10", str(10 + r)).replace("hello", f"hello {split} {r}")
                    f.write(json.dumps({"source": "fixture", "path": f"{split}/{r}/{i}", "lang": "python",
                                        "text": text}) + "\n")
        encode_split(enc, corpus_dir, split, os.path.join(tokens_dir, f"{split}.npz"))


