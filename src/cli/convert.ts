// `diffucode convert SRC OUT`: a checkpoint folder or a .gguf file into a model folder (src/models/convert), here in
// the CLI's own process. Progress on standard error, the model folder as the last line on standard output.
// Exit status: 0 done, 1 a failure while writing (disk, I/O), 2 bad input or usage (one line).

import { parseArgs } from 'node:util';
import { convertModel } from '../models/convert/convert';
import { DTYPES } from '../models/convert/buildOptions';
import type { WeightDtype } from '../models/convert/input';

export const CONVERT_HELP = `diffucode convert SRC OUT [options]

Converts a Hugging Face checkpoint folder (safetensors: bf16/f16/f32, sharded) or a .gguf file into a DiffuCode
model folder OUT (model.onnx + model.onnx.data, tokenizer, manifest.json, MODEL_CARD.md). Streams the weights:
about one weight chunk in memory at a time. OUT is written as OUT.partial and renamed when complete.

Options:
      --dtype D            int4 (default; MatMulNBits, 8-bit head), int8, fp16 (GPU providers), fp32
      --force              replace a non-empty OUT
      --name NAME          model name in the manifest (default: SRC's name)
      --assume-dream       accept a Qwen2 config for weights trained as a bidirectional diffusion model
      --expand-token T     DreamOn: the expand token (string or id; default: <|expand|> when the tokenizer has it)
      --license TEXT       licence when the source states none
      --context-length N   canvas limit (default: min(max_position_embeddings, 2048))
      --block-size N       int4/int8: values per quantization block (32)
      --accuracy-level N   int4/int8: MatMulNBits accuracy_level; 4 = int8 activations and integer dot products
                           (default, measured faster here), 0 = float activations
      --head-bits N        int4: bits of the embedding table and vocabulary head (8 default, or 4)
      --quiet              no progress lines
`;

const BAD_INPUT = new Set(['ConvertError', 'InputError', 'UsageError']);

export async function runConvertCli(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  const fail = (msg: string, code: number) => {
    err.write(`diffucode convert: ${msg}\n`);
    return code;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        dtype: { type: 'string' }, force: { type: 'boolean' }, name: { type: 'string' }, 'assume-dream': { type: 'boolean' },
        'expand-token': { type: 'string' }, license: { type: 'string' }, 'context-length': { type: 'string' },
        'block-size': { type: 'string' }, 'accuracy-level': { type: 'string' }, 'head-bits': { type: 'string' },
        quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return fail((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), 2);
  }
  const v = parsed.values;
  if (v.help) {
    out.write(CONVERT_HELP);
    return 0;
  }
  const [src, dst, ...extra] = parsed.positionals;
  if (!src || !dst) return fail('needs SRC (a checkpoint folder or a .gguf file) and OUT (the model folder to write)', 2);
  if (extra.length) return fail(`unexpected extra arguments: ${extra.join(' ')}`, 2);
  const dtype = (v.dtype ?? 'int4') as WeightDtype;
  if (!DTYPES.includes(dtype)) return fail(`--dtype must be one of ${DTYPES.join(', ')} (got "${v.dtype}")`, 2);
  let contextLength: number | undefined;
  if (v['context-length'] !== undefined) {
    contextLength = Number(v['context-length']);
    if (!Number.isInteger(contextLength) || contextLength < 4) return fail(`--context-length expects an integer >= 4, got "${v['context-length']}"`, 2);
  }
  const ints: Record<string, number | undefined> = {};
  for (const flag of ['block-size', 'accuracy-level', 'head-bits'] as const) {
    const raw = v[flag];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < 0) return fail(`--${flag} expects a non-negative integer, got "${raw}"`, 2);
    ints[flag] = n;
  }
  const t0 = Date.now();
  let last = '';
  try {
    const r = await convertModel({
      source: src, out: dst, dtype, force: v.force, name: v.name, assumeDream: v['assume-dream'], expandToken: v['expand-token'],
      license: v.license, contextLength, blockSize: ints['block-size'], accuracyLevel: ints['accuracy-level'],
      headBits: ints['head-bits'] as 4 | 8 | undefined,
      onProgress: v.quiet ? undefined : (p) => {
        if (p.what === 'opening') return; // bad input found while opening stays one line
        const line = `[convert] ${p.what}${p.total > 1 ? ` (${p.done}/${p.total})` : ''}, ${(p.bytes / 1e6).toFixed(1)} MB written`;
        if (line !== last) err.write(`${line}\n`);
        last = line;
      },
    });
    if (!v.quiet) err.write(`[convert] wrote ${r.folder} (${(r.onnxBytes / 1e6).toFixed(1)} MB of ONNX) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    out.write(`${r.folder}\n`);
    return 0;
  } catch (e) {
    const error = e as Error;
    const msg = (error.message ?? String(e)).split('\n')[0];
    return fail(msg, BAD_INPUT.has(error.name) ? 2 : 1);
  }
}
