// The one table of sampler options. Validation (options.ts), the CLI's flags and --help (cli/args.ts) and the
// extension's settings keys (extension/config.ts) are all read from it, and a test holds package.json's
// `diffucode.sampler.*` settings to its bounds, so a rule is written once and the entry points cannot drift.
// Adding a sampler option = one row here + its use in the denoiser + a test.
// Not a row: ghost text's confidence gate (diffucode.ghostText.minConfidence, batch --min-confidence). It is an
// option of the completion pipeline (src/completion/gate), applied to the engine's answer and never sent to the
// engine; its default is the manifest's `ghostText` block, not its `sampler` block.

import type { Algorithm, SamplerOptions } from '../types';

export const ALGORITHMS: readonly Algorithm[] = ['origin', 'maskgit_plus', 'topk_margin', 'entropy', 'threshold'];

export type SamplerOptionKind = 'number' | 'integer' | 'boolean' | 'enum';

export interface SamplerOptionSpec {
  key: keyof SamplerOptions;
  kind: SamplerOptionKind;
  /** 'enum': the accepted values. */
  values?: readonly string[];
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound (the value must be greater). */
  above?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound (the value must be smaller). */
  below?: number;
  /** The engine's built-in value, used when neither the manifest nor the request sets one (absent = off). */
  default?: number | string | boolean;
  /** Appended to the rule in the error message: what the bound means to the user. */
  note?: string;
  /** CLI: long flag without the dashes (a boolean also gets --no-FLAG), short letter, argument name, help. */
  flag: string;
  short?: string;
  arg?: string;
  help: string;
  /** Settings key under `diffucode.` (absent: not a setting). Settings default to the model's recommendation:
   *  null for numbers, 'model' for enums; a boolean is the enum 'model' | 'on' | 'off'. */
  setting?: string;
}

export const SAMPLER_OPTIONS: readonly SamplerOptionSpec[] = [
  {
    key: 'algorithm', kind: 'enum', values: ALGORITHMS, default: 'threshold', flag: 'algorithm', short: 'a', arg: 'A',
    help: 'threshold | entropy | maskgit_plus | topk_margin | origin', setting: 'sampler.algorithm',
  },
  {
    key: 'steps', kind: 'integer', min: 1, flag: 'steps', arg: 'N',
    help: 'denoising steps (schedule algorithms; default one token per step)', setting: 'sampler.steps',
  },
  {
    key: 'stepsPerToken', kind: 'number', above: 0, max: 1, note: '1 = one token per step, 0.25 = about four',
    flag: 'steps-per-token', arg: 'F', setting: 'sampler.stepsPerToken',
    help: 'without --steps: steps = masks x F, all gaps together (0 < F <= 1;\n0.25 = about four tokens per step)',
  },
  {
    key: 'threshold', kind: 'number', min: 0, max: 1, default: 0.9, flag: 'threshold', arg: 'P',
    help: "confidence threshold for 'threshold' (0..1)", setting: 'sampler.threshold',
  },
  {
    key: 'blockSize', kind: 'integer', min: 1, flag: 'block-size', arg: 'N',
    help: 'decode each gap in blocks of N tokens, left to right', setting: 'sampler.blockSize',
  },
  { key: 'temperature', kind: 'number', min: 0, default: 0, flag: 'temperature', short: 't', arg: 'T', help: '0 = greedy', setting: 'sampler.temperature' },
  { key: 'topP', kind: 'number', above: 0, max: 1, default: 1, flag: 'top-p', arg: 'P', help: 'nucleus filter (1 = off)' },
  { key: 'topK', kind: 'integer', min: 0, flag: 'top-k', arg: 'K', help: 'keep the K most likely tokens (0 = off)' },
  { key: 'algTemp', kind: 'number', min: 0, flag: 'alg-temp', arg: 'T', help: 'sample positions by confidence instead of taking the best' },
  {
    key: 'eosAfterText', kind: 'boolean', flag: 'eos-after-text', setting: 'sampler.eosAfterText',
    help: "end-of-text only right after committed text (default: the manifest's)",
  },
  {
    key: 'cache', kind: 'enum', values: ['none', 'dual'], flag: 'cache', arg: 'none|dual', setting: 'sampler.cache',
    help: "dual: Fast-dLLM dual cache (models with a window graph): full pass per block,\nwindow passes inside it (default: the manifest's)",
  },
  {
    key: 'cacheRefresh', kind: 'integer', min: 0, flag: 'cache-refresh', arg: 'N', setting: 'sampler.cacheRefresh',
    help: 'with --cache dual, also refresh after N window passes (0 = block starts only)',
  },
  {
    key: 'repetitionPenalty', kind: 'number', min: 0, flag: 'repetition-penalty', arg: 'R',
    help: 'lower by R the logit of a word the gap already holds within\n8 slots either side (0 = off)',
  },
  { key: 'eps', kind: 'number', above: 0, below: 1, default: 1e-3, flag: 'eps', arg: 'E', help: 'end time of the Dream schedule (default 0.001)' },
  { key: 'seed', kind: 'integer', default: 0, flag: 'seed', arg: 'N', help: 'PRNG seed (same seed, same output)' },
];

/** The rule a value must follow, as the error message says it ("a number in (0, 1]", "a positive integer"). */
export function ruleOf(spec: SamplerOptionSpec): string {
  let rule: string;
  if (spec.kind === 'boolean') rule = 'true or false';
  else if (spec.kind === 'enum') {
    const v = spec.values ?? [];
    rule = v.length === 2 ? `'${v[0]}' or '${v[1]}'` : `one of ${v.join(', ')}`;
  } else {
    const what = spec.kind === 'integer' ? 'an integer' : 'a number';
    const lo = spec.min ?? spec.above;
    const hi = spec.max ?? spec.below;
    if (lo !== undefined && hi !== undefined) rule = `${what} in ${spec.min !== undefined ? '[' : '('}${lo}, ${hi}${spec.max !== undefined ? ']' : ')'}`;
    else if (spec.kind === 'integer' && spec.min === 1) rule = 'a positive integer';
    else if (lo !== undefined) rule = `${what} ${spec.min !== undefined ? '>=' : '>'} ${lo}`;
    else if (hi !== undefined) rule = `${what} ${spec.max !== undefined ? '<=' : '<'} ${hi}`;
    else rule = what;
  }
  return spec.note ? `${rule}: ${spec.note}` : rule;
}

/** Whether `value` follows the spec's rule (type, integrality, bounds, allowed values). */
export function accepts(spec: SamplerOptionSpec, value: unknown): boolean {
  switch (spec.kind) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'enum':
      return typeof value === 'string' && (spec.values ?? []).includes(value);
    default: {
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      if (spec.kind === 'integer' && !Number.isInteger(value)) return false;
      return !(
        (spec.min !== undefined && value < spec.min) ||
        (spec.above !== undefined && value <= spec.above) ||
        (spec.max !== undefined && value > spec.max) ||
        (spec.below !== undefined && value >= spec.below)
      );
    }
  }
}

/** The message for a value the spec refuses; the engine and the CLI both say exactly this. */
export function problemWith(spec: SamplerOptionSpec, value: unknown): string | undefined {
  if (accepts(spec, value)) return undefined;
  return `sampler.${spec.key} must be ${ruleOf(spec)} (got ${JSON.stringify(value)})`;
}

/** The engine's built-in sampler: every option's table default. */
export function builtinSampler(): SamplerOptions {
  const out: Record<string, unknown> = {};
  for (const spec of SAMPLER_OPTIONS) if (spec.default !== undefined) out[spec.key] = spec.default;
  return out as unknown as SamplerOptions;
}
