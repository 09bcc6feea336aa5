// `diffucode pull REPO[@REV] [--file NAME.gguf] [--dtype D] [--out DIR]`: a model from the Hugging Face Hub, downloaded
// into the Hugging Face cache and converted into the models store (src/models/pull.ts). Progress goes to stderr; the
// model folder is the last line of stdout, so scripts can take it: `m=$(diffucode pull ORG/NAME | tail -1)`.
// Exit status: 0 done, 1 a download, checksum or conversion failed (the message names the file), 2 bad input
// (unknown repo, not a diffusion model, gated without a token, a licence not accepted, not enough disk), 130 Ctrl+C.

import { parseArgs } from 'node:util';
import { catalog, DTYPES, findRow, type Dtype } from '../models/catalog/catalog';
import { exitCodeOf, ModelError } from '../models/errors';
import { formatBytes, formatSeconds } from '../models/hub/progressMeter';
import { pullModel, type ConvertFn, type PullProgress } from '../models/pull';

export const PULL_HELP = `diffucode pull — download a model from the Hugging Face Hub and convert it

Usage:
  diffucode pull REPO[@REVISION] [options]   a Hub repo, e.g. apple/DiffuCoder-7B-cpGRPO (a branch, tag or commit
                                             after @; default: main, or the catalog's pinned revision)
  diffucode pull ID [options]                a catalog model (diffucode models --catalog lists them)

Options:
  --file NAME.gguf     convert this GGUF file of the repo instead of its safetensors checkpoint
  --dtype D            int4 (default) | int8 | fp16 | fp32
  --out DIR            write the model folder to DIR instead of the models store
  --accept-license     accept the model's licence (non-commercial and custom licences must be accepted)
  --assume-dream       treat a Qwen2 config as a Dream diffusion model (for weights trained as one, e.g. Open-dCoder)
  -h, --help           this help

Environment: HF_TOKEN (gated repos), HF_ENDPOINT (a mirror), HF_HUB_CACHE / HF_HOME (the Hugging Face cache:
files already there are not downloaded again), DIFFUCODE_MODELS (the models store, default
~/.cache/diffucode/models). An interrupted download resumes where it stopped when you run the command again.

Exit status: 0 done (the model folder is the last line of standard output), 1 a download or conversion failed,
2 bad input (unknown repo, not a diffusion model, gated, licence not accepted, not enough disk), 130 interrupted.
`;

/** One progress line: a redrawn line on a terminal, else a line every few seconds (logs stay readable). */
function progressPrinter(err: NodeJS.WriteStream) {
  let lastLine = 0;
  let lastStage = '';
  let lastFile = '';
  return (p: PullProgress) => {
    const now = Date.now();
    const tty = err.isTTY;
    let line: string;
    if (p.stage === 'resolve') line = `resolving ${p.repo}`;
    else if (p.stage === 'download') {
      const pct = p.totalBytes ? Math.floor((100 * p.bytes) / p.totalBytes) : 100;
      line = `downloading ${p.file}: ${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)} (${pct} %)` + (p.rate > 0 ? `, ${formatBytes(p.rate)}/s, ${formatSeconds(p.secondsLeft ?? NaN)} left` : '');
    } else if (p.stage === 'convert') line = `converting: ${p.what} (${p.done}/${p.total})`;
    else line = `done: ${p.folder}`;
    // Without a terminal: a line when the stage or the file changes, else one every 3 s (logs stay readable).
    const file = p.stage === 'download' ? p.file : '';
    const stageChanged = p.stage !== lastStage || file !== lastFile;
    lastStage = p.stage;
    lastFile = file;
    if (tty) {
      err.write(`\r\x1b[K${line.slice(0, (err.columns || 120) - 1)}${p.stage === 'done' ? '\n' : ''}`);
    } else if (stageChanged || now - lastLine > 3000 || p.stage === 'done') {
      lastLine = now;
      err.write(line + '\n');
    }
  };
}

export async function runPull(argv: string[], convert?: ConvertFn, err: NodeJS.WriteStream = process.stderr): Promise<number> {
  const say = (s: string) => err.write(s + '\n');
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        file: { type: 'string' },
        dtype: { type: 'string' },
        out: { type: 'string' },
        'accept-license': { type: 'boolean' },
        'assume-dream': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    say(`diffucode pull: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(PULL_HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    say(`diffucode pull: give one REPO[@REVISION] or catalog id (e.g. ${catalog().models[0].repo}); see diffucode pull --help`);
    return 2;
  }
  if (v.dtype !== undefined && !DTYPES.includes(v.dtype as Dtype)) {
    say(`diffucode pull: --dtype must be one of ${DTYPES.join(', ')} (got "${v.dtype}")`);
    return 2;
  }
  const model = parsed.positionals[0];
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    const result = await pullModel({
      model,
      file: v.file,
      dtype: v.dtype as Dtype | undefined,
      out: v.out,
      assumeDream: v['assume-dream'],
      acceptLicense: async (q) => {
        say(`${q.repo} is under ${q.license.name}: ${q.license.url}`);
        if (v['accept-license']) say('accepted with --accept-license');
        return !!v['accept-license'];
      },
      convert,
      signal: ac.signal,
      onProgress: progressPrinter(err),
    });
    if (result.alreadyInstalled) say(`${result.name} is already installed`);
    else say(`${result.name}: ${result.fetchedBytes ? `${formatBytes(result.fetchedBytes)} downloaded` : 'every file was in the Hugging Face cache'}, converted to ${v.dtype ?? 'int4'}`);
    process.stdout.write(result.folder + '\n');
    return 0;
  } catch (e) {
    if (err.isTTY) err.write('\n');
    if (e instanceof ModelError && e.kind === 'cancelled') {
      say('diffucode pull: interrupted; run the same command again to resume the download');
      return 130;
    }
    const row = findRow(model.split('@')[0]);
    say(`diffucode pull: ${(e as Error).message}${e instanceof ModelError && e.code === 'REPO_NOT_FOUND' && !row ? ' (catalog models: diffucode models --catalog)' : ''}`);
    return exitCodeOf(e);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
