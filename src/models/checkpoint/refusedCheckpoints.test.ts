// Bad and hostile checkpoint folders: each refused with one clear line (an InputError) before anything is read
// past the check. Where training/hf checks the same thing, the message must be the Python's, word for word.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InputError } from './inputError';
import { openInput } from './openInput';
import { makeTiny, py, pythonReads } from './testing/python';

let tmp: string;
let base: string;
let n = 0;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'diffucode-refused-'));
  base = makeTiny(join(tmp, 'base'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A fresh copy of the tiny checkpoint to spoil. */
function copy(): string {
  const dir = join(tmp, `case-${n++}`);
  cpSync(base, dir, { recursive: true });
  return dir;
}

function editJson(path: string, edit: (o: any) => void): void {
  const o = JSON.parse(readFileSync(path, 'utf8'));
  edit(o);
  writeFileSync(path, JSON.stringify(o));
}

/** A safetensors file with this header and these data bytes, as a writer would lay it out. */
function writeRaw(path: string, header: unknown, data: Uint8Array, headerLen?: bigint): void {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(headerLen ?? BigInt(json.length));
  writeFileSync(path, Buffer.concat([len, json, data]));
}

function refused(dir: string, opts = {}): string {
  try {
    openInput(dir, opts).close();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${(e as Error).stack}`);
    assert.ok(!e.message.includes('\n'), `more than one line: ${e.message}`);
    return e.message;
  }
  assert.fail(`${dir} was accepted`);
}

/** Refused with exactly the message the Python readers give. */
function refusedLikePython(dir: string, opts: { assumeDream?: boolean } = {}): string {
  const msg = refused(dir, opts);
  assert.equal(msg, pythonReads(dir, opts.assumeDream ? ['--assume-dream'] : []).error);
  return msg;
}

const SHARD = 'model-00002-of-00002.safetensors';

test('a header claiming a terabyte', () => {
  const dir = copy();
  writeRaw(join(dir, SHARD), {}, new Uint8Array(16), 1_000_000_000_000n);
  assert.match(refusedLikePython(dir), /header length 1000000000000 does not fit in a \d+-byte file/);
});

test('a truncated shard', () => {
  const dir = copy();
  truncateSync(join(dir, SHARD), statSync(join(dir, SHARD)).size - 100);
  assert.match(refusedLikePython(dir), /claims bytes .* \(truncated or corrupt file\)/);
});

test('offsets past the data section', () => {
  const dir = copy();
  writeRaw(join(dir, 'model.safetensors'), { w: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } }, new Uint8Array(16));
  rmSync(join(dir, 'model.safetensors.index.json'));
  assert.match(refusedLikePython(dir), /tensor 'w' \(F32 \[4\]\) claims bytes \[8, 24\) but needs 16 bytes inside a 16-byte/);
});

test('a shape whose size overflows 2^53 is refused, not wrapped', () => {
  const dir = copy();
  writeRaw(join(dir, 'model.safetensors'), { w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 16] } }, new Uint8Array(16));
  rmSync(join(dir, 'model.safetensors.index.json'));
  assert.match(refused(dir), /claims bytes \[0, 16\) but needs 4835703278458516698824704 bytes/);
});

test('overlapping tensors', () => {
  const dir = copy();
  writeRaw(join(dir, 'model.safetensors'), {
    a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] },
  }, new Uint8Array(24));
  rmSync(join(dir, 'model.safetensors.index.json'));
  assert.match(refused(dir), /tensors 'a' and 'b' overlap/);
});

test('an unknown dtype', () => {
  const dir = copy();
  writeRaw(join(dir, 'model.safetensors'), { w: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, new Uint8Array(4));
  rmSync(join(dir, 'model.safetensors.index.json'));
  assert.match(refusedLikePython(dir), /tensor 'w' has unsupported dtype 'F8_E4M3'/);
});

test('an integer tensor where a weight belongs', () => {
  const dir = copy();
  py(['-c', `
import os, sys, numpy as np
from training.hf.checkpoint import CheckpointTensors
from training.hf.safetensors_io import write_safetensors
d = sys.argv[1]; t = CheckpointTensors(d)
arrays = {n: t.tensor(n) for n in t.names()}; t.close()
arrays['model.norm.weight'] = arrays['model.norm.weight'].astype(np.int32)
for f in os.listdir(d):
    if f.startswith('model'): os.remove(os.path.join(d, f))
write_safetensors(os.path.join(d, 'model.safetensors'), arrays, dtype='BF16')
`, dir]);
  assert.equal(refused(dir), '1 tensor(s) are not stored as floats (F32, F16, BF16, F64), e.g. model.norm.weight: I32');
});

test('a tokenizer_config whose added token id is not an integer', () => {
  const dir = copy();
  editJson(join(dir, 'tokenizer_config.json'), (o) => { o.added_tokens_decoder[''] = { content: '<|x|>' }; });
  assert.match(refused(dir), /tokenizer_config.json: added_tokens_decoder entry '' is malformed/);
});

test('a header that is not JSON', () => {
  const dir = copy();
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(4n);
  writeFileSync(join(dir, SHARD), Buffer.concat([len, Buffer.from('{no!')]));
  assert.match(refused(dir), /header is not valid JSON/);
});

test('a missing shard', () => {
  const dir = copy();
  unlinkSync(join(dir, SHARD));
  assert.match(refusedLikePython(dir), /checkpoint shard\(s\) missing from .*: model-00002-of-00002.safetensors \(listed in/);
});

test('a shard named ../x or by an absolute path in the index', () => {
  for (const name of ['../x.safetensors', '/etc/passwd', 'sub/../../x.safetensors']) {
    const dir = copy();
    editJson(join(dir, 'model.safetensors.index.json'), (o) => { o.weight_map['model.norm.weight'] = name; });
    assert.match(refused(dir), /names the shard '.*', which is outside the checkpoint folder/);
  }
});

test('an index that names a tensor its shard lacks', () => {
  const dir = copy();
  editJson(join(dir, 'model.safetensors.index.json'), (o) => { o.weight_map['model.extra.weight'] = SHARD; });
  assert.match(refusedLikePython(dir), /says 'model.extra.weight' is in model-00002/);
});

test('a .bin-only folder, with the hint', () => {
  const dir = copy();
  for (const f of ['model-00001-of-00002.safetensors', SHARD, 'model.safetensors.index.json']) rmSync(join(dir, f));
  writeFileSync(join(dir, 'pytorch_model.bin'), 'x');
  assert.match(refusedLikePython(dir), /has neither model.safetensors.index.json nor model.safetensors \(found pytorch_model.bin: only safetensors is supported\)/);
});

test('a single model.safetensors reads like the shards', () => {
  const dir = copy();
  py(['-c', `
import os, sys
from training.hf.checkpoint import CheckpointTensors
from training.hf.safetensors_io import write_safetensors, SafetensorsFile
d = sys.argv[1]; t = CheckpointTensors(d)
arrays = {n: t.tensor(n) for n in t.names()}; t.close()
for f in os.listdir(d):
    if f.startswith('model'): os.remove(os.path.join(d, f))
write_safetensors(os.path.join(d, 'model.safetensors'), arrays, dtype='BF16')
`, dir]);
  const input = openInput(dir);
  const ref = pythonReads(dir);
  assert.equal(input.sha256, ref.sha256);
  assert.deepEqual(input.dtypes, ref.dtypes);
  input.close();
});

test('tensor shapes that contradict config.json', () => {
  const dir = copy();
  editJson(join(dir, 'config.json'), (o) => { o.intermediate_size = 256; });
  assert.match(refusedLikePython(dir), /^6 tensor shape\(s\) do not match config.json: model.layers.0.mlp.gate_proj.weight: \(192, 64\) \(config.json implies \(256, 64\)\), .* \(\+3 more\)$/);
});

test('a tensor of another architecture', () => {
  const dir = copy();
  editJson(join(dir, 'config.json'), (o) => { o.num_hidden_layers = 1; });
  assert.match(refusedLikePython(dir), /tensor\(s\) a Dream model does not use, e.g. model.layers.1/);
});

test('causal models: Qwen2 without assumeDream (with the hint), LLaMA, GPT-2', () => {
  const dir = copy();
  editJson(join(dir, 'config.json'), (o) => { o.architectures = ['Qwen2ForCausalLM']; o.model_type = 'qwen2'; });
  assert.match(refusedLikePython(dir), /unsupported architecture \['Qwen2ForCausalLM'\] \(a Qwen2 config: pass --assume-dream only/);
  editJson(join(dir, 'config.json'), (o) => { o.architectures = ['LlamaForCausalLM']; o.model_type = 'llama'; });
  assert.match(refused(dir), /unsupported architecture \['LlamaForCausalLM'\] \(a causal language model, not a diffusion model\); supported: DreamModel/);
  editJson(join(dir, 'config.json'), (o) => { delete o.architectures; o.model_type = 'gpt2'; });
  assert.match(refusedLikePython(dir), /unsupported architecture 'gpt2'; supported/);
});

test('no mask token: not a diffusion model', () => {
  const dir = copy();
  editJson(join(dir, 'config.json'), (o) => { delete o.mask_token_id; });
  editJson(join(dir, 'tokenizer_config.json'), (o) => {
    delete o.mask_token;
    for (const v of Object.values(o.added_tokens_decoder) as any[]) if (v.content === '<|mask|>') v.content = '<|fim_pad|>';
  });
  editJson(join(dir, 'added_tokens.json'), (o) => { o['<|fim_pad|>'] = o['<|mask|>']; delete o['<|mask|>']; });
  const msg = refused(dir);
  assert.match(msg, /^no mask token: config.json has no mask_token_id and the tokenizer has no <\|mask\|> \(not a diffusion model\)$/);
  assert.ok(msg.startsWith(pythonReads(dir).error));
});

test('settings the runtime does not compute: rope scaling, another activation, LLaDA block types', () => {
  const dir = copy();
  editJson(join(dir, 'config.json'), (o) => { o.rope_scaling = { type: 'yarn', factor: 4 }; });
  assert.match(refusedLikePython(dir), /rope_scaling \{'type': 'yarn', 'factor': 4\} is not supported/);
  editJson(join(dir, 'config.json'), (o) => { o.rope_scaling = null; o.hidden_act = 'gelu'; });
  assert.match(refusedLikePython(dir), /hidden_act 'gelu' is not supported/);
  const llada = makeTiny(join(tmp, 'llada-bad'), ['--family', 'llada']);
  editJson(join(llada, 'config.json'), (o) => { o.block_type = 'sequential'; });
  assert.match(refusedLikePython(llada), /LLaDA block_type='sequential' is not supported \(the exporter computes block_type='llama' exactly\)/);
});

test('tokenizer files that contradict each other, and a config that is not JSON', () => {
  const dir = copy();
  editJson(join(dir, 'added_tokens.json'), (o) => { o['<|mask|>'] = o['<|endoftext|>']; });
  assert.match(refusedLikePython(dir), /added_tokens.json gives id \d+ to '<\|mask\|>' but tokenizer_config.json gives it to '<\|endoftext\|>'/);
  const bad = copy();
  writeFileSync(join(bad, 'config.json'), '{"architectures": ');
  assert.match(refused(bad), /config.json is not valid JSON: /);
  const gone = join(tmp, 'no-such-folder');
  assert.equal(refused(gone), `checkpoint folder ${gone} does not exist`);
  const noCfg = copy();
  renameSync(join(noCfg, 'config.json'), join(noCfg, 'config.old'));
  assert.match(refusedLikePython(noCfg), /has no config.json; expected a Hugging Face Dream\/DiffuCoder checkpoint folder/);
});
