// MODEL_CARD.md of a converted model: what it is, where it came from, its tokens, licence and hardware needs,
// followed by the upstream model card (the checkpoint's README.md) so nothing its authors wrote is lost.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paramCount } from './arch';
import type { WeightDtype } from './input';
import type { ConvertInput } from './input';

export const WEIGHT_FORMATS: Record<WeightDtype, string> = {
  fp32: 'fp32 weights (widened from the checkpoint)',
  fp16: 'fp16 weights',
  int8: 'int8 weights (MatMulNBits, symmetric blocks)',
  int4: 'int4 weights (MatMulNBits, symmetric blocks)',
};

function upstreamCard(dir: string | undefined): string | undefined {
  const path = dir && join(dir, 'README.md');
  if (!path || !existsSync(path)) return undefined;
  const body = readFileSync(path, 'utf8').replace(/^---\s*\n[\s\S]*?\n---\s*\n/, '').trim();
  // Demote the upstream headings one level so they nest under ours.
  return body.replace(/^(#+)/gm, '#$1') || undefined;
}

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GiB`;

export function renderCard(input: ConvertInput, manifest: Record<string, any>, onnxBytes: number, dtype: WeightDtype): string {
  const cfg = input.cfg;
  const t = input.tokens;
  const params = paramCount(cfg);
  const dtypes = Object.entries(input.dtypes).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k} x${v}`).join(', ');
  const lines = [
    `# ${manifest.name}`,
    '',
    `A ${input.family.label} masked-diffusion model converted for DiffuCode by \`diffucode convert\`. The weights are the`,
    `upstream authors' and unchanged${dtype === 'fp32' ? ' (widened to fp32).' : `, stored as ${WEIGHT_FORMATS[dtype]}.`}`,
    '',
    '## Source',
    '',
    `- converted from: \`${manifest.provenance.convertedFrom}\` (name in the source: \`${(cfg._name_or_path as string) || input.sourceName || 'not recorded'}\`)`,
    `- ${input.shaKey}: \`${input.sha256}\``,
    `- stored dtypes: ${dtypes}`,
    `- licence: ${manifest.license}`,
    '',
    '## Architecture',
    '',
    `- ${(params / 1e9).toFixed(3)} B parameters; ${cfg.num_hidden_layers} layers, hidden ${cfg.hidden_size}, MLP ${cfg.intermediate_size}, ${cfg.num_attention_heads} query / ${cfg.num_key_value_heads} KV heads`,
    `- vocabulary rows ${cfg.vocab_size}, RoPE theta ${cfg.rope_theta}, RMSNorm eps ${cfg.rms_norm_eps}`,
    `- bidirectional attention, ${input.family.shiftedLogits ? 'shifted logits (output row i predicts token i+1)' : 'unshifted logits (output row i predicts token i)'}`,
    `- ONNX weights: ${gib(onnxBytes)} (${WEIGHT_FORMATS[dtype]}; ${JSON.stringify(manifest.weights)})`,
    `- context used by DiffuCode: ${manifest.contextLength} tokens (prompt + gap)`,
    '',
    "## Special tokens (read from the checkpoint's tokenizer files)",
    '',
    '| role | id |',
    '|---|---|',
    `| begin of text (canvas start) | ${t.bos} |`,
    `| end of text | ${t.eos} |`,
    `| pad | ${t.pad} |`,
    `| mask | ${t.mask} |`,
    `| expand (DreamOn) | ${t.expand ?? 'none'} |`,
    `| stop inside a gap | ${t.stop.join(', ')} |`,
    '',
    '## Recommended decoding',
    '',
    `\`${JSON.stringify(manifest.sampler)}\` (the settings the ${input.family.label} authors recommend).`,
    '',
    '## Hardware',
    '',
    `The graph holds ${gib(onnxBytes)} of weights; ONNX Runtime needs roughly that much RAM (or GPU memory) plus`,
    'activations for the canvas. See docs/models.md in the DiffuCode repository.',
  ];
  const up = upstreamCard(input.cardDir);
  if (up) lines.push('', '## Upstream model card', '', up);
  return lines.join('\n') + '\n';
}
