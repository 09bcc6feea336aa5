"""Training: 2 steps on a tiny synthetic corpus, resume from the checkpoint, clear errors on bad input."""
import csv
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

from training.common import BOS_ID, EOS_ID, MASK_ID, ROOT, Fatal
from training.examples import TokenCorpus, blockwise_mask, make_batch, make_infill, make_multi_infill
from training.tests.fixtures import make_tokenizer, make_tokens
from training.train import main as train_main


class TrainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.tok_dir = os.path.join(d, "tok")
        cls.tokens = os.path.join(d, "tokens")
        cls.enc = make_tokenizer(cls.tok_dir)
        make_tokens(os.path.join(d, "corpus"), cls.tokens, cls.enc)
        cls.runs = os.path.join(d, "runs")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def args(self, run, steps, *extra):
        return ["--run", run, "--runs-dir", self.runs, "--tokens", self.tokens, "--tokenizer",
                os.path.join(self.tok_dir, "tokenizer.json"), "--size", "test", "--steps", str(steps), "--batch",
                "2", "--seq", "64", "--warmup", "1", "--eval-every", "2", "--eval-batches", "1", "--log-every", "1",
                "--threads", "1", *extra]

    def rows(self, run):
        with open(os.path.join(self.runs, run, "loss.csv")) as f:
            return list(csv.DictReader(f))

    def test_two_steps_then_resume(self):
        torch.set_num_threads(1)
        train_main(self.args("r", 2))
        ck = torch.load(os.path.join(self.runs, "r", "last.pt"))
        self.assertEqual(ck["step"], 2)
        self.assertEqual(ck["tokens_seen"], 2 * 2 * 64)
        self.assertIn("model.layers.0.self_attn.q_proj.bias", ck["model"])
        rows = self.rows("r")
        self.assertEqual([int(r["step"]) for r in rows], [1, 2])
        self.assertTrue(all(np.isfinite(float(r["loss"])) for r in rows))
        self.assertNotEqual(rows[-1]["val_masked_ce"], "")
        before = {k: v.clone() for k, v in ck["model"].items()}
        train_main(self.args("r", 4, "--resume"))
        ck2 = torch.load(os.path.join(self.runs, "r", "last.pt"))
        self.assertEqual(ck2["step"], 4)
        self.assertEqual([int(r["step"]) for r in self.rows("r")], [1, 2, 3, 4])  # appended, not restarted
        moved = max(float((ck2["model"][k] - before[k]).abs().max()) for k in before)
        self.assertGreater(moved, 0.0)
        # A later session continues from the committed slim weights (bf16, tied head omitted) with --init.
        slim = {k: ck2[k] for k in ("config", "step", "tokens_seen", "elapsed", "args")}
        slim["model"] = {k: v.to(torch.bfloat16) for k, v in ck2["model"].items() if k != "lm_head.weight"}
        path = os.path.join(self.tmp.name, "slim.pt")
        torch.save(slim, path)
        train_main(self.args("from-slim", 1, "--init", path))
        self.assertEqual(torch.load(os.path.join(self.runs, "from-slim", "last.pt"))["step"], 1)

    def test_a_time_budget_is_not_cut_by_a_default_step_count(self):
        from training.train import parse_args
        self.assertEqual(parse_args([]).steps, 3000)
        self.assertGreater(parse_args(["--minutes", "120"]).steps, 10**8)
        self.assertEqual(parse_args(["--minutes", "120", "--steps", "50"]).steps, 50)

    def test_batch_workers_and_slim_weights(self):
        """--workers builds batch i from the seed (seed, i) in forked processes: the same batches in the same order
        for any number of workers; --slim-out writes bf16 weights without optimizer state that --init reads."""
        from training.train import BatchStream
        corpus = TokenCorpus(os.path.join(self.tokens, "train.npz"))
        args = (2, 64, 0.2, 0.3, 0.5)
        one, two = BatchStream(corpus, self.enc, 5, 3, 1, args), BatchStream(corpus, self.enc, 5, 3, 2, args)
        try:
            for i in range(5):
                a, b = one.next(), two.next()
                # batch 3 + i, drawn from the seed (5, 3 + i)
                want = make_batch(np.random.default_rng([5, 3 + i]), corpus, self.enc, 2, 64, 0.2, multi_frac=0.3,
                                  blockwise_frac=0.5)
                for x, y, z in zip(a, b, want):
                    np.testing.assert_array_equal(x, y)
                    np.testing.assert_array_equal(x, z)
        finally:
            one.close()
            two.close()
        slim = os.path.join(self.tmp.name, "gpu-slim.pt")
        torch.set_num_threads(1)
        train_main(self.args("w", 2, "--workers", "2", "--slim-out", slim))
        ck = torch.load(slim)
        self.assertEqual(ck["step"], 2)
        self.assertNotIn("optim", ck)
        self.assertTrue(all(v.dtype == torch.bfloat16 for v in ck["model"].values()))
        train_main(self.args("from-gpu", 1, "--init", slim))
        self.assertEqual(torch.load(os.path.join(self.runs, "from-gpu", "last.pt"))["step"], 1)

    def run_cli(self, *argv):
        return subprocess.run([sys.executable, os.path.join(ROOT, "training", "train.py"), *argv],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)

    def test_corrupt_checkpoint_is_a_clear_error(self):
        run_dir = os.path.join(self.runs, "bad")
        os.makedirs(run_dir, exist_ok=True)
        with open(os.path.join(run_dir, "last.pt"), "wb") as f:
            f.write(b"PK\x03\x04 this is not a checkpoint" * 10)
        r = self.run_cli(*self.args("bad", 2, "--resume"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("corrupt", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_missing_corpus_is_a_clear_error(self):
        with self.assertRaises(Fatal) as e:
            train_main(self.args("x", 1)[:5] + [os.path.join(self.tmp.name, "no-such-tokens")] + self.args("x", 1)[6:])
        self.assertIn("not found", str(e.exception))

    def test_empty_corpus_is_a_clear_error(self):
        empty = os.path.join(self.tmp.name, "empty")
        os.makedirs(empty, exist_ok=True)
        for split in ("train", "valid"):
            np.savez(os.path.join(empty, f"{split}.npz"), tokens=np.zeros(0, np.uint16),
                     line_starts=np.zeros(1, np.int64), file_lines=np.zeros((0, 2), np.int64),
                     langs=np.zeros(0, np.int8))
        a = self.args("e", 1)
        a[a.index("--tokens") + 1] = empty
        with self.assertRaises(Fatal) as e:
            train_main(a)
        self.assertIn("empty corpus", str(e.exception))

    def check_example(self, ex, L):
        """Shared by every example kind: canvas length, BOS first and never maskable, no mask in the clean ids."""
        ids, maskable = ex
        self.assertEqual(len(ids), L)
        self.assertEqual(ids[0], BOS_ID)
        self.assertFalse(maskable[0])
        self.assertNotIn(MASK_ID, ids.tolist())

    def check_padding(self, g):
        """End-of-text padding only at the end of a gap, after at least one token of answer."""
        if (g == EOS_ID).any():
            first = int(np.argmax(g == EOS_ID))
            self.assertTrue(np.all(g[first:] == EOS_ID))
            self.assertGreater(first, 0, "every gap has an answer before its padding")

    def examples(self, make, want, tries):
        """Up to `want` examples from `make()` (None = an unsuitable file, skipped) in at most `tries` calls."""
        out = []
        for _ in range(tries):
            ex = make()
            if ex is not None:
                out.append(ex)
            if len(out) == want:
                break
        return out

    def check_batch(self, batch):
        noisy, clean, mask, t, n_maskable = batch
        self.assertTrue(mask.any(1).all(), "every example has a masked token")
        self.assertTrue(np.all(noisy[mask] == MASK_ID) and np.all(noisy[~mask] == clean[~mask]))
        self.assertFalse(mask[:, 0].any(), "BOS is never masked (shifted logits read row j-1)")
        self.assertTrue(np.all((t > 0) & (t <= 1)))
        self.assertTrue(np.all(n_maskable >= mask.sum(1)))

    def test_infill_examples(self):
        corpus = TokenCorpus(os.path.join(self.tokens, "train.npz"))
        rng = np.random.default_rng(0)
        made = self.examples(lambda: make_infill(rng, corpus, self.enc, 96), 40, 4000)
        self.assertEqual(len(made), 40)
        for ex in made:
            self.check_example(ex, 96)
            ids, maskable = ex
            gap = np.nonzero(maskable)[0]
            self.assertTrue(len(gap) > 0 and np.all(np.diff(gap) == 1), "the gap is one contiguous span")
            self.check_padding(ids[gap])
        self.check_batch(make_batch(rng, corpus, self.enc, 8, 96))

    def test_multi_gap_examples(self):
        corpus = TokenCorpus(os.path.join(self.tokens, "train.npz"))
        rng = np.random.default_rng(1)
        made = self.examples(lambda: make_multi_infill(rng, corpus, self.enc, 160), 400, 400)
        multi = 0
        for ex in made:
            self.check_example(ex, 160)
            ids, maskable = ex
            # gaps are separate spans (maskable runs), with unmasked context between them
            edges = np.diff(np.concatenate([[0], maskable.astype(int), [0]]))
            starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
            self.assertGreaterEqual(len(starts), 1)
            multi += len(starts) > 1
            for a, b in zip(starts, ends):
                self.check_padding(ids[a:b])
        self.assertGreater(len(made), 100)
        self.assertGreater(multi, len(made) // 3, "most canvases carry several gaps")
        self.check_batch(make_batch(rng, corpus, self.enc, 8, 160, multi_frac=0.5))

    def test_gap_kinds_weight_the_cuts(self):
        """--gap-kinds moves the share of rest-of-line, one-line and block gaps; the default draws the same cuts as
        before the option existed (the same random stream), so earlier stages' mix is reproducible."""
        from training.examples import GAP_KINDS, _cut_gap
        from training.train import parse_gap_kinds
        corpus = TokenCorpus(os.path.join(self.tokens, "train.npz"))
        starts = [i for a, b in corpus.file_lines for i in range(a, b - 1)]

        def lines_per_cut(kinds, seed):
            rng, n = np.random.default_rng(seed), []
            for ln in starts * 20:
                b = next(b for a, b in corpus.file_lines if a <= ln < b)
                cut = _cut_gap(rng, corpus, self.enc, ln, b, kinds)
                if cut is not None:
                    n.append(cut[3] - ln)  # lines consumed: 1 for rest-of-line and one-line cuts
            return np.array(n)
        default = lines_per_cut(GAP_KINDS, 5)
        self.assertTrue(np.array_equal(default, lines_per_cut((0.35, 0.30, 0.35), 5)))
        short = lines_per_cut(parse_gap_kinds("0.45,0.35,0.20"), 5)
        self.assertGreater((short == 1).mean(), (default == 1).mean() + 0.08)
        only_blocks = lines_per_cut(parse_gap_kinds("0,0,1"), 6)
        self.assertGreater((only_blocks > 1).mean(), 0.5)
        self.assertEqual(parse_gap_kinds("2,1,1"), (0.5, 0.25, 0.25))
        for bad in ("1,2", "a,b,c", "-1,1,1", "0,0,0"):
            with self.assertRaises(Fatal):
                parse_gap_kinds(bad)

    def test_blockwise_mask_is_a_decoding_state(self):
        rng = np.random.default_rng(2)
        maskable = np.zeros(60, dtype=bool)
        maskable[5:25] = maskable[30:34] = maskable[40:58] = True  # three gaps
        for _ in range(300):
            mask = blockwise_mask(rng, maskable, max_block=4)
            self.assertFalse((mask & ~maskable).any(), "only gap slots are masked")
            for a, b in ((5, 25), (30, 34), (40, 58)):
                gap = mask[a:b]
                first = int(np.argmax(gap))
                self.assertTrue(gap[first], "every gap still has an open slot")
                # committed head, then a block of at most 4 partly masked slots, then a fully masked tail
                self.assertTrue(gap[first + 4:].all())
        corpus = TokenCorpus(os.path.join(self.tokens, "train.npz"))
        noisy, clean, mask, t, n_maskable = make_batch(rng, corpus, self.enc, 8, 160, plain_frac=0.0,
                                                       multi_frac=0.5, blockwise_frac=1.0)
        self.check_batch((noisy, clean, mask, t, n_maskable))
        # every example is block-wise masked: its t is the realised masked share
        np.testing.assert_allclose(t, np.maximum(1e-3, mask.sum(1) / n_maskable), rtol=1e-6)

if __name__ == "__main__":
    unittest.main()
