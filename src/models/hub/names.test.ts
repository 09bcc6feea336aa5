import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blobName, parseRepoRef, unsafeRepoPath } from './names';
import { DEFAULT_ENDPOINT, hubCacheDir, hubEndpoint, hubToken } from './hubConfig';

test('REPO[@REV] parsing: the Hub naming rules, refusals in one line', () => {
  assert.deepEqual(parseRepoRef('apple/DiffuCoder-7B-cpGRPO'), { repo: 'apple/DiffuCoder-7B-cpGRPO', revision: undefined });
  assert.deepEqual(parseRepoRef('org/name@refs/pr/3'), { repo: 'org/name', revision: 'refs/pr/3' });
  for (const bad of ['name', 'a/b/c', '../x', 'org/..', 'org/a--b', 'org/-a', 'org/a b', 'org/name@', 'org/name@../x', 'org/name@a//b', '/org/name'])
    assert.throws(() => parseRepoRef(bad), /not a Hub model id|not a branch/, bad);
});

test('repository file names: ../, absolute, backslashes and odd characters are refused', () => {
  for (const ok of ['config.json', 'model-00001-of-00004.safetensors', 'sub/dir/file.txt', '.gitattributes', 'DiffuCoder-7B.Q4_K_M.gguf'])
    assert.equal(unsafeRepoPath(ok), undefined, ok);
  const cases: [string, RegExp][] = [
    ['../x', /"\.\." path segment/],
    ['a/../../x', /"\.\." path segment/],
    ['/etc/passwd', /absolute path/],
    ['C:/x', /absolute path/],
    ['a\\b', /backslash/],
    ['a//b', /empty path segment/],
    ['./x', /"\." path segment/],
    ['x\u0000y', /odd character/],
    ['name.', /odd character/],
    ['', /empty name/],
  ];
  for (const [p, why] of cases) assert.match(unsafeRepoPath(p) ?? '', why, JSON.stringify(p));
});

test('etags become blob names only when they are a sha1 or sha256', () => {
  assert.equal(blobName('"' + 'a'.repeat(64) + '"', 'f'), 'a'.repeat(64));
  assert.equal(blobName('W/"' + 'B'.repeat(40) + '"', 'f'), 'b'.repeat(40));
  assert.throws(() => blobName('"../../x"', 'f'), /odd ETag/);
  assert.throws(() => blobName('"abc"', 'f'), /odd ETag/);
});

test('environment: HF_ENDPOINT, HF_TOKEN and the cache folder as the Hugging Face tools read them', () => {
  assert.equal(hubEndpoint({}), DEFAULT_ENDPOINT); // the name only: tests connect to local stand-ins
  assert.equal(hubEndpoint({ HF_ENDPOINT: 'http://mirror.local:8080/' }), 'http://mirror.local:8080');
  assert.throws(() => hubEndpoint({ HF_ENDPOINT: 'ftp://x' }), /http\(s\) URL/);
  assert.equal(hubToken(undefined, { HF_TOKEN: ' hf_abc ' }), 'hf_abc');
  assert.equal(hubToken('hf_explicit', { HF_TOKEN: 'hf_env' }), 'hf_explicit');
  assert.equal(hubToken(undefined, {}), undefined);
  assert.throws(() => hubToken('abc', {}), /must start with "hf_"/);
  assert.equal(hubCacheDir({ HF_HUB_CACHE: '/a', HF_HOME: '/b' }), '/a');
  assert.equal(hubCacheDir({ HF_HOME: '/b' }), '/b/hub');
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/c' }), '/c/huggingface/hub');
});
