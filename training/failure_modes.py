"""The bundled model's typical failures, counted on evaluate.py's held-out cases through the product.

    node esbuild.mjs && .venv/bin/python training/failure_modes.py --engine models/diffucode-tiny \
        --out bench/results/failure-modes.json

Runs the cases (evaluate.make_cases: 800 single-line + 200 multi-line, seed 7) through `node dist/cli.js batch`
twice: as the editor asks (single-line gaps stop at the first line break) and with that stop off for the
single-line cases (what the model itself would write past the line). Each fill and each reference middle is scored
with the definitions below, so every share has the base rate of real code beside it.

Definitions (on the fill as scored: a single-line fill cut at its first line break, as evaluate.py and ghost text
cut it; lexical tokens = identifiers/keywords/numbers, whole string literals, single punctuation characters;
comments (`#`, `//` after whitespace or at a line start) dropped):
- repeated 3-gram: some lexical-token 3-gram occurs at least twice in the fill (overlaps count: `b, b, b, b`);
- stutter: the same word (identifier, number or string literal) at least 3 times in a row among the fill's words,
  whatever punctuation lies between (`index, index, index`; `a, b, b, b`);
- unbalanced: the fill's brackets `()[]{}` outside strings and comments do not close in order within the fill (an
  opener left open, a closer without its opener, or a wrong closer);
- bracket change differs from the reference: the fill's net count of each bracket type (openers minus closers)
  differs from the reference middle's (the reference may itself open a call that a later line closes);
- overrun (single-line cases, stop off): the fill holds a line break followed by a non-blank line;
- empty: nothing but whitespace.
Shares are over all fills of a kind; the JSON also gives them over the non-empty fills (an empty fill neither
repeats nor unbalances anything).

--versus OTHER.json (an earlier output of this script on the same cases, e.g. the same engine without a sampler
flag) adds, per kind, this run minus that one with paired-bootstrap 95 % intervals (evaluate.paired_difference):
edit similarity and every share, in percentage points. A decoding change (--engine-args "--repetition-penalty 2")
is judged that way: bench/results/repetition-penalty.json.
"""
import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from training.common import DATA, Fatal, run_main  # noqa: E402

_LEX = re.compile(r"""
    (?P<str>"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|`(?:\\.|[^`\\])*`?)
  | (?P<comment>(?:(?<=\s)|^)(?:\#|//)[^\n]*)
  | (?P<word>[A-Za-z_$][\w$]*|\d[\w.]*)
  | (?P<punct>\S)
""", re.VERBOSE | re.MULTILINE)
OPEN, CLOSE = "([{", ")]}"


def lex(text: str):
    """[(kind, text)] with kind in str / word / punct; comments dropped."""
    return [(m.lastgroup, m.group()) for m in _LEX.finditer(text) if m.lastgroup != "comment"]


def repeated_ngram(text: str, n: int = 3) -> bool:
    toks = [t for _, t in lex(text)]
    seen = set()
    for i in range(len(toks) - n + 1):
        g = tuple(toks[i:i + n])
        if g in seen:
            return True
        seen.add(g)
    return False


def stutter(text: str, run: int = 3) -> bool:
    words = [t for k, t in lex(text) if k in ("word", "str")]
    k = 1
    for i in range(1, len(words)):
        k = k + 1 if words[i] == words[i - 1] else 1
        if k >= run:
            return True
    return False


def brackets(text: str):
    """(balanced in order within the text, net count per type as a tuple (), [], {})."""
    stack, ok, net = [], True, [0, 0, 0]
    for kind, t in lex(text):
        if kind != "punct":
            continue
        if t in OPEN:
            stack.append(t)
            net[OPEN.index(t)] += 1
        elif t in CLOSE:
            net[CLOSE.index(t)] -= 1
            if not stack or OPEN.index(stack.pop()) != CLOSE.index(t):
                ok = False
    return ok and not stack, tuple(net)


def overrun(raw: str) -> bool:
    """A line break followed by a non-blank line."""
    head, sep, rest = raw.partition("\n")
    return bool(sep) and bool(rest.strip())


def flags(fill: str, reference: str):
    bal, net = brackets(fill)
    return {"empty": not fill.strip(), "repeated_3gram": repeated_ngram(fill), "stutter": stutter(fill),
            "unbalanced": not bal, "bracket_change_differs": net != brackets(reference)[1]}


def shares(fills, references):
    """Percent of fills with each flag, over all fills and over the non-empty ones, plus per-case flags."""
    per = [flags(f, r) for f, r in zip(fills, references)]
    nonempty = [p for p in per if not p["empty"]]
    keys = list(per[0]) if per else []

    def pct(rows, k):
        return round(100 * sum(p[k] for p in rows) / len(rows), 1) if rows else None
    return {"n": len(per), "n_nonempty": len(nonempty),
            "percent": {k: pct(per, k) for k in keys},
            "percent_of_nonempty": {k: pct(nonempty, k) for k in keys if k != "empty"}}, per


def measure(model_dir, cases, sampler_args=(), no_stop=True, answers=None):
    """Fills through the product and their failure shares. Returns the JSON-able result. `answers`: the CLI's answers
    to these cases when the caller already has them (release.py's product check), so the engine is not asked twice."""
    from training.evaluate import engine_fills, score
    t0 = time.time()
    if answers is None:
        out = engine_fills(model_dir, cases, sampler_args=sampler_args)
    elif len(answers) != len(cases):
        raise Fatal(f"{len(answers)} answers given for {len(cases)} cases")
    else:
        out = answers
    secs = time.time() - t0
    fills = [o["middle"].split("\n", 1)[0] if c["kind"] == "single" else o["middle"] for o, c in zip(out, cases)]
    res = {"engine_seconds": round(secs, 1), "scores": {}, "fills": {}, "references": {}}
    sc = score(fills, cases)
    for kind in ("single", "multi"):
        idx = [i for i, c in enumerate(cases) if c["kind"] == kind]
        s, per = shares([fills[i] for i in idx], [cases[i]["middle"] for i in idx])
        res["fills"][kind] = s
        res["fills"][kind]["per_case"] = per
        res["references"][kind] = shares([cases[i]["middle"] for i in idx], [cases[i]["middle"] for i in idx])[0]
        res["scores"][kind] = sc[kind]
        if kind == "single":  # with the stop on, an answer should never go past its line: checked, not assumed
            res["fills"][kind]["percent"]["overrun_raw"] = round(
                100 * sum(overrun(out[i]["middle"]) for i in idx) / len(idx), 1)
    if no_stop:
        single = [c for c in cases if c["kind"] == "single"]
        free = [dict(c, kind="multi_as_free") for c in single]  # not "single": the batch row gets singleLine false
        t0 = time.time()
        raw = engine_fills(model_dir, free, budgets=(24, 24), sampler_args=sampler_args)
        n = len(single)
        res["single_line_without_stop"] = {
            "n": n, "engine_seconds": round(time.time() - t0, 1),
            "percent_overrun": round(100 * sum(overrun(o["middle"]) for o in raw) / n, 1),
            "percent_same_first_line": round(100 * sum(
                o["middle"].split("\n", 1)[0] == f for o, f in zip(raw, [fills[i] for i, c in enumerate(cases)
                                                                         if c["kind"] == "single"])) / n, 1),
            "examples": [{"want": c["middle"], "got": o["middle"]} for c, o in zip(single, raw)
                         if overrun(o["middle"])][:6],
        }
    return res


def versus(res, other):
    """Per kind: this run minus `other` on the same cases, ES and every flag share, with paired 95 % intervals."""
    from training.evaluate import paired_difference
    out = {}
    for kind in res["fills"]:
        a, b = res["fills"][kind]["per_case"], other["fills"][kind]["per_case"]
        if len(a) != len(b):
            raise Fatal(f"--versus: {len(b)} {kind} cases there, {len(a)} here (not the same cases)")
        row = {"edit_similarity": paired_difference(res["scores"][kind]["per_case_es"], other["scores"][kind]["per_case_es"])}
        for k in a[0] if a else []:
            row[k] = paired_difference([p[k] for p in a], [p[k] for p in b])
        out[kind] = row
    return out


def main(argv=None, answers=None):
    """The command line; `answers`: see measure."""
    from training.evaluate import make_cases
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", required=True, metavar="MODEL_DIR")
    ap.add_argument("--engine-args", default="", help="extra CLI sampler flags, e.g. \"--seed 1\"")
    ap.add_argument("--test", default=os.path.join(DATA, "corpus", "test.jsonl"))
    ap.add_argument("--single", type=int, default=800)
    ap.add_argument("--multi", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-stop-run", action="store_true", help="skip the single-line run without the line stop")
    ap.add_argument("--versus", metavar="OTHER.json", help="an earlier output on the same cases: paired differences")
    ap.add_argument("--out")
    a = ap.parse_args(argv)
    import shlex
    if not os.path.isfile(a.test):
        raise Fatal(f"{a.test} not found (run training/corpus.py)")
    with open(a.test, encoding="utf-8") as f:
        files = [json.loads(l)["text"] for l in f]
    cases = make_cases(files, a.single, a.multi, a.seed)
    res = measure(a.engine, cases, shlex.split(a.engine_args), no_stop=not a.no_stop_run, answers=answers)
    res = {"what": "failure modes of the product's fills on evaluate.py's held-out cases (definitions: "
                   "training/failure_modes.py)", "engine": a.engine, "engine_args": a.engine_args,
           "cases": {"single": a.single, "multi": a.multi, "seed": a.seed, "test": os.path.relpath(a.test)},
           "command": "training/failure_modes.py " + " ".join(argv if argv is not None else sys.argv[1:]), **res}
    brief = {k: {"fills": res["fills"][k]["percent"], "references": res["references"][k]["percent"],
                 "es": res["scores"][k]["edit_similarity"]} for k in res["fills"]}
    if a.versus:
        with open(a.versus, encoding="utf-8") as f:
            other = json.load(f)
        res["versus"] = {"other": a.versus, "other_engine_args": other.get("engine_args"), **versus(res, other)}
        brief["versus " + a.versus] = {k: v for k, v in res["versus"].items() if k in res["fills"]}
    print(json.dumps(brief, indent=1))
    if "single_line_without_stop" in res:
        print("single-line without the stop:", {k: v for k, v in res["single_line_without_stop"].items()
                                                if k != "examples"})
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
    return res


if __name__ == "__main__":
    run_main(main)
