"""Evaluation pieces: edit similarity, case construction, and threshold decoding's rules over a scripted model."""
import unittest

import torch

from training.common import BOS_ID, EOS_ID, MASK_ID
from training.decode import fill
from training.evaluate import (K_LINES_ABOVE, LINE_ABOVE, edit_similarity, evaluate_engine, make_cases,
                               paired_difference, same_decoder, score, versus_baselines)

FILE = "import os\n\n\ndef main():\n    value = compute(1)\n    print(value)\n    return value\n\n\nmain()\n"


class Scripted(torch.nn.Module):
    """Logits from a script: row i predicts `answer` at gap offset i - start + 1 (shifted), with confidence that
    falls along the gap, so threshold decoding must take several steps."""

    def __init__(self, start, answer, vocab=16):
        super().__init__()
        self.start, self.answer, self.vocab = start, answer, vocab
        self.calls = []

    def forward(self, ids, positions):
        self.calls.append(positions.tolist())
        out = torch.zeros(len(positions), self.vocab)
        for r, p in enumerate(positions.tolist()):
            j = p + 1 - self.start  # shifted: row p predicts canvas position p + 1
            tok = self.answer[j] if j < len(self.answer) else EOS_ID
            out[r, tok] = 10.0 - 3.0 * j
        return out


class EvaluateTest(unittest.TestCase):
    def test_edit_similarity(self):
        self.assertEqual(edit_similarity("abc", "abc"), 1.0)
        self.assertEqual(edit_similarity("", "abc"), 0.0)
        self.assertAlmostEqual(edit_similarity("kitten", "sitting"), 1 - 3 / 7)

    def test_cases_reassemble_the_file(self):
        cases = make_cases([FILE], 5, 2, seed=1)
        self.assertEqual(sum(c["kind"] == "single" for c in cases), 5)
        self.assertEqual(sum(c["kind"] == "multi" for c in cases), 2)
        for c in cases:
            self.assertEqual(c["prefix"] + c["middle"] + c["suffix"], FILE)
            self.assertFalse(c["middle"].startswith(" "))
            self.assertEqual(c["copy_line_above"], c["copy_above"].split("\n")[-1].lstrip())
            self.assertEqual(len(c["copy_above"].split("\n")), c["middle"].count("\n") + 1)
        perfect = score([c["middle"] for c in cases], cases)
        self.assertEqual(perfect["single"]["exact_match"], 100.0)
        self.assertEqual(score([""] * len(cases), cases)["multi"]["edit_similarity"], 0.0)

    def test_threshold_decoding_commits_in_steps_and_stops_at_eos(self):
        prefix, answer = [5, 6], [7, 8, 9]
        m = Scripted(start=1 + len(prefix), answer=answer)
        ids, forwards = fill(m, prefix, [10], gap=6, threshold=0.99)
        self.assertEqual(ids, answer)  # the spare slots became end-of-text and were cut
        self.assertGreater(forwards, 1)
        self.assertEqual(m.calls[0], [2, 3, 4, 5, 6, 7])  # rows j-1 of the masked gap positions 3..8
        m1 = Scripted(start=3, answer=answer)
        ids1, f1 = fill(m1, prefix, [10], gap=6, threshold=1.0)  # one token per step
        self.assertEqual(ids1, answer)
        self.assertGreaterEqual(f1, forwards)

    def test_dual_cache_decoding(self):
        from training.model import DreamConfig, DreamLM
        torch.manual_seed(0)
        m = DreamLM(DreamConfig(vocab_size=40, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                num_attention_heads=4, num_key_value_heads=2)).eval()
        prefix, suffix = [5, 6, 7, 8], [9, 10, 11]
        # threshold 0: a block commits all its slots in its first (full) pass, so the cache is never read
        a, fa = fill(m, prefix, suffix, gap=6, threshold=0.0, block=2)
        b, fb = fill(m, prefix, suffix, gap=6, threshold=0.0, block=2, cache=True)
        self.assertEqual((a, fa), (b, fb))
        # one token per step: window passes over the stale cache still fill every slot, one per pass
        calls = []
        real = m.window_forward

        def spy(ids, start, pk, pv, pos):
            calls.append((ids.shape[1], int(start)))
            return real(ids, start, pk, pv, pos)
        m.window_forward = spy
        c, fc = fill(m, prefix, suffix, gap=6, threshold=1.0, block=3, cache=True)
        self.assertEqual(fc, 6)
        full = 1 + len(prefix) + 6 + len(suffix) + 1
        # block 0: a full pass, then windows of the row before the block + 3 slots starting at row 4; block 1 too
        self.assertEqual(calls, [(full, 0), (4, 4), (4, 4), (full, 0), (4, 7), (4, 7)])


    def test_the_engine_decodes_the_cases(self):
        """The product path (dist/cli.js batch, worker, ONNX Runtime) on the shipped model, as --engine runs it."""
        import os
        from training.common import ROOT
        # needs dist/cli.js: `npm test` builds it before this suite; alone, evaluate_engine says to run the build
        cases = make_cases([FILE], 3, 2, seed=3)
        preds, st = evaluate_engine(os.path.join(ROOT, "models", "diffucode-tiny"), cases)
        self.assertEqual(len(preds), len(cases))
        for p, c in zip(preds, cases):
            self.assertIsInstance(p, str)
            if c["kind"] == "single":
                self.assertNotIn("\n", p)  # single-line fills end at the line, as ghost text does
        self.assertGreaterEqual(st["forwards"], len(cases))
        self.assertTrue(same_decoder({"threshold": 0.9, "block": 4, "eosAfterText": True, "cache": "dual"},
                                     {"algorithm": "threshold", "threshold": 0.9, "blockSize": 4, "eosAfterText": True,
                                      "cache": "dual", "temperature": 0}))
        self.assertFalse(same_decoder({"threshold": 0.9, "block": 8, "eosAfterText": True, "cache": "dual"},
                                      {"threshold": 0.9, "blockSize": 4, "eosAfterText": True, "cache": "dual"}))
        # release.py's product check: the evaluation's cases again, compared fill by fill with the matching row
        import json
        import tempfile
        from training.evaluate import product_check
        with open(os.path.join(ROOT, "models", "diffucode-tiny", "manifest.json"), encoding="utf-8") as f:
            rec = json.load(f)["sampler"]
        with tempfile.TemporaryDirectory() as tmp:
            test = os.path.join(tmp, "test.jsonl")
            with open(test, "w", encoding="utf-8") as f:
                f.write(json.dumps({"text": FILE}) + "\n")
            decoder = {"threshold": rec["threshold"], "block": rec.get("blockSize", 0),
                       "eosAfterText": bool(rec.get("eosAfterText")), "cache": rec.get("cache", "none")}
            ev = {"test": test, "single": 3, "multi": 2, "seed": 3, "rows": {"model: m": {"decoder": decoder}},
                  "preds": {"model: m": preds}}
            row = product_check(os.path.join(ROOT, "models", "diffucode-tiny"), ev)
        self.assertEqual(row["same_as"], {"row": "model: m", "percent": 100.0})  # the engine is deterministic

    def test_engine_rows_take_sampler_flags(self):
        """--engine-args: the CLI's sampler flags reach the engine (a quarter of the steps, so fewer passes), name
        the row, and such a row is not compared with the manifest sampler's PyTorch twin."""
        import os
        from training.common import ROOT
        from training.evaluate import engine_row
        cases = make_cases([FILE], 2, 0, seed=3)
        model = os.path.join(ROOT, "models", "diffucode-tiny")
        flags = ["-a", "maskgit_plus", "--cache", "none", "--block-size", "1000"]
        _, one = evaluate_engine(model, cases, sampler_args=flags + ["--steps-per-token", "1"])
        _, quarter = evaluate_engine(model, cases, sampler_args=flags + ["--steps-per-token", "0.25"])
        from training.evaluate import GAPS
        self.assertLessEqual(quarter["forwards"], 2 * round(GAPS[0] / 4))  # two single-line gaps, a quarter of the steps
        self.assertGreater(one["forwards"], quarter["forwards"])
        name, row = engine_row(model, cases, {"model: m": {"decoder": {}}}, {"model: m": ["", ""]},
                               sampler_args=flags)
        self.assertTrue(name.endswith(" with " + " ".join(flags)), name)
        self.assertNotIn("same_as", row)

    def test_paired_difference_and_the_verdict(self):
        from training.release import verdict
        d = paired_difference([0.5, 0.6, 0.7, 0.8] * 10, [0.4, 0.5, 0.6, 0.7] * 10)
        self.assertEqual(d["diff"], 10.0)
        self.assertEqual(d["ci95"], [10.0, 10.0])  # the same gain on every case: no doubt at all
        noisy = paired_difference([1.0, 0.0] * 20, [0.45, 0.45] * 20)
        self.assertLess(noisy["ci95"][0], 0)
        self.assertGreater(noisy["ci95"][1], 0)

        def row(single, multi, decoder=None):
            r = {"single": {"edit_similarity": 100 * sum(single) / len(single), "per_case_es": single},
                 "multi": {"edit_similarity": 100 * sum(multi) / len(multi), "per_case_es": multi}}
            if decoder:
                r["decoder"] = decoder
            return r
        empty = row([0.0] * 40, [0.0] * 20)
        copy = row([0.4, 0.5] * 20, [0.4] * 20)
        k_copy = row([0.4, 0.5] * 20, [0.55] * 20)  # knows the answer's length: better on multi-line cases
        clear = {"rows": {"baseline: empty middle": empty, LINE_ABOVE: copy, K_LINES_ABOVE: k_copy,
                          "model: m": row([0.6, 0.7] * 20, [0.5] * 20, {"threshold": 0.9})}}
        clear["versus_baselines"] = versus_baselines(clear)
        self.assertEqual(clear["versus_baselines"][LINE_ABOVE]["single"]["diff"], 20.0)
        self.assertIn("clearly beats both baselines (empty middle and copy of the line above)", verdict(clear))
        self.assertIn("stricter copy of the k lines above, which knows how many lines were removed, it does not", verdict(clear))
        unclear = {"rows": {"baseline: empty middle": empty, LINE_ABOVE: copy, K_LINES_ABOVE: k_copy,
                            "model: m": row([1.0, 0.0] * 20, [0.5] * 20, {"threshold": 0.9})}}
        unclear["versus_baselines"] = versus_baselines(unclear)
        self.assertIn("not clearly", verdict(unclear))
        lost = {"rows": {"baseline: empty middle": empty, LINE_ABOVE: copy, K_LINES_ABOVE: k_copy,
                         "model: m": row([0.3] * 40, [0.5] * 20, {"threshold": 0.9})}}
        lost["versus_baselines"] = versus_baselines(lost)
        self.assertIn("does **not** beat", verdict(lost))
        # An eval.json from before the intervals: the k-lines copy under its old name, no per-case scores.
        old = {"rows": {"baseline: empty middle": {"single": {"edit_similarity": 0.0}, "multi": {"edit_similarity": 0.0}},
                        "baseline: copy line(s) above": {"single": {"edit_similarity": 25.0},
                                                         "multi": {"edit_similarity": 32.9}},
                        "model: m": {"single": {"edit_similarity": 25.5}, "multi": {"edit_similarity": 33.0},
                                     "decoder": {"threshold": 0.9}}}}
        said = verdict(old)
        self.assertIn("but not clearly", said)
        self.assertIn("copy of the k lines above", said)
        self.assertIn("no interval in this evaluation", said)

    def test_context_budget_is_recorded_and_old_evaluations_are_marked(self):
        import json
        import os

        from training.common import ROOT
        from training.evaluate import BUDGET, GAPS, OLD_BUDGET, budget_of, fit_context
        with open(os.path.join(ROOT, "package.json")) as f:
            props = json.load(f)["contributes"]["configuration"]["properties"]
        self.assertEqual(BUDGET, (props["diffucode.context.prefixTokens"]["default"],
                                  props["diffucode.context.suffixTokens"]["default"]))
        self.assertEqual(GAPS[0], props["diffucode.ghostText.lineTokens"]["default"])
        # The engine's trimming (canvas.ts): within the context nothing is cut; past it the suffix keeps at least a
        # quarter of the room and the prefix gives way first.
        self.assertEqual(fit_context(224, 96, 384 - 2 - 24), (224, 96))
        self.assertEqual(fit_context(224, 96, 384 - 2 - 64), (224, 94))
        self.assertEqual(fit_context(300, 300, 100), (75, 25))
        self.assertEqual(fit_context(10, 300, 100), (10, 90))
        from training.release import eval_table
        self.assertEqual(budget_of({}), OLD_BUDGET)  # written before evaluations recorded their budget
        self.assertEqual(budget_of({"budget": {"prefix": 10, "suffix": 5}}), (10, 5))
        row = {"single": {"n": 1, "exact_match": 0.0, "edit_similarity": 20.0},
               "multi": {"n": 1, "exact_match": 0.0, "edit_similarity": 20.0}, "decoder": {"threshold": 0.9}}
        ev = {"cases": 2, "seed": 7, "budget": {"prefix": BUDGET[0], "suffix": BUDGET[1]}, "rows": {"model: m": row}}
        old = {"cases": 2, "seed": 7, "rows": {"model: m": row}}
        self.assertIn("previous release (m, context %d/%d tokens)" % OLD_BUDGET, eval_table(ev, old))
        same = dict(old, budget=ev["budget"])
        self.assertIn("| previous release (m) |", eval_table(ev, same))
        # other cases (the same count split otherwise) are not rows of this table
        self.assertNotIn("previous release", eval_table(dict(ev, single=1, multi=1), dict(same, single=2, multi=0)))


if __name__ == "__main__":
    unittest.main()