import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalog, rowFacts, type RowFacts } from '../../models/catalog/catalog';
import { catalogChoices, dtypeChoices, installedChoices, speedText } from './catalogChoices';

const facts = () => catalog().models.map((r) => rowFacts(r));

test('every catalog row becomes one choice, the recommended row first, with sizes, RAM, speed and licence', () => {
  const all = facts();
  const choices = catalogChoices(all, () => false);
  assert.equal(choices.length, all.length);
  assert.deepEqual(new Set(choices.map((c) => c.rowId)), new Set(all.map((f) => f.row.id)));
  const rec = all.filter((f) => f.row.recommended);
  assert.ok(rec.length >= 1, 'the catalog recommends a row');
  assert.equal(choices[0].rowId, rec[0].row.id);
  assert.match(choices[0].label, /^\$\(star-full\) /);
  for (const c of choices) {
    const f = all.find((x) => x.row.id === c.rowId)!;
    assert.ok(c.label.endsWith(f.row.label));
    assert.match(c.detail, /^\d[\d.]* [kMG]?B download · \d[\d.]* [kMG]?B folder \(int4\) · \d[\d.]* [kMG]?B RAM · ~[\d.]+ s a fill, (ghost text on|fill command only) · /);
    assert.ok(c.detail.endsWith(f.row.license.name), c.detail);
    assert.ok(c.description.includes(`licence ${f.row.license.id}`), c.description);
    assert.equal(c.description.includes('(to accept)'), f.row.license.mustAccept, `${c.rowId}: a licence to accept is said`);
    assert.ok(c.description.includes(f.row.family));
  }
});

test('a 7B row is too slow for ghost text on the reference CPU and a smaller row fills faster: the speed model\'s verdict', () => {
  const all = facts();
  const big = all.find((f) => f.row.params > 7e9)!;
  const small = all.find((f) => f.row.params < 1e9)!;
  assert.equal(big.speed.ghostText, false);
  assert.match(speedText(big), /^~\d+ s a fill, fill command only$/);
  assert.match(speedText(small), /^~[\d.]+ s a fill, /);
  assert.ok(small.speed.secondsPerFill < big.speed.secondsPerFill);
  // At ten times the throughput the verdict follows the measurement, not a fixed label.
  const fast = rowFacts(small.row, 1900);
  assert.ok(fast.speed.secondsPerFill < small.speed.secondsPerFill / 9);
});

test('installed models are marked, at the dtype asked about', () => {
  const all = facts();
  const target = all[3];
  const isInstalled = (f: RowFacts, d: string) => f.row.id === target.row.id && d === 'int8';
  const int8 = catalogChoices(all, isInstalled, 'int8').find((c) => c.rowId === target.row.id)!;
  assert.equal(int8.installed, true);
  assert.match(int8.label, /^\$\(check\) /);
  assert.ok(int8.description.includes('installed (int8)'));
  assert.ok(int8.detail.includes('(int8)'));
  assert.equal(catalogChoices(all, isInstalled, 'int4').find((c) => c.rowId === target.row.id)!.installed, false);
});

test('precision choices: int4 first, the folder and RAM growing with the precision', () => {
  const f = facts().find((x) => x.row.params > 7e9)!;
  const d = dtypeChoices(f);
  assert.deepEqual(d.map((c) => c.dtype), ['int4', 'int8', 'fp16', 'fp32']);
  const sizes = d.map((c) => f.folderBytes[c.dtype]);
  assert.deepEqual([...sizes].sort((a, b) => a - b), sizes);
  for (const c of d) assert.match(c.description, /^folder [\d.]+ GB · RAM [\d.]+ GB$/);
  // Outside the catalog nothing is known before the repo is listed: no invented sizes.
  for (const c of dtypeChoices()) assert.equal(c.description, '');
});

test('installed models for "Select model…": name, family, dtype and size; the source when recorded', () => {
  const models = [
    { name: 'org--m-int4', modelName: 'm', family: 'dream', dtype: 'int4', sizeBytes: 4_600_000_000, folder: '/s/org--m-int4', source: 'hf:org/m@abc' },
    { name: 'local-int8', modelName: 'local', family: 'llada', dtype: 'int8', sizeBytes: 12_000_000, folder: '/s/local-int8' },
  ];
  const c = installedChoices(models);
  assert.deepEqual(
    c.map((x) => [x.label, x.description, x.detail, x.folder]),
    [
      ['$(database) org--m-int4', 'dream · int4 · 4.60 GB', 'm · from hf:org/m@abc', '/s/org--m-int4'],
      ['$(database) local-int8', 'llada · int8 · 12.0 MB', 'local · /s/local-int8', '/s/local-int8'],
    ],
  );
  const marked = installedChoices(models, (f) => f === '/s/local-int8');
  assert.deepEqual(marked.map((x) => [x.label, x.description]), [
    ['$(database) org--m-int4', 'dream · int4 · 4.60 GB'],
    ['$(check) local-int8', 'in use · llada · int8 · 12.0 MB'],
  ]);
});
