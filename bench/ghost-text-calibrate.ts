// Calibrates a model's ghost-text confidence gate on the trainer's held-out cases (training/evaluate.py's split: 800
// single-line and 200 multi-line cases, seed 7): each case once through the real worker and the editor's pipeline
// with no gate, then the recorded answers replayed through the same pipeline at every gate. Prints the curve (share
// shown against exact match and edit similarity of what is shown), the gate the rule picks, and writes the JSON.
// Beside the product's gate (geometric mean of the shown tokens' probabilities) it measures two alternatives on the
// same answers: the least confident token, and showing the confident head (the tokens before the first one below
// the gate) instead of nothing.
//
//   node --import tsx bench/ghost-text-calibrate.ts [--model DIR] [--single 800] [--multi 200] [--out FILE]
//                                                   [--answers FILE: keep the decoded answers there / reuse them]
//
// The rule (issue 13): the lowest gate at which shown single-line suggestions reach >= 30 % exact match; if none
// does, the most precise gate that still shows >= 5 % of single-line cases.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundledModelDir, packageRoot, workerScript } from '../src/worker/paths';
import { postProcess } from '../src/completion/filters/pipeline';
import { visibleTokens } from '../src/completion/gate/confidence';
import { cursorLines } from '../src/completion/context/cursorLines';
import type { GapToken } from '../src/engine/types';
import { WorkerClient } from '../src/worker/client';
import { ghostTextSettings, replay, runGhostText, summarizeRuns, type GhostRun, type GhostTask, type GhostTextRow } from './ghost-text';

const GATES = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99];
const TARGET_EM = 30;
const MIN_SHOWN = 5;

/** The held-out cases exactly as evaluate.py makes them (and trims them for the engine: near_text). */
function heldOutCases(root: string, single: number, multi: number): GhostTask[] {
  const code = `
import json, sys
sys.path.insert(0, ${JSON.stringify(root)})
from training.evaluate import make_cases, near_text
from training.common import DATA
import os
rows = [json.loads(l) for l in open(os.path.join(DATA, "corpus", "test.jsonl"), encoding="utf-8")]
lang = {r["text"]: r["lang"] for r in rows}
for i, c in enumerate(make_cases([r["text"] for r in rows], ${single}, ${multi}, 7)):
    p, s = near_text(c)
    src = next(t for t in lang if t.startswith(c["prefix"][:2000]) and c["middle"] in t)
    print(json.dumps({"id": f"{c['kind']}-{i}", "kind": c["kind"], "lang": lang[src], "prefix": p, "suffix": s, "middle": c["middle"]}))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', code], { cwd: root, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`could not make the held-out cases (needs training/data/corpus/test.jsonl: python3 training/corpus.py):\n${r.stderr.slice(-2000)}`);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

/** The least-confident-token gate, for comparison: the pipeline's answer at gate 0, hidden when any shown token is lower. */
function minGate(runs: GhostRun[], g: number): GhostRun[] {
  return runs.map((r) => (r.outcome?.shown && (r.outcome.confidence?.min ?? 0) < g ? { ...r, outcome: { shown: false, reason: 'low-confidence', mode: r.outcome.mode } } : r));
}

/** The tokens before the first one below `gate`; a head ending inside a word loses that word. */
function confidentHead(tokens: GapToken[], gate: number): string {
  const cut = tokens.findIndex((t) => t.confidence < gate);
  if (cut < 0) return tokens.map((t) => t.text).join('');
  const text = tokens.slice(0, cut).map((t) => t.text).join('');
  return /[\p{L}\p{N}_$]$/u.test(text) && /^[\p{L}\p{N}_$]/u.test(tokens[cut].text) ? text.replace(/[\p{L}\p{N}_$]+$/u, '') : text;
}

/** The confident-head alternative: below the gate, the head through the same filters instead of nothing. */
function headGate(runs: GhostRun[], g: number): GhostRun[] {
  return runs.map((r) => {
    if (!r.result || !r.outcome || (r.outcome.shown && (r.outcome.confidence?.min ?? 0) >= g)) return r;
    const mode = r.outcome.mode;
    const lines = cursorLines(r.task.prefix + r.task.suffix, r.task.prefix.length);
    const text = postProcess(confidentHead(visibleTokens(r.result.gaps[0].tokens, mode), g), { ...lines, mode, indent: { insertSpaces: true, tabSize: 4 }, languageId: r.task.lang });
    return { ...r, outcome: text ? { shown: true, text, source: 'model', mode } : { shown: false, reason: 'low-confidence', mode } };
  });
}

function pick(rows: GhostTextRow[]): { gate: number; why: string } {
  const reach = rows.filter((r) => r.exactMatchShownSingle >= TARGET_EM && r.shownSingle > 0);
  if (reach.length > 0) return { gate: reach[0].gate, why: `the lowest gate at which shown single-line suggestions reach ${TARGET_EM} % exact match` };
  const showing = rows.filter((r) => r.shownSingle >= MIN_SHOWN);
  // Ties (a weak model's exact match is often the same few cases at several gates) go to the better edit similarity,
  // then to the higher gate: rarer and at least as right.
  const better = (a: GhostTextRow, b: GhostTextRow) =>
    b.exactMatchShownSingle !== a.exactMatchShownSingle ? b.exactMatchShownSingle > a.exactMatchShownSingle : b.editSimilarityShownSingle >= a.editSimilarityShownSingle;
  const best = showing.reduce((a, b) => (better(a, b) ? b : a));
  return { gate: best.gate, why: `no gate reaches ${TARGET_EM} % exact match; the most precise gate still showing >= ${MIN_SHOWN} % of single-line cases (ties: better edit similarity, then the higher gate)` };
}

/** The curve as the model card shows it: per gate, share shown and EM / ES of what is shown, for each variant. */
function markdown(curves: Record<string, GhostTextRow[]>): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  const cell = (r: GhostTextRow) => `${f(r.shownSingle)} / ${f(r.exactMatchShownSingle)} / ${f(r.editSimilarityShownSingle)} | ${f(r.shownMulti)} / ${f(r.exactMatchShownMulti)} / ${f(r.editSimilarityShownMulti)}`;
  const lines = [
    '| gate | geometric mean (the product): single | block | least confident token: single | block | least confident token, else its confident head: single | block |',
    '|---:|---|---|---|---|---|---|',
  ];
  curves.geomean.forEach((r, i) => lines.push(`| ${r.gate} | ${cell(r)} | ${cell(curves.min[i])} | ${cell(curves.head[i])} |`));
  return lines.join('\n') + '\n\nEach cell: % of cases shown / exact match % of what is shown / edit similarity % of what is shown.';
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const root = packageRoot();
  const modelDir = opt('--model') ?? bundledModelDir(root);
  const out = opt('--out') ?? join(root, 'bench/results/ghost-text-calibration.json');
  const cases = heldOutCases(root, Number(opt('--single') ?? 800), Number(opt('--multi') ?? 200));
  process.stderr.write(`${cases.length} held-out cases; decoding each once through the worker and the pipeline...\n`);
  const client = new WorkerClient({ workerScript: workerScript(root), modelDir, requestTimeoutMs: 300_000 });
  try {
    const info = await client.load();
    const answers = opt('--answers');
    let recorded: GhostRun[];
    if (answers && existsSync(answers)) {
      recorded = JSON.parse(readFileSync(answers, 'utf8'));
      if (recorded.length !== cases.length || recorded.some((r, i) => r.task.prefix !== cases[i].prefix)) throw new Error(`${answers} holds answers to other cases`);
    } else {
      const t0 = performance.now();
      recorded = await runGhostText(client, cases, ghostTextSettings(root, 0));
      process.stderr.write(`decoded in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
      if (answers) writeFileSync(answers, JSON.stringify(recorded));
    }
    const open = await replay(recorded, ghostTextSettings(root, 0));
    const curves: Record<string, GhostTextRow[]> = { geomean: [], min: [], head: [] };
    for (const g of GATES) {
      curves.geomean.push(summarizeRuns(`geomean gate ${g} (the product)`, g, await replay(open, ghostTextSettings(root, g))));
      curves.min.push(summarizeRuns(`least-confident-token gate ${g}`, g, minGate(open, g)));
      curves.head.push(summarizeRuns(`least-confident-token gate ${g}, confident head`, g, headGate(open, g)));
    }
    const chosen = pick(curves.geomean);
    console.log(markdown(curves));
    console.log(`\nchosen gate ${chosen.gate}: ${chosen.why}`);
    mkdirSync(dirname(out), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
    writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), model: { name: info.name, dir: modelDir, provenance: manifest.provenance }, cases: { single: cases.filter((c) => c.kind === 'single').length, multi: cases.filter((c) => c.kind === 'multi').length, seed: 7 }, rule: { targetExactMatch: TARGET_EM, minShown: MIN_SHOWN }, chosen, curves, errors: open.filter((r) => r.error).map((r) => ({ id: r.task.id, error: r.error })) }, null, 2) + '\n');
    console.log(`wrote ${out}`);
  } finally {
    client.dispose();
  }
}

main().catch((e) => {
  process.stderr.write(`ghost-text-calibrate: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
