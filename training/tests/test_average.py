"""Checkpoint averaging: which snapshots are averaged, the mean itself, and that an average is written only when it
beats the last checkpoint on the validation canvases."""
import csv
import glob
import os
import shutil
import tempfile
import unittest

import torch

from training.average import main as average_main
from training.average import mean_weights, pick_tail
from training.common import Fatal
from training.tests.fixtures import make_tokenizer, make_tokens
from training.train import main as train_main


class AverageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        tok_dir = os.path.join(d, "tok")
        tokens = os.path.join(d, "tokens")
        make_tokens(os.path.join(d, "corpus"), tokens, make_tokenizer(tok_dir))
        cls.runs = os.path.join(d, "runs")
        train_main(["--run", "base", "--runs-dir", cls.runs, "--tokens", tokens, "--tokenizer",
                    os.path.join(tok_dir, "tokenizer.json"), "--size", "test", "--steps", "3", "--batch", "2",
                    "--seq", "64", "--warmup", "1", "--eval-every", "3", "--eval-batches", "1", "--threads", "1"])
        cls.base = torch.load(os.path.join(cls.runs, "base", "last.pt"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def make_run(self, name, last_noise, snap_noise):
        """A run whose last.pt (step 3) and one snapshot (step 2) are the trained weights plus Gaussian noise."""
        run = os.path.join(self.runs, name)
        shutil.rmtree(run, ignore_errors=True)
        os.makedirs(os.path.join(run, "snaps"))
        # A curve with a row past the last checkpoint (a run killed after logging step 4, checkpointed at step 3).
        with open(os.path.join(run, "loss.csv"), "w") as f:
            f.write("step,tokens,elapsed_s,lr,loss,masked_ce,val_loss,val_masked_ce\n"
                    "1,128,0.1,0.001,6.0,6.1,,\n2,256,0.2,0.001,5.9,6.0,,\n3,384,0.3,0.001,5.8,5.9,4.8,5.454\n"
                    "4,512,0.4,0.001,5.7,5.8,,\n")
        g = torch.Generator().manual_seed(0)
        for path, step, noise in ((os.path.join(run, "last.pt"), 3, last_noise),
                                  (os.path.join(run, "snaps", "a.pt"), 2, snap_noise)):
            ck = dict(self.base, step=step)
            ck["model"] = {k: v + noise * torch.randn(v.shape, generator=g) for k, v in self.base["model"].items()}
            torch.save(ck, path)
        return run

    def args(self, name):
        return ["--run", name, "--runs-dir", self.runs, "--snapshots", os.path.join(self.runs, name, "snaps", "*.pt"),
                "--tail", "1", "--val-batches", "2", "--threads", "1"]

    def test_pick_tail_keeps_the_last_share_of_steps_once_each(self):
        snaps = [("a", 100), ("b", 700), ("b2", 700), ("c", 800), ("d", 1000)]
        self.assertEqual(pick_tail(snaps, 1000, 0.25), [("c", 800), ("d", 1000)])
        self.assertEqual([s for _, s in pick_tail(snaps, 1000, 1.0)], [100, 700, 800, 1000])
        self.assertEqual(pick_tail(snaps, 1000, 0.01), [("d", 1000)])

    def test_mean_weights_and_shape_check(self):
        a = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([0.0])}
        b = {"w": torch.tensor([3.0, 6.0]), "b": torch.tensor([1.0])}
        m = mean_weights([a, b])
        self.assertTrue(torch.equal(m["w"], torch.tensor([2.0, 4.0])))
        self.assertTrue(torch.equal(m["b"], torch.tensor([0.5])))
        with self.assertRaises(Fatal):
            mean_weights([a, {"w": torch.zeros(3), "b": torch.zeros(1)}])

    def test_a_better_average_is_written_as_a_run(self):
        run = self.make_run("noisy-last", last_noise=0.3, snap_noise=0.0)
        report = average_main(self.args("noisy-last"))
        self.assertEqual(report["steps"], [2, 3])
        self.assertLess(report["average"]["val_masked_ce"], report["last"]["val_masked_ce"])
        out = torch.load(os.path.join(run + "-avg", "last.pt"))
        last, snap = torch.load(os.path.join(run, "last.pt")), torch.load(os.path.join(run, "snaps", "a.pt"))
        for k in last["model"]:
            torch.testing.assert_close(out["model"][k], (last["model"][k] + snap["model"][k]) / 2)
        self.assertNotIn("optim", out)
        self.assertEqual(out["step"], 3)
        self.assertEqual(out["averaged"]["steps"], [2, 3])
        with open(os.path.join(run + "-avg", "loss.csv")) as f:
            rows = list(csv.DictReader(f))
        # One row per step up to the checkpoint's; that row's validation is the average's.
        self.assertEqual([r["step"] for r in rows], ["1", "2", "3"])
        self.assertEqual(rows[-1]["loss"], "5.8")
        self.assertNotEqual(rows[-1]["val_masked_ce"], "5.454")
        self.assertEqual(out["averaged"]["last"]["own_val_masked_ce"], 5.454)
        self.assertEqual(out["averaged"]["tail"], 1.0)
        # Averaging again, now worse: the earlier average is removed, never left to be released.
        self.make_run("noisy-last", last_noise=0.0, snap_noise=0.3)
        average_main(self.args("noisy-last"))
        self.assertFalse(os.path.exists(run + "-avg"))

    def test_the_model_card_says_the_weights_are_an_average(self):
        from training.release import reproduce, stage_of, stages_text
        ck = dict(self.base, step=3000, averaged={"steps": [2250, 2500, 2750, 3000]})
        first, second = stage_of(self.base), stage_of(ck)
        self.assertNotIn("averaged_steps", first)  # plain stages keep their recorded shape
        self.assertEqual(second["averaged_steps"], [2250, 2500, 2750, 3000])
        text = stages_text([first, second])
        self.assertIn("mean of the 4 checkpoints from steps 2,250 to 3,000", text)
        cmds = reproduce([first, second])
        self.assertIn("training/average.py --run tiny2 --snapshots 'training/runs/tiny2/snaps/*.pt' --tail 0.25", cmds)
        self.assertIn("evaluate.py --checkpoint training/runs/tiny2-avg/last.pt", cmds)
        self.assertIn("release.py --run tiny2-avg --continues", cmds)
        self.assertEqual(pick_tail([(str(s), s) for s in (2000, 2250, 2500, 2750)] + [("last", 3000)], 3000, 0.25),
                         [("2250", 2250), ("2500", 2500), ("2750", 2750), ("last", 3000)])
        # The tail printed is the one used; without it (older records) it is rounded up, never dropping a step.
        odd = dict(second, averaged_steps=[2240, 2500, 3000], averaged_tail=None)
        tail = float(reproduce([first, odd]).split("--tail ")[1].split()[0])
        self.assertEqual([s for _, s in pick_tail([(str(s), s) for s in (2000, 2240, 2500, 3000)], 3000, tail)],
                         [2240, 2500, 3000])
        self.assertIn("--tail 0.3", reproduce([first, dict(second, averaged_tail=0.3)]))
        self.assertEqual([s for _, s in pick_tail([(str(s), s) for s in (29, 30, 100)], 100, 0.7)], [30, 100])

    def test_release_refuses_an_evaluation_of_other_weights_or_budget(self):
        import json

        from training.common import file_sha256
        from training.evaluate import BUDGET
        from training.release import main as release_main
        run = self.make_run("released", 0.0, 0.0)
        manifest = os.path.join(self.tmp.name, "corpus-manifest.json")
        with open(manifest, "w") as f:
            f.write("{}")

        def release_with(ev):
            with open(os.path.join(run, "eval.json"), "w") as f:
                json.dump(dict({"cases": 1, "seed": 7, "rows": {}}, **ev), f)
            release_main(["--run", "released", "--runs-dir", self.runs, "--corpus-manifest", manifest,
                          "--out", os.path.join(self.tmp.name, "never-written"), "--keep", self.tmp.name])
        with self.assertRaisesRegex(Fatal, "made for other weights"):
            release_with({"checkpoint_sha256": "0" * 64, "budget": {"prefix": BUDGET[0], "suffix": BUDGET[1]}})
        with self.assertRaisesRegex(Fatal, "evaluate again with the defaults"):
            release_with({"checkpoint_sha256": file_sha256(os.path.join(run, "last.pt"))})  # no budget: 256/64
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "never-written")))

    def test_a_worse_average_writes_nothing(self):
        run = self.make_run("noisy-snap", last_noise=0.0, snap_noise=0.3)
        report = average_main(self.args("noisy-snap"))
        self.assertGreaterEqual(report["average"]["val_masked_ce"], report["last"]["val_masked_ce"])
        self.assertFalse(os.path.exists(run + "-avg"))

    def test_nothing_to_average_and_foreign_snapshots_are_clear_errors(self):
        run = self.make_run("lonely", 0.0, 0.0)
        for p in glob.glob(os.path.join(run, "snaps", "*.pt")):
            os.remove(p)
        with self.assertRaisesRegex(Fatal, "nothing to average"):
            average_main(self.args("lonely"))
        later = dict(self.base, step=9)
        torch.save(later, os.path.join(run, "snaps", "later.pt"))  # past last.pt: skipped, so still nothing to average
        with self.assertRaisesRegex(Fatal, "nothing to average"):
            average_main(self.args("lonely"))
        os.remove(os.path.join(run, "snaps", "later.pt"))
        torch.save(dict(self.base, args=dict(self.base["args"], seed=99)), os.path.join(run, "snaps", "seed.pt"))
        with self.assertRaisesRegex(Fatal, "not an earlier checkpoint"):
            average_main(self.args("lonely"))
        other = dict(self.base, config=dict(self.base["config"], rope_theta=1.0))
        torch.save(other, os.path.join(run, "snaps", "seed.pt"))
        with self.assertRaisesRegex(Fatal, "config differs"):
            average_main(self.args("lonely"))
        with self.assertRaisesRegex(Fatal, "must differ"):
            average_main(self.args("lonely") + ["--out-run", "lonely"])


if __name__ == "__main__":
    unittest.main()
