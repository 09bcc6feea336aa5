"""failure_modes.py's definitions on hand-made fills, including the bundled model's own failures from its card."""
import unittest
from unittest import mock

from training.common import Fatal
from training.failure_modes import brackets, flags, lex, measure, overrun, repeated_ngram, shares, stutter, versus


class DefinitionsTest(unittest.TestCase):
    def test_lexer_keeps_strings_whole_and_drops_comments(self):
        self.assertEqual(lex('x = "a (b" + y  # note (x'),
                         [("word", "x"), ("punct", "="), ("str", '"a (b"'), ("punct", "+"), ("word", "y")])
        self.assertEqual([t for _, t in lex("a // c\nb")], ["a", "b"])
        self.assertEqual([t for _, t in lex("a#b")], ["a", "#", "b"])  # not a comment: no space before '#'

    def test_repetition_in_the_models_known_failures(self):
        for fill in ("a, b, b, b, b", "index, index, index",
                     "if self.name == 'name' and 'name' and 'name' and 'name':"):
            self.assertTrue(repeated_ngram(fill), fill)
        self.assertTrue(stutter("a, b, b, b, b"))
        self.assertTrue(stutter("index, index, index"))
        # repeated 3-gram but no stutter: the words alternate
        self.assertFalse(stutter("if self.name == 'name' and 'name' and 'name' and 'name':"))

    def test_ordinary_code_is_not_repetitive(self):
        for fill in ("return self.x + other.x", "const globals_1 = require(\"../utils/globals\");",
                     "for i in range(len(xs)):", "x = x + 1"):
            self.assertFalse(repeated_ngram(fill), fill)
            self.assertFalse(stutter(fill), fill)
        self.assertFalse(stutter("index, index"))  # two in a row is not a stutter
        self.assertTrue(stutter("x = x * x"))  # three in a row is, whatever lies between (the base rate shows it)

    def test_brackets(self):
        self.assertEqual(brackets("f(a[1], {b: 2})"), (True, (0, 0, 0)))
        self.assertEqual(brackets("f(a[1], {b: 2}"), (False, (1, 0, 0)))
        self.assertEqual(brackets("x)"), (False, (-1, 0, 0)))
        self.assertEqual(brackets("(]"), (False, (1, -1, 0)))
        self.assertEqual(brackets('s = "(" + \'[\''), (True, (0, 0, 0)))  # brackets in strings do not count

    def test_bracket_change_against_the_reference(self):
        # the reference opens a call the next line closes: the same change is not a failure, another is
        self.assertFalse(flags("foo(a,", "bar(b,")["bracket_change_differs"])
        self.assertTrue(flags("foo(a)", "bar(b,")["bracket_change_differs"])
        self.assertFalse(flags("foo(a)", "bar(b,")["unbalanced"])

    def test_overrun(self):
        self.assertTrue(overrun("return x\ndef f():"))
        self.assertFalse(overrun("return x\n"))
        self.assertFalse(overrun("return x\n   \n"))
        self.assertFalse(overrun("return x"))

    def test_shares(self):
        s, per = shares(["a, b, b, b", "", "f(x)", "g(("], ["a, b", "x", "f(x)", "g()"])
        self.assertEqual(s["n"], 4)
        self.assertEqual(s["n_nonempty"], 3)
        self.assertEqual(s["percent"]["empty"], 25.0)
        self.assertEqual(s["percent"]["stutter"], 25.0)
        self.assertEqual(s["percent"]["unbalanced"], 25.0)
        self.assertEqual(s["percent_of_nonempty"]["unbalanced"], 33.3)
        self.assertEqual([p["bracket_change_differs"] for p in per], [False, False, False, True])


    def test_versus_pairs_the_same_cases(self):
        def run(fills, es):
            s, per = shares(fills, ["a, b"] * len(fills))
            return {"fills": {"single": dict(s, per_case=per)}, "scores": {"single": {"per_case_es": es}}}
        before = run(["a, b, b, b", "index, index, index", "f(x)", "g(y)"], [0.2, 0.1, 0.5, 0.5])
        after = run(["a, b, c", "index, i, j", "f(x)", "g(y)"], [0.3, 0.1, 0.5, 0.5])
        v = versus(after, before)["single"]
        self.assertEqual(v["stutter"]["diff"], -50.0)  # two of four fills stopped stuttering
        self.assertEqual(v["edit_similarity"]["diff"], 2.5)
        self.assertLessEqual(v["stutter"]["ci95"][0], -50.0)
        with self.assertRaises(Exception):
            versus(after, run(["x"], [0.0]))  # not the same cases


class GivenAnswersTest(unittest.TestCase):
    def test_answers_a_caller_already_has_are_not_asked_again(self):
        """release.py hands over its product check's answers: the shares come from them, the engine is not run."""
        cases = [{"kind": "single", "middle": "return a + b"}, {"kind": "multi", "middle": "x = 1\ny = 2"}]
        answers = [{"middle": "return b, b, b\nnext()"}, {"middle": "x = 1\ny = 2"}]
        with mock.patch("training.evaluate.engine_fills", side_effect=AssertionError("the engine was asked")):
            res = measure("unused-folder", cases, no_stop=False, answers=answers)
            with self.assertRaises(Fatal):
                measure("unused-folder", cases, no_stop=False, answers=answers[:1])
        self.assertEqual(res["fills"]["single"]["per_case"][0]["stutter"], True)
        self.assertEqual(res["fills"]["single"]["percent"]["overrun_raw"], 100.0)  # the answer went past its line
        self.assertEqual(res["scores"]["multi"]["exact_match"], 100.0)


if __name__ == "__main__":
    unittest.main()
