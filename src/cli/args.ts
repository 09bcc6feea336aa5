// Command-line parsing for `diffucode`. Unknown options and bad values are usage errors (exit 2) with a clear
// message; every sampler option of the engine has a flag.

import { parseArgs } from 'node:util';
import type { Algorithm, SamplerOptions } from '../engine/types';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliArgs {
  command: 'fill' | 'batch' | 'help' | 'version';
  file?: string;
  stdin: boolean;
  inPlace: boolean;
  model?: string;
  marker: string;
  tokens: number;
  sampler: Partial<SamplerOptions>;
  prefixTokens?: number;
  suffixTokens?: number;
  provider?: string;
  threads?: number;
  timeoutMs: number;
  stats: boolean;
  /** fill/batch: send the requests to this model server (`diffucode serve`) instead of a local worker. */
  server?: string;
  tokenFile?: string;
  /** batch: run each line through the ghost-text pipeline (what the editor would show). */
  ghostText: boolean;
  /** batch --ghost-text: the confidence gate (default: the model's manifest). */
  minConfidence?: number;
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  model: { type: 'string', short: 'm' },
  marker: { type: 'string' },
  tokens: { type: 'string', short: 'n' },
  stdin: { type: 'boolean' },
  'in-place': { type: 'boolean', short: 'i' },
  algorithm: { type: 'string', short: 'a' },
  steps: { type: 'string' },
  'steps-per-token': { type: 'string' },
  threshold: { type: 'string' },
  'block-size': { type: 'string' },
  temperature: { type: 'string', short: 't' },
  'top-p': { type: 'string' },
  'top-k': { type: 'string' },
  'alg-temp': { type: 'string' },
  'eos-after-text': { type: 'boolean' },
  'no-eos-after-text': { type: 'boolean' },
  cache: { type: 'string' },
  'cache-refresh': { type: 'string' },
  eps: { type: 'string' },
  seed: { type: 'string' },
  'prefix-tokens': { type: 'string' },
  'suffix-tokens': { type: 'string' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  timeout: { type: 'string' },
  stats: { type: 'boolean' },
  server: { type: 'string' },
  'token-file': { type: 'string' },
  'ghost-text': { type: 'boolean' },
  'min-confidence': { type: 'string' },
} as const;

export function parseCli(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const v = parsed.values;
  const pos = parsed.positionals;
  /** `above`: exclusive lower bound (the value must be greater), `min`: inclusive. */
  const num = (name: string, raw: string | undefined, opts: { int?: boolean; min?: number; above?: number; max?: number } = {}): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min) || (opts.above !== undefined && n <= opts.above) || (opts.max !== undefined && n > opts.max))
      throw new UsageError(`--${name} expects ${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.above !== undefined ? ` > ${opts.above}` : ''}${opts.max !== undefined ? ` <= ${opts.max}` : ''}, got "${raw}"`);
    return n;
  };
  let command: CliArgs['command'];
  if (v.help) command = 'help';
  else if (v.version) command = 'version';
  else if (pos[0] === 'fill' || pos[0] === 'batch') command = pos[0];
  else if (pos.length === 0) throw new UsageError('missing command: use `diffucode fill FILE`, `diffucode batch [FILE]` or `diffucode --help`');
  else throw new UsageError(`unknown command "${pos[0]}" (commands: fill, batch, serve)`);
  const rest = pos.slice(1);
  if (rest.length > 1) throw new UsageError(`unexpected extra arguments: ${rest.slice(1).join(' ')}`);
  const file = rest[0];
  if (command === 'fill' && !file && !v.stdin) throw new UsageError('fill needs a FILE or --stdin');
  if (command === 'fill' && file && v.stdin) throw new UsageError('give either a FILE or --stdin, not both');
  if (v['in-place'] && (command !== 'fill' || !file)) throw new UsageError('--in-place needs `fill FILE`');
  if (v['token-file'] !== undefined && v.server === undefined) throw new UsageError('--token-file goes with --server URL');
  if (v.server !== undefined && (v.model !== undefined || v.provider !== undefined || v.threads !== undefined))
    throw new UsageError('--model, --provider and --threads choose a local worker; with --server the server decides them');
  if ((v['ghost-text'] || v['min-confidence'] !== undefined) && command !== 'batch') throw new UsageError('--ghost-text and --min-confidence are batch options');
  if (v['min-confidence'] !== undefined && !v['ghost-text']) throw new UsageError('--min-confidence needs --ghost-text');
  const algorithms: Algorithm[] = ['origin', 'maskgit_plus', 'topk_margin', 'entropy', 'threshold'];
  if (v.algorithm !== undefined && !algorithms.includes(v.algorithm as Algorithm))
    throw new UsageError(`--algorithm must be one of ${algorithms.join(', ')}, got "${v.algorithm}"`);
  const sampler: Partial<SamplerOptions> = {
    algorithm: v.algorithm as Algorithm | undefined,
    steps: num('steps', v.steps, { int: true, min: 1 }),
    stepsPerToken: num('steps-per-token', v['steps-per-token'], { above: 0, max: 1 }),
    threshold: num('threshold', v.threshold, { min: 0, max: 1 }),
    blockSize: num('block-size', v['block-size'], { int: true, min: 1 }),
    temperature: num('temperature', v.temperature, { min: 0 }),
    topP: num('top-p', v['top-p'], { min: 0, max: 1 }),
    topK: num('top-k', v['top-k'], { int: true, min: 0 }),
    algTemp: num('alg-temp', v['alg-temp'], { min: 0 }),
    eps: num('eps', v.eps, { min: 0, max: 1 }),
    seed: num('seed', v.seed, { int: true }),
    eosAfterText: v['eos-after-text'] ? true : v['no-eos-after-text'] ? false : undefined,
    cache: v.cache as SamplerOptions['cache'],
    cacheRefresh: num('cache-refresh', v['cache-refresh'], { int: true, min: 0 }),
  };
  if (v.cache !== undefined && v.cache !== 'none' && v.cache !== 'dual') throw new UsageError(`--cache must be none or dual, got "${v.cache}"`);
  if (v['eos-after-text'] && v['no-eos-after-text']) throw new UsageError('give --eos-after-text or --no-eos-after-text, not both');
  for (const k of Object.keys(sampler) as (keyof SamplerOptions)[]) if (sampler[k] === undefined) delete sampler[k];
  return {
    command,
    file,
    stdin: !!v.stdin,
    inPlace: !!v['in-place'],
    model: v.model,
    marker: v.marker ?? '<|mask|>',
    // No upper bound here: the one limit is the model's context, checked with the markers (engine/text/mask-markers).
    tokens: num('tokens', v.tokens, { int: true, min: 1 }) ?? 24,
    sampler,
    prefixTokens: num('prefix-tokens', v['prefix-tokens'], { int: true, min: 0 }),
    suffixTokens: num('suffix-tokens', v['suffix-tokens'], { int: true, min: 0 }),
    provider: v.provider,
    threads: num('threads', v.threads, { int: true, min: 0 }),
    timeoutMs: (num('timeout', v.timeout, { min: 1 }) ?? 120) * 1000,
    stats: !!v.stats,
    server: v.server,
    tokenFile: v['token-file'],
    ghostText: !!v['ghost-text'],
    minConfidence: num('min-confidence', v['min-confidence'], { min: 0, max: 1 }),
  };
}

export const HELP = `diffucode — fill code gaps with a local masked-diffusion model

Usage:
  diffucode fill FILE [options]        fill every mask marker in FILE, print the result
  diffucode fill --stdin [options]     same, reading the text from standard input
  diffucode fill FILE --in-place       rewrite FILE (the original is kept as FILE.bak)
  diffucode serve --token-file F ...   serve a model to a team over HTTP (diffucode serve --help)
  diffucode batch [FILE] [options]     JSONL in ({"prefix","suffix","maxTokens"?,"singleLine"?,"id"?} per line,
                                       FILE or stdin), JSONL out ({"middle","stats"} or {"error"}), one output
                                       line per input line; a summary of failed lines on standard error
  diffucode batch --ghost-text [FILE]  each line ({"prefix","suffix","language"?,"mode"?,"id"?}) through the
                                       editor's ghost-text pipeline: "middle" is what the editor would show
                                       ("" for nothing), with "shown", "reason", "confidence"

Markers: <|mask|> is a gap of --tokens tokens; <|mask:N|> is a gap of N tokens.

Options:
  -m, --model DIR          model folder (default: the embedded models/diffucode-tiny)
      --marker STR         mask marker (default "<|mask|>")
  -n, --tokens N           tokens per gap without an explicit :N (default 24)
  -i, --in-place           write the result back to FILE (mode, owner kept; a symlink is written through),
                           keeping FILE.bak (FILE.bak.N when that exists); refuses a read-only file
      --stdin              read the text from standard input
      --stats              print timing statistics to standard error
      --ghost-text         batch: what the editor would show (gap size, gate and filters as in the editor)
      --min-confidence P   with --ghost-text: the confidence gate (default: the model's calibrated value)
Sampler (defaults: the model manifest's recommendation):
  -a, --algorithm A        threshold | entropy | maskgit_plus | topk_margin | origin
      --steps N            denoising steps (schedule algorithms; default one token per step)
      --steps-per-token F  without --steps: steps = masks x F, all gaps together (0 < F <= 1;
                           0.25 = about four tokens per step)
      --threshold P        confidence threshold for 'threshold' (0..1)
      --block-size N       decode each gap in blocks of N tokens, left to right
  -t, --temperature T      0 = greedy
      --top-p P            nucleus filter (1 = off)
      --top-k K            keep the K most likely tokens (0 = off)
      --alg-temp T         sample positions by confidence instead of taking the best
      --[no-]eos-after-text  end-of-text only right after committed text (default: the manifest's)
      --cache none|dual    dual: Fast-dLLM dual cache (models with a window graph): full pass per block,
                           window passes inside it (default: the manifest's)
      --cache-refresh N    with --cache dual, also refresh after N window passes (0 = block starts only)
      --eps E              end time of the Dream schedule (default 0.001)
      --seed N             PRNG seed (same seed, same output)
Context and runtime:
      --prefix-tokens N    prefix budget in tokens (default: what fits the context)
      --suffix-tokens N    suffix budget in tokens
      --provider P         cpu | cuda | dml | coreml | webgpu (falls back to cpu)
      --threads N          ONNX Runtime intra-op threads (0 = runtime default)
      --timeout S          per-request timeout in seconds (default 120)
      --server URL         fill/batch on a model server (diffucode serve) instead of a local worker
      --token-file F       the server's bearer token (default: $DIFFUCODE_SERVE_TOKEN)
  -h, --help               this help
      --version            print the version

Exit status: 0 success, 1 the fill failed (message on stderr), 2 usage error.
`;
