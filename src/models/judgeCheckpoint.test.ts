import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cardLicense, judgeConfig, licenseNeedsAcceptance } from './judgeCheckpoint';

test('config.json decides the family before any weight is fetched', () => {
  assert.equal(judgeConfig({ architectures: ['DreamModel'], model_type: 'Dream' }, 'r'), 'dream');
  assert.equal(judgeConfig({ architectures: ['LLaDAModelLM'] }, 'r'), 'llada');
  assert.equal(judgeConfig({ model_type: 'CoDA' }, 'r'), 'coda');
  assert.equal(judgeConfig({ architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2' }, 'r', true), 'dream');
});

test('a causal model and an unknown architecture are refused with one line', () => {
  assert.throws(() => judgeConfig({ architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2' }, 'Qwen/Qwen2.5-Coder-7B'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'CAUSAL_MODEL');
    assert.match(e.message, /^Qwen\/Qwen2\.5-Coder-7B is a causal \(left-to-right\) model \(Qwen2ForCausalLM\), not a masked-diffusion model; .*--assume-dream/);
    return true;
  });
  assert.throws(() => judgeConfig({ architectures: ['LlamaForCausalLM'] }, 'm'), /causal .* \(LlamaForCausalLM\)/);
  assert.throws(() => judgeConfig({ architectures: ['BertModel'] }, 'm'), (e: Error & { code?: string }) => e.code === 'NOT_DIFFUSION' && /not a diffusion model .*BertModel/.test(e.message));
  assert.throws(() => judgeConfig([], 'm'), /not a JSON object/);
});

test('the model card licence, and which licences must be accepted', () => {
  assert.equal(cardLicense('---\nlibrary_name: transformers\nlicense: apple-amlr\n---\n# x'), 'apple-amlr');
  assert.equal(cardLicense('---\r\nlicense: "MIT"\r\n---\r\n'), 'mit');
  assert.equal(cardLicense('# no front matter\nlicense: mit'), undefined);
  assert.ok(licenseNeedsAcceptance('cc-by-nc-4.0'));
  assert.ok(licenseNeedsAcceptance('apple-amlr'));
  assert.ok(licenseNeedsAcceptance('other'));
  assert.ok(!licenseNeedsAcceptance('apache-2.0'));
  assert.ok(!licenseNeedsAcceptance(undefined));
});
