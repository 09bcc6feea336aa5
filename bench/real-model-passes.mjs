// One model folder (graph v2) in onnxruntime-node: session load time, resident memory after load, one full pass
// per canvas size, one dual-cache window pass (a block of 8 with the rest of the canvas cached), each as ms.
// Prints one JSON object. Used by bench/real_models.py; random token ids (speed does not depend on them).
//   node bench/real-model-passes.mjs MODEL_DIR [--canvases 128,256,350] [--threads N]
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const [dir, ...rest] = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : dflt;
};
const canvases = opt('--canvases', '128,256,350').split(',').map(Number);
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const a = manifest.architecture;
const layers = a.num_hidden_layers, kv = a.num_key_value_heads, hd = a.hidden_size / a.num_attention_heads;
const rss = () => Math.round(process.memoryUsage().rss / 1e6);
const rssBefore = rss();
let t = performance.now();
const session = await ort.InferenceSession.create(path.join(dir, manifest.graph), {
  executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3,
  ...(Number(opt('--threads', '0')) > 0 ? { intraOpNumThreads: Number(opt('--threads', '0')) } : {}),
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});
const loadMs = performance.now() - t;
const rssLoaded = rss();
const ids = (n) => new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(3 + ((i * 7919) % 200))), [1, n]);
const zeros = (p) => new ort.Tensor('float32', new Float32Array(kv * p * hd), [1, kv, p, hd]);
const feeds = (w, start, past, rows) => {
  const f = {
    input_ids: ids(w), start: new ort.Tensor('int64', BigInt64Array.from([BigInt(start)]), [1]),
    positions: new ort.Tensor('int64', BigInt64Array.from(rows.map(BigInt)), [rows.length]),
    head_k: new ort.Tensor('int64', BigInt64Array.from([2n]), [1]),
    head_scale: new ort.Tensor('float32', Float32Array.from([1]), [1]),
    bias_ids: new ort.Tensor('int64', new BigInt64Array(0), [0]),
    bias: new ort.Tensor('float32', new Float32Array(0), [rows.length, 0]),
  };
  for (let l = 0; l < layers; l++) {
    f[`past_key.${l}`] = past;
    f[`past_value.${l}`] = past;
  }
  return f;
};
const rows = (lo, n) => Array.from({ length: n }, (_, i) => lo + i);
const out = { dir, loadMs: Math.round(loadMs), rssBeforeLoadMb: rssBefore, rssAfterLoadMb: rssLoaded, full: {}, fullLogitsRows: {}, window: {} };
// warm-up (first-run allocations)
await session.run(feeds(16, 0, zeros(0), rows(0, 2)), ['top_ids', 'top_logits', 'logsumexp', 'entropy']);
for (const S of canvases) {
  t = performance.now();
  await session.run(feeds(S, 0, zeros(0), rows(S - 30, 24)), ['top_ids', 'top_logits', 'logsumexp', 'entropy', 'present_keys', 'present_values']);
  out.full[S] = Math.round(performance.now() - t);
  t = performance.now();
  await session.run(feeds(S, 0, zeros(0), rows(S - 30, 24)), ['logits']);
  out.fullLogitsRows[S] = Math.round(performance.now() - t);
  // window: 9 rows (block of 8 + the row before it), the rest of the canvas from the cache
  const past = zeros(S - 9);
  await session.run(feeds(9, S - 30, past, rows(0, 8)), ['top_ids', 'top_logits', 'logsumexp', 'entropy']);
  t = performance.now();
  for (let i = 0; i < 3; i++) await session.run(feeds(9, S - 30, past, rows(0, 8)), ['top_ids', 'top_logits', 'logsumexp', 'entropy']);
  out.window[S] = Math.round((performance.now() - t) / 3);
}
out.rssAfterPassesMb = rss();
console.log(JSON.stringify(out));
await session.release();
