"""release.py's release rules (issue 17, item 5) on a tiny trained run: the ghost-text gate is calibrated into the
manifest or carried over (never lost), a model that does not clearly beat the shipped one is refused with the
shipped folder untouched, and the card gets the failure-mode and gate sections. The engine, failure_modes.py and the
calibration are replaced by fixtures (their own tests cover them); the export is real."""
import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest
from unittest import mock

import torch

from training import release
from training.common import Fatal, file_sha256, run_main
from training.evaluate import BUDGET, EMPTY, score
from training.model_folder import check_graph, validate_folder
from training.tests.fixtures import make_tokenizer, make_tokens
from training.train import main as train_main

N_SINGLE, N_MULTI = 40, 10


def product_row(single_es, multi_es):
    """A product-check row (evaluate.engine_row's shape) with the given per-case edit similarities (0-1)."""
    def part(es):
        return {"n": len(es), "exact_match": 0.0, "edit_similarity": round(100 * sum(es) / len(es), 1),
                "per_case_es": es}
    return {"single": part(single_es), "multi": part(multi_es), "tokens_per_forward": 1.0, "seconds": 1.0}


SHIPPED = product_row([0.2 + 0.01 * (i % 7) for i in range(N_SINGLE)], [0.3] * N_MULTI)
BETTER = product_row([0.3 + 0.01 * (i % 5) for i in range(N_SINGLE)], [0.3] * N_MULTI)
NOT_BETTER = product_row([x + (0.02 if i % 2 else -0.02) for i, x in enumerate(SHIPPED["single"]["per_case_es"])],
                         [0.35] * N_MULTI)


def failure_modes_result(row, repeated=12.5):
    def fills(kind, n):
        pct = {"empty": 2.5, "repeated_3gram": repeated, "stutter": 5.0, "unbalanced": 20.0,
               "bracket_change_differs": 17.5}
        if kind == "single":
            pct["overrun_raw"] = 0.0
        return {"n": n, "n_nonempty": n, "percent": pct}
    ref = {"n": 1, "percent": {"empty": 0.0, "repeated_3gram": 5.4, "stutter": 0.1, "unbalanced": 12.9,
                               "bracket_change_differs": 0.0}}
    return {"cases": {"single": N_SINGLE, "multi": N_MULTI, "seed": 7},
            "scores": {k: row[k] for k in ("single", "multi")},
            "fills": {"single": fills("single", N_SINGLE), "multi": fills("multi", N_MULTI)},
            "references": {"single": ref, "multi": dict(ref, percent=dict(ref["percent"], repeated_3gram=36.5))},
            "single_line_without_stop": {"n": N_SINGLE, "percent_overrun": 48.4}}


def calibration_result(gate=0.55):
    gates = [0, 0.05, 0.5, 0.55, 0.6]

    def row(g):
        shown = 42 / 800 * 100 if g == gate else max(0.0, 90 - 100 * g)
        return {"gate": g, "shownSingle": shown, "exactMatchShownSingle": 21.428571428571427 if g == gate else 3.0,
                "editSimilarityShownSingle": 35.5, "shownMulti": 0, "exactMatchShownMulti": None,
                "editSimilarityShownMulti": None}
    curves = {k: [row(g) for g in gates] for k in ("geomean", "min", "head")}
    return {"cases": {"single": N_SINGLE, "multi": N_MULTI, "seed": 7}, "rule": {"targetExactMatch": 30, "minShown": 5},
            "chosen": {"gate": gate, "why": "the most precise gate still showing >= 5 % of single-line cases"},
            "curves": curves, "errors": []}


def tree(folder):
    """Every file under `folder` with its bytes and modification time."""
    out = {}
    for base, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(base, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = (fh.read(), os.stat(p).st_mtime_ns)
    return out


class ReleaseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.tok_dir = os.path.join(d, "tok")
        corpus, tokens = os.path.join(d, "corpus"), os.path.join(d, "tokens")
        make_tokens(corpus, tokens, make_tokenizer(cls.tok_dir))
        cls.runs = os.path.join(d, "runs")
        train_main(["--run", "new", "--runs-dir", cls.runs, "--tokens", tokens, "--tokenizer",
                    os.path.join(cls.tok_dir, "tokenizer.json"), "--size", "test", "--steps", "2", "--batch", "2",
                    "--seq", "64", "--warmup", "1", "--eval-every", "2", "--eval-batches", "1", "--threads", "1"])
        run = os.path.join(cls.runs, "new")
        cases = [{"kind": "single", "middle": "x"}] * N_SINGLE + [{"kind": "multi", "middle": "y\nz"}] * N_MULTI
        model_row = dict(score(["x"] * len(cases), cases), tokens_per_forward=1.0, seconds=1.0,
                         decoder={"threshold": 0.9, "block": 8, "eosAfterText": True, "cache": "dual"})
        with open(os.path.join(run, "eval.json"), "w") as f:
            json.dump({"cases": len(cases), "single": N_SINGLE, "multi": N_MULTI, "seed": 7,
                       "test": os.path.join(corpus, "test.jsonl"),
                       "checkpoint_sha256": file_sha256(os.path.join(run, "last.pt")),
                       "budget": {"prefix": BUDGET[0], "suffix": BUDGET[1]},
                       "rows": {EMPTY: score([""] * len(cases), cases),
                                "model: threshold 0.9, blocks of 8, end-of-text only after text, dual cache": model_row}},
                      f)
        cls.corpus_manifest = os.path.join(d, "corpus-manifest.json")
        with open(cls.corpus_manifest, "w") as f:
            json.dump({"sources": [{"name": "fixture", "licence": "MIT", "files": {"train": 24, "valid": 24, "test": 24},
                                    "tokens": {"train": 1000}}],
                       "files": 72, "bytes": 20000, "files_by_lang": {"python": 72}, "tokens": {"train": 1000}}, f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.case = tempfile.mkdtemp(dir=self.tmp.name)
        self.out = os.path.join(self.case, "models", "diffucode-tiny")
        self.keep = os.path.join(self.case, "checkpoints")
        os.makedirs(self.out)
        with open(os.path.join(self.out, "manifest.json"), "w") as f:
            json.dump({"contract": "diffucode-model/1", "name": "diffucode-tiny", "sampler": {"threshold": 0.9},
                       "ghostText": {"minConfidence": 0.7}}, f)
        for name, text in (("MODEL_CARD.md", "# the shipped model\n"), ("model.onnx", "not really a graph")):
            with open(os.path.join(self.out, name), "w") as f:
                f.write(text)

    def release(self, new=BETTER, calibration=None, extra=(), shipped=SHIPPED, failure_modes=None):
        """release.main with the engine, failure_modes.py and the calibration replaced; returns the mocks."""
        out = os.path.abspath(self.out)

        def product(folder, ev):
            self.assertEqual((ev["single"], ev["multi"]), (N_SINGLE, N_MULTI))
            return shipped if os.path.abspath(folder) == out else new
        cal = mock.Mock(side_effect=calibration) if isinstance(calibration, Exception) else \
            mock.Mock(return_value=calibration or calibration_result())
        fm = mock.Mock(return_value=failure_modes or failure_modes_result(new))
        self.calls = (fm, cal)
        with mock.patch.object(release, "measure_product", side_effect=product) as mp, \
                mock.patch.object(release, "run_failure_modes", fm), mock.patch.object(release, "run_calibration", cal), \
                contextlib.redirect_stdout(io.StringIO()):
            release.main(["--run", "new", "--runs-dir", self.runs, "--corpus-manifest", self.corpus_manifest,
                          "--tokenizer-dir", self.tok_dir, "--out", self.out, "--keep", self.keep, *extra])
        return mp, fm, cal

    def shipped(self):
        with open(os.path.join(self.out, "manifest.json")) as f:
            man = json.load(f)
        with open(os.path.join(self.out, "MODEL_CARD.md")) as f:
            return man, f.read()

    def test_calibrated_gate_goes_into_the_manifest_and_the_card(self):
        mp, fm, cal = self.release()
        man, card = self.shipped()
        self.assertEqual(man["ghostText"], {"minConfidence": 0.55})
        self.assertEqual(list(man).index("ghostText"), list(man).index("sampler") + 1)
        self.assertEqual(cal.call_count, 1)
        self.assertEqual(mp.call_count, 2)  # the staged folder, then the shipped one
        self.assertIn("## Ghost-text confidence gate", card)
        self.assertIn("(**0.55**)", card)
        self.assertIn("Calibrated on these weights at release", card)
        self.assertIn("The release it replaces shipped 0.7.", card)
        # The curve, as bench/ghost-text-calibrate.ts prints it (toFixed: 42/800 = 5.25 % reads 5.3).
        self.assertIn("| 0.55 | 5.3 / 21.4 / 35.5 | 0.0 / - / - |", card)
        self.assertIn("## Against the model it replaces", card)
        self.assertIn("clearly beats the one it replaces", card)
        self.assertIn("## Failure modes", card)
        self.assertIn("## The same cases through the product", card)
        self.assertTrue(os.path.isfile(os.path.join(self.out, "model.onnx")))
        # Through the converter: graph v2 (no window graph), the release's sampler and provenance, and a folder
        # that passes the same check as the staged one.
        self.assertEqual(validate_folder(self.out), man)
        self.assertEqual(check_graph(self.out, man), 2)
        self.assertNotIn("windowGraph", man)
        self.assertEqual(man["weights"], {"dtype": "fp32"})
        self.assertEqual(man["provenance"]["exportedBy"], "diffucode convert (src/models/convert)")
        self.assertEqual(man["provenance"]["trainedBy"], "DiffuCode training pipeline (training/train.py)")
        self.assertEqual(man["sampler"], {"algorithm": "threshold", "threshold": 0.9, "temperature": 0, "topP": 1,
                                          "stepsPerToken": 1, "blockSize": 8, "eosAfterText": True, "cache": "dual"})
        self.assertEqual(man["contextLength"], 64)
        self.assertTrue(card.startswith("# diffucode-tiny"))
        self.assertTrue(os.path.isfile(os.path.join(self.keep, "diffucode-tiny.pt")))
        run = os.path.join(self.runs, "new")
        self.assertFalse(os.path.exists(os.path.join(run, "release-staged")))
        with open(os.path.join(run, "ghost-text-calibration.json")) as f:
            self.assertEqual(json.load(f)["chosen"]["gate"], 0.55)
        with open(os.path.join(run, "failure-modes.json")) as f:
            self.assertEqual(json.load(f)["fills"]["single"]["percent"]["repeated_3gram"], 12.5)

    def test_gate_is_carried_over_when_asked_or_when_calibration_fails(self):
        _, _, cal = self.release(extra=["--carry-gate"])
        man, card = self.shipped()
        self.assertEqual(man["ghostText"], {"minConfidence": 0.7})
        self.assertEqual(cal.call_count, 0)
        self.assertIn("carried over from the previous release's manifest", card)
        self.assertIn("--carry-gate", card)
        # The shipped folder is now that release; a calibration that fails carries its gate over again, said so.
        with contextlib.redirect_stderr(io.StringIO()) as err:
            self.release(calibration=Fatal("ghost-text calibration failed: worker crashed"))
        man, card = self.shipped()
        self.assertEqual(man["ghostText"], {"minConfidence": 0.7})
        self.assertIn("worker crashed", card)
        self.assertIn("carried over", err.getvalue())

    def test_no_gate_to_calibrate_or_carry_is_refused(self):
        with open(os.path.join(self.out, "manifest.json"), "w") as f:
            json.dump({"contract": "diffucode-model/1", "sampler": {}}, f)
        before = tree(self.out)
        with self.assertRaisesRegex(Fatal, "no ghost-text gate"), contextlib.redirect_stderr(io.StringIO()):
            self.release(calibration=Fatal("ghost-text calibration failed: no node"))
        self.assertEqual(tree(self.out), before)
        with self.assertRaisesRegex(Fatal, "--carry-gate: .* no ghostText.minConfidence"):
            self.release(extra=["--carry-gate"])
        self.assertEqual(tree(self.out), before)

    def test_a_model_that_does_not_clearly_beat_the_shipped_one_is_refused(self):
        before = tree(self.out)
        err = io.StringIO()
        with self.assertRaises(SystemExit) as stop, contextlib.redirect_stderr(err):
            run_main(lambda: self.release(new=NOT_BETTER))
        self.assertEqual(stop.exception.code, 2)
        # (The export's own deprecation warnings may come first, once per process.)
        lines = [l for l in err.getvalue().strip().splitlines() if l.startswith("error:")]
        self.assertEqual(len(lines), 1, err.getvalue())
        self.assertTrue(err.getvalue().strip().endswith(lines[0]))
        self.assertIn("not released", lines[0])
        self.assertIn("95 % paired interval", lines[0])
        self.assertIn("--allow-no-gain", lines[0])
        self.assertEqual(tree(self.out), before)  # not a byte, not a timestamp
        self.assertEqual(os.listdir(os.path.dirname(self.out)), ["diffucode-tiny"])
        self.assertFalse(os.path.exists(self.keep))
        self.assertFalse(os.path.exists(os.path.join(self.runs, "new", "release-staged")))
        self.assertEqual([m.call_count for m in self.calls], [0, 0])  # refused before failure modes and gate
        with self.assertRaisesRegex(Fatal, r"\+0.0 ES points, 95 % paired interval \[\+0.0, \+0.0\]"):
            self.release(new=SHIPPED)  # a tie is no gain either
        self.assertEqual(tree(self.out), before)

    def test_allow_no_gain_releases_and_the_card_records_it(self):
        with contextlib.redirect_stderr(io.StringIO()):
            self.release(new=NOT_BETTER, extra=["--allow-no-gain", "same weights, new tokenizer config"])
        man, card = self.shipped()
        self.assertIn("does **not**", card)
        self.assertIn("`--allow-no-gain`): same weights, new tokenizer config", card)
        self.assertEqual(man["ghostText"], {"minConfidence": 0.55})

    def test_given_failure_modes_must_describe_these_weights(self):
        path = os.path.join(self.case, "fm.json")
        with open(path, "w") as f:
            json.dump(failure_modes_result(SHIPPED), f)  # the shipped model's fills, not the new one's
        before = tree(self.out)
        with self.assertRaisesRegex(Fatal, "describes other fills"):
            self.release(extra=["--failure-modes", path])
        self.assertEqual(tree(self.out), before)
        with open(path, "w") as f:
            json.dump(failure_modes_result(BETTER, repeated=7.5), f)
        prev = os.path.join(self.case, "fm-prev.json")
        with open(prev, "w") as f:
            json.dump(failure_modes_result(SHIPPED, repeated=30.0), f)
        _, fm, _ = self.release(extra=["--failure-modes", path, "--previous-failure-modes", prev])
        self.assertEqual(fm.call_count, 0)
        _, card = self.shipped()
        self.assertIn("| repeated 3-gram | 7.5 | 30.0 | 5.4 | 7.5 | 30.0 | 36.5 |", card)

    def test_failure_mode_section_shares_beside_base_rates(self):
        text = release.failure_modes_section(failure_modes_result(BETTER))
        self.assertIn("| failure (% of fills) | single-line: this model | reference code | multi-line: this model | "
                      "reference code |", text)
        self.assertIn("| repeated 3-gram | 12.5 | 5.4 | 12.5 | 36.5 |", text)
        self.assertIn("| unbalanced brackets | 20.0 | 12.9 | 20.0 | 12.9 |", text)
        self.assertIn("| overrun past the line (single-line, line stop off) | 48.4 | 0.0 |  |  |", text)
        self.assertIn("0.0 % of single-line fills ran past their line", text)
        before = release.failure_modes_section(failure_modes_result(BETTER), failure_modes_result(SHIPPED, 30.0),
                                               0.9, "bench/results/failure-modes.json")
        self.assertIn("previous release", before)
        self.assertIn("| stutter | 5.0 | 5.0 | 0.1 | 5.0 | 5.0 | 0.1 |", before)
        self.assertIn("match today's engine on that model in 90.0 % of cases", before)
        for t in (text, before):  # every row has the header's number of cells
            rows = [l for l in t.splitlines() if l.startswith("|")]
            self.assertEqual(len({l.count("|") for l in rows}), 1, rows)

    def test_js_rounding_and_the_must_beat_rule(self):
        self.assertEqual(release.js_fixed(5.25), "5.3")
        self.assertEqual(release.js_fixed(21.428571428571427), "21.4")
        self.assertEqual(release.js_fixed(None), "-")
        self.assertEqual(release.js_fixed(0), "0.0")
        gain = release.versus_shipped(BETTER, SHIPPED)
        self.assertTrue(release.beats(gain))
        self.assertGreater(gain["single"]["ci95"][0], 0)
        self.assertFalse(release.beats(release.versus_shipped(NOT_BETTER, SHIPPED)))
        self.assertFalse(release.beats({}))
        man = release.with_ghost_text({"name": "m", "sampler": {}, "license": "MIT"}, {"minConfidence": 0.4})
        self.assertEqual(list(man), ["name", "sampler", "ghostText", "license"])


class CardTextTest(unittest.TestCase):
    def test_a_stage_on_the_extra_corpus_is_described_and_reproducible(self):
        """A stage trained with --gap-kinds on data/tokens-extra: the card's mix, its reproduce line and the extra
        corpus's licence table say so; earlier stages (no such keys) read as before."""
        old = {"step": 5, "tokens_seen": 10, "elapsed": 60, "args": {"lr": 3e-4, "minutes": 1, "batch": 2, "seq": 64,
                                                                     "plain_frac": 0.25, "multi_frac": 0.45}}
        self.assertNotIn("gap_kinds", release.stage_of(old))
        self.assertNotIn("data", release.stage_of(old))
        new = {"step": 5, "tokens_seen": 10, "elapsed": 60,
               "args": dict(old["args"], gap_kinds=[0.45, 0.35, 0.2], tokens="training/data/tokens-extra", seed=6)}
        st = release.stage_of(new)
        self.assertEqual((st["gap_kinds"], st["data"], st["tokens"]), ([0.45, 0.35, 0.2], "tokens-extra", 10))
        self.assertIn("45 % rest of a line, 35 % one line, 20 % 2-8 lines", release.mixture(st))
        self.assertIn("extra corpus", release.mixture(st))
        self.assertIn("--gap-kinds 0.45,0.35,0.2 --tokens training/data/tokens-extra",
                      release.reproduce([release.stage_of(old), st]))
        extra = {"files": 30, "bytes": 4e6, "files_by_lang": {"python": 30}, "tokens": 1234,
                 "near_duplicate": {"hashes": 64, "bands": 16, "jaccard": 0.6},
                 "refused": [{"name": "debian:python3-chardet", "licence": "LGPL-2.1+"}],
                 "sources": [{"name": "pip:fastapi", "version": "0.1", "licence": "MIT", "files": 25, "tokens": 1000,
                              "evidence": "fastapi-0.1.dist-info/METADATA: License-Expression: MIT",
                              "rejected": {"near-duplicate": 3}},
                             {"name": "npm:chalk", "licence": "MIT", "files": 5, "tokens": 234, "rejected": {}}]}
        text = release.extra_data_section(extra)
        self.assertIn("| pip:fastapi 0.1 | MIT | 25 | 1,000 |", text)
        self.assertIn("| 1 smaller packages | MIT | 5 in all | 234 |", text)
        self.assertIn("debian:python3-chardet (LGPL-2.1+)", text)
        self.assertIn("'near-duplicate': 3", text)
        self.assertEqual(release.extra_data_section(None), "")
        self.assertIn("`repetitionPenalty: 2`", release.carried_text({"repetitionPenalty": 2}))
        self.assertEqual(release.carried_text({}), "")


if __name__ == "__main__":
    unittest.main()
