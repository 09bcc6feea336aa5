// Command-line parsing for `diffucode`. Unknown options and bad values are usage errors (exit 2) with a clear
// message; every sampler option of the engine has a flag.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FILL_SAMPLERS, isFillSamplerChoice, type FillSamplerChoice } from '../engine/sampling/fillSampler';
import { problemWith, SAMPLER_OPTIONS } from '../engine/sampling/samplerOptions';
import type { SamplerOptions } from '../engine/types';
import { GRAMMARS, grammarFor } from '../syntax/grammars';
import { PARSE_CHECK_MODES, type ParseCheckMode } from '../syntax/repair';

type ParseArgsOptionDescriptor = NonNullable<ParseArgsConfig['options']>[string];

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
  /** fill and batch (not --ghost-text): the parallel decoder (default) or the manifest's sampler exactly. */
  fillSampler: FillSamplerChoice;
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
  /** fill: check the filled file's syntax (src/syntax/repair.ts); default repair. */
  parseCheck: ParseCheckMode;
  /** fill: the language to check as (a VS Code language id or an extension); default: FILE's extension. */
  language?: string;
}

const OPTIONS = {
  ...samplerFlags(),
  sampler: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  model: { type: 'string', short: 'm' },
  marker: { type: 'string' },
  tokens: { type: 'string', short: 'n' },
  stdin: { type: 'boolean' },
  'in-place': { type: 'boolean', short: 'i' },
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
  'parse-check': { type: 'string' },
  language: { type: 'string' },
} as const satisfies Record<string, ParseArgsOptionDescriptor>;

/** parseArgs entries for every row of the sampler table (values are parsed by samplerFromFlags). */
function samplerFlags(): Record<string, ParseArgsOptionDescriptor> {
  const out: Record<string, ParseArgsOptionDescriptor> = {};
  for (const spec of SAMPLER_OPTIONS) {
    if (spec.kind === 'boolean') {
      out[spec.flag] = { type: 'boolean' };
      out[`no-${spec.flag}`] = { type: 'boolean' };
    } else out[spec.flag] = spec.short ? { type: 'string', short: spec.short } : { type: 'string' };
  }
  return out;
}

/**
 * The sampler options given on the command line, each checked by the table's own rule: a bad value is a usage
 * error (exit 2) with the message the engine would give, instead of a failed fill (exit 1) after the model loads.
 */
function samplerFromFlags(v: Record<string, string | boolean | undefined>): Partial<SamplerOptions> {
  const sampler: Record<string, unknown> = {};
  for (const spec of SAMPLER_OPTIONS) {
    let value: unknown;
    if (spec.kind === 'boolean') {
      if (v[spec.flag] && v[`no-${spec.flag}`]) throw new UsageError(`give --${spec.flag} or --no-${spec.flag}, not both`);
      value = v[spec.flag] ? true : v[`no-${spec.flag}`] ? false : undefined;
    } else {
      const raw = v[spec.flag] as string | undefined;
      // A number that does not parse stays the string it was, so the message shows what was typed.
      value = raw !== undefined && (spec.kind === 'number' || spec.kind === 'integer') && raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    }
    if (value === undefined) continue;
    const problem = problemWith(spec, value);
    if (problem) throw new UsageError(`--${spec.flag}: ${problem}`);
    sampler[spec.key] = value;
  }
  return sampler as Partial<SamplerOptions>;
}

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
  else throw new UsageError(`unknown command "${pos[0]}" (commands: fill, batch, serve, convert, pull, models)`);
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
  if ((v['parse-check'] !== undefined || v.language !== undefined) && command !== 'fill') throw new UsageError('--parse-check and --language are fill options');
  const parseCheck = (v['parse-check'] ?? 'repair') as ParseCheckMode;
  if (!PARSE_CHECK_MODES.includes(parseCheck)) throw new UsageError(`--parse-check expects ${PARSE_CHECK_MODES.join(', ')}; got "${v['parse-check']}"`);
  if (v.language !== undefined && !grammarFor(v.language))
    throw new UsageError(`--language: no grammar for "${v.language}" (known: ${GRAMMARS.flatMap((g) => g.languageIds).join(', ')})`);
  const sampler = samplerFromFlags(v);
  if (v.sampler !== undefined && !isFillSamplerChoice(v.sampler)) throw new UsageError(`--sampler expects ${FILL_SAMPLERS.join(' or ')}, got "${v.sampler}"`);
  if (v.sampler !== undefined && v['ghost-text']) throw new UsageError('--sampler chooses the decoder of fills; --ghost-text uses the model\'s own (give sampler flags instead)');
  return {
    command,
    file,
    stdin: !!v.stdin,
    inPlace: !!v['in-place'],
    model: v.model,
    marker: v.marker ?? '<|mask|>',
    // No upper bound here: the one limit is the model's context, checked with the markers (engine/text/maskMarkers).
    tokens: num('tokens', v.tokens, { int: true, min: 1 }) ?? 24,
    sampler,
    fillSampler: (v.sampler as FillSamplerChoice | undefined) ?? 'parallel',
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
    parseCheck,
    language: v.language,
  };
}

/** The --help lines of the sampler table, in its order, aligned with the hand-written ones. */
function samplerHelp(): string {
  return SAMPLER_OPTIONS.map((spec) => {
    const names = `${spec.short ? `-${spec.short}, ` : '    '}--${spec.kind === 'boolean' ? `[no-]${spec.flag}` : spec.flag}${spec.arg ? ` ${spec.arg}` : ''}`;
    const [first, ...more] = spec.help.split('\n');
    // A name too long for the column puts its help two spaces after it (as the hand-written lines do).
    return [`  ${names.padEnd(23)}  ${first}`, ...more.map((line) => `${' '.repeat(27)}${line}`)].join('\n');
  }).join('\n');
}

export const HELP = `diffucode — fill code gaps with a local masked-diffusion model

Usage:
  diffucode fill FILE [options]        fill every mask marker in FILE, print the result
  diffucode fill --stdin [options]     same, reading the text from standard input
  diffucode fill FILE --in-place       rewrite FILE (the original is kept as FILE.bak)
  diffucode serve --token-file F ...   serve a model to a team over HTTP (diffucode serve --help)
  diffucode convert SRC OUT [options]  a checkpoint folder or a .gguf file into a model folder
                                       (diffucode convert --help)
  diffucode pull ORG/NAME[@REV]        download a model from the Hugging Face Hub and convert it into the
                                       models store (diffucode pull --help); prints its folder
  diffucode models [--catalog]         the installed models, or the models pull offers (diffucode models --help)
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
      --parse-check MODE   fill: parse the result (Python, TypeScript/TSX, JavaScript, Java, Go, Rust, C/C++, C#);
                           repair (default): remask and refill what breaks the syntax, write nothing if it still
                           does; applyMarked: same, but write it and name the error; off: no check
      --language ID        fill: the language to check as (python, typescript, ... or an extension such as py);
                           default: FILE's extension (standard input is not checked without it)
Sampler:
      --sampler parallel|model
                           parallel (default): threshold 0.9 in blocks of 8, greedy, dual cache where the
                           model has one, for every model; model: the manifest's recommended sampler exactly.
                           The flags below override single options of either
${samplerHelp()}
Context and runtime:
      --prefix-tokens N    prefix budget in tokens (default: what fits the context)
      --suffix-tokens N    suffix budget in tokens
      --provider P         auto | cpu | webgpu | dml | coreml | cuda (falls back to cpu)
      --threads N          ONNX Runtime intra-op threads (0 = runtime default)
      --timeout S          the longest a request may go without progress (a model pass), in seconds
                           (default 120; at least 3x the slowest pass so far): an unfinished fill
                           prints what it had committed and exits 1
      --server URL         fill/batch on a model server (diffucode serve) instead of a local worker
      --token-file F       the server's bearer token (default: $DIFFUCODE_SERVE_TOKEN)
  -h, --help               this help
      --version            print the version

Exit status: 0 success, 1 the fill failed (message on stderr), 2 usage error.
`;
