// `diffucode models`: the installed models of the store (name, family, dtype, size, folder), read from each
// folder's manifest.json; `--catalog`: the models `diffucode pull` offers, with download size, folder size, memory
// and this machine's speed verdict (src/models/catalog).

import { parseArgs } from 'node:util';
import { catalog, DTYPES, rowFacts, type Dtype } from '../models/catalog/catalog';
import { REFERENCE_GFLOPS } from '../models/catalog/speedModel';
import { formatBytes } from '../models/hub/progressMeter';
import { defaultStoreDir, listInstalledModels } from '../models/store/modelStore';

export const MODELS_HELP = `diffucode models — the models in the store, or the catalog

Usage:
  diffucode models                     installed models: name, family, dtype, size, folder
  diffucode models --catalog           the models diffucode pull offers: download size, folder and memory at
                                       --dtype (default int4), licence, and the speed verdict at --gflops
Options:
  --store DIR        the models store (default $DIFFUCODE_MODELS, else ~/.cache/diffucode/models)
  --dtype D          int4 | int8 | fp16 | fp32 (with --catalog)
  --gflops N         this machine's sustained MatMul GFLOP/s (with --catalog; default ${REFERENCE_GFLOPS}, the project's
                     2-core reference CPU; bench/ measures yours)
`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

export function runModels(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s + '\n')): number {
  let v;
  try {
    v = parseArgs({ args: argv, strict: true, options: { catalog: { type: 'boolean' }, store: { type: 'string' }, dtype: { type: 'string' }, gflops: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (e) {
    err(`diffucode models: ${(e as Error).message}`);
    return 2;
  }
  if (v.help) {
    out(MODELS_HELP);
    return 0;
  }
  if (v.catalog) {
    const dtype = (v.dtype ?? 'int4') as Dtype;
    if (!DTYPES.includes(dtype)) {
      err(`diffucode models: --dtype must be one of ${DTYPES.join(', ')}`);
      return 2;
    }
    const gflops = v.gflops === undefined ? REFERENCE_GFLOPS : Number(v.gflops);
    if (!(gflops > 0)) {
      err('diffucode models: --gflops expects a positive number');
      return 2;
    }
    const rows = [['ID', 'REPO', 'DOWNLOAD', `FOLDER ${dtype}`, 'MEMORY', 'LICENCE', 'SPEED (fill)', 'GHOST TEXT']];
    for (const r of catalog().models) {
      const f = rowFacts(r, gflops);
      rows.push([
        r.id,
        `${r.repo}${r.file ? `/${r.file}` : ''}@${r.revision.slice(0, 12)}${r.verified ? '' : ' (unverified)'}`,
        formatBytes(f.downloadBytes),
        formatBytes(f.folderBytes[dtype]),
        formatBytes(f.ramBytes[dtype]),
        `${r.license.id}${r.license.mustAccept ? ' (accept)' : ''}`,
        `~${f.speed.secondsPerFill < 10 ? f.speed.secondsPerFill.toFixed(1) : Math.round(f.speed.secondsPerFill)} s`,
        f.speed.ghostText ? 'on' : 'off',
      ]);
    }
    out(table(rows));
    return 0;
  }
  const store = v.store ?? defaultStoreDir();
  const listing = listInstalledModels(store);
  for (const p of listing.problems) err(`diffucode models: skipped ${p}`);
  if (listing.models.length === 0) {
    err(`no models in ${store} yet: diffucode pull ORG/NAME (diffucode models --catalog lists some)`);
    return 0;
  }
  out(table([['NAME', 'FAMILY', 'DTYPE', 'SIZE', 'FOLDER'], ...listing.models.map((m) => [m.name, m.family, m.dtype, formatBytes(m.sizeBytes), m.folder])]));
  return 0;
}
