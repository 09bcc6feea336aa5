"""The extra corpus: licence evidence, near-duplicate detection, and the merged token folder train.py reads."""
import os
import tempfile
import unittest

import numpy as np

from training.corpus_extra import NearDupIndex, copyright_says, merge_tokens
from training.examples import TokenCorpus
from training.tests.fixtures import make_tokenizer, make_tokens

DEP5 = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: thing

Files: *
Copyright: 2020 Somebody
License: {upstream}

Files: debian/*
Copyright: 2021 A Packager
License: {packaging}
"""

BODY = "\n".join(f"    value_{i} = compute(item_{i}, scale={i})  # step {i}" for i in range(40))


class CorpusExtraTest(unittest.TestCase):
    def test_copyright_evidence(self):
        self.assertTrue(copyright_says(DEP5.format(upstream="Expat", packaging="GPL-2+"), "Expat")[0])
        # the packaging's licence is not the upstream code's
        self.assertFalse(copyright_says(DEP5.format(upstream="GPL-2+", packaging="Expat"), "Expat")[0])
        self.assertFalse(copyright_says(DEP5.format(upstream="MPL-2.0", packaging="MIT"), "MIT")[0])
        mit = "Copyright (c) 2006 X\n\nPermission is hereby granted, free of charge, to any person obtaining a copy"
        self.assertTrue(copyright_says(mit, "Permission is hereby granted, free of charge")[0])
        self.assertFalse(copyright_says("GNU LESSER GENERAL PUBLIC LICENSE", "Permission is hereby granted")[0])

    def test_near_duplicates_are_found_and_distinct_files_are_not(self):
        idx = NearDupIndex()
        original = "def run(items):\n" + BODY + "\n    return value_0\n"
        self.assertIsNone(idx.add("a", original))
        # a copy with a tenth of its lines edited and re-indented: still the same file
        edited = original.replace("step 3 ", "stage 3 ").replace("step 7", "stage 7").replace("    ", "\t")
        edited = edited.replace("scale=11", "scale=12").replace("item_20", "elem_20")
        self.assertEqual(idx.add("b", edited), "a")
        other = "\n".join(f"def handler_{i}(request, response):  # route {i}" for i in range(40))
        self.assertIsNone(idx.add("c", other))
        # query without indexing leaves the index as it was
        self.assertIsNone(idx.add("d", other.replace("route", "path"), index=False))
        self.assertNotIn("d", idx.sets)

    def test_merged_tokens_keep_every_file_and_line(self):
        with tempfile.TemporaryDirectory() as d:
            enc = make_tokenizer(os.path.join(d, "tok"))
            make_tokens(os.path.join(d, "c1"), os.path.join(d, "t1"), enc, repeat=2)
            make_tokens(os.path.join(d, "c2"), os.path.join(d, "t2"), enc, repeat=3)
            base, extra = merge_tokens(os.path.join(d, "t1"), os.path.join(d, "t2", "train.npz"),
                                       os.path.join(d, "out"))
            a, b = (TokenCorpus(os.path.join(d, x, "train.npz")) for x in ("t1", "t2"))
            m = TokenCorpus(os.path.join(d, "out", "train.npz"))
            self.assertEqual((base, extra), (a.n_tokens(), b.n_tokens()))
            self.assertEqual(m.n_tokens(), base + extra)
            files = [(a, f) for f in range(len(a.file_lines))] + [(b, f) for f in range(len(b.file_lines))]
            self.assertEqual(len(m.file_lines), len(files))
            for k, (src, f) in enumerate(files):
                (sa, sb), (ma, mb) = src.file_lines[f], m.file_lines[k]
                self.assertEqual(sb - sa, mb - ma)
                for i in range(sb - sa):
                    self.assertTrue(np.array_equal(src.line(sa + i), m.line(ma + i)))
            for s in ("valid", "test"):  # the held-out splits are the base's, byte for byte
                with open(os.path.join(d, "t1", f"{s}.npz"), "rb") as x, open(os.path.join(d, "out", f"{s}.npz"), "rb") as y:
                    self.assertEqual(x.read(), y.read())


if __name__ == "__main__":
    unittest.main()
