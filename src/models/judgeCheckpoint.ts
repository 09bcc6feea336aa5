// Before any weight is downloaded, from the small files of a repo: is it a diffusion model this runtime serves
// (config.json's architecture), and under what licence (README.md's front matter)? A causal model such as
// Qwen2.5-Coder would download 15 GB and then fail to convert; it is refused here with one line instead.

import { DREAM_ARCHITECTURES, DREAM_MODEL_TYPES } from './checkpoint/dreamConfig';
import { CODA_ARCHITECTURES, CODA_MODEL_TYPES, LLADA_ARCHITECTURES, LLADA_MODEL_TYPES } from './checkpoint/families';
import { inputError } from './errors';
import type { Family } from './catalog/catalog';

// The converter's own family tables (checkpoint/), so the judgement before a download and the conversion after it
// can never disagree.
const DIFFUSION: { family: Family; archs: readonly string[]; types: readonly string[] }[] = [
  { family: 'dream', archs: DREAM_ARCHITECTURES, types: DREAM_MODEL_TYPES },
  { family: 'llada', archs: LLADA_ARCHITECTURES, types: LLADA_MODEL_TYPES },
  { family: 'coda', archs: CODA_ARCHITECTURES, types: CODA_MODEL_TYPES },
];

const SUPPORTED = 'DreamModel (DiffuCoder, Dream-Coder, DreamOn), LLaDAModelLM (LLaDA), CoDALanguageModel (CoDA)';

/** The family of a checkpoint from its config.json, or a one-line refusal. `assumeDream` accepts a Qwen2 config
 *  whose weights were trained as a bidirectional diffusion model (Open-dCoder keeps the Qwen2 class name). */
export function judgeConfig(config: unknown, repo: string, assumeDream = false): Family {
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw inputError(`${repo}: config.json is not a JSON object`, 'NOT_DIFFUSION', 'config.json');
  const c = config as { architectures?: unknown; model_type?: unknown };
  const archs = Array.isArray(c.architectures) ? c.architectures.filter((a): a is string => typeof a === 'string') : [];
  const type = typeof c.model_type === 'string' ? c.model_type : undefined;
  for (const d of DIFFUSION) if (archs.some((a) => d.archs.includes(a)) || (type && d.types.includes(type))) return d.family;
  const qwen2 = archs.includes('Qwen2ForCausalLM') || type === 'qwen2';
  if (qwen2 && assumeDream) return 'dream';
  const name = archs[0] ?? type ?? 'no architecture';
  if (archs.some((a) => /ForCausalLM$|LMHeadModel$/.test(a)))
    throw inputError(
      `${repo} is a causal (left-to-right) model (${name}), not a masked-diffusion model; DiffuCode serves ${SUPPORTED}` +
        (qwen2 ? ' (if these Qwen2 weights were trained as a bidirectional diffusion model, pass --assume-dream)' : ''),
      'CAUSAL_MODEL',
      'config.json',
    );
  throw inputError(`${repo} is not a diffusion model DiffuCode can convert (${name}); supported: ${SUPPORTED}`, 'NOT_DIFFUSION', 'config.json');
}

/** Licences that ask nothing of a user who runs the model locally; anything else is shown and must be accepted. */
const PERMISSIVE = new Set(['apache-2.0', 'mit', 'bsd-2-clause', 'bsd-3-clause', 'isc', 'cc0-1.0', 'unlicense', 'cc-by-4.0', 'bsl-1.0', 'zlib']);

/** The `license:` of a model card's YAML front matter (the Hub's licence field), lower-cased. */
export function cardLicense(readme: string): string | undefined {
  const fm = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readme);
  const m = fm && /^license:\s*["']?([A-Za-z0-9._-]+)["']?\s*$/m.exec(fm[1]);
  return m ? m[1].toLowerCase() : undefined;
}

export function licenseNeedsAcceptance(id: string | undefined): boolean {
  return id !== undefined && !PERMISSIVE.has(id);
}

/** A GGUF's architecture from its first metadata (hub/ggufHeader.ts): dream, or qwen2 stating
 *  attention.causal = false, are diffusion models; a plain qwen2, llama... is refused as the converter would. */
export function judgeGgufHeader(h: { architecture?: string; causal?: boolean }, repo: string, file: string): void {
  if (!h.architecture) return; // not read from the prefix: the converter judges the whole file
  const causal = h.causal ?? h.architecture !== 'dream';
  if (h.architecture === 'dream' || (h.architecture === 'qwen2' && !causal)) return;
  if (causal)
    throw inputError(
      `${repo}/${file} is a causal (left-to-right) ${h.architecture} model (${h.architecture}.attention.causal is ${h.causal === undefined ? 'missing' : 'true'}), not a masked-diffusion model`,
      'CAUSAL_MODEL',
      file,
    );
  throw inputError(`${repo}/${file}: unsupported GGUF architecture ${h.architecture}; supported: dream, and qwen2 when bidirectional`, 'NOT_DIFFUSION', file);
}
