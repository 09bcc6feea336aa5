// Runs an exported model.onnx once with onnxruntime-node and prints the logits as JSON.
// Python has no onnxruntime on these machines, so the Python tests check the graph through this script:
//   node training/hf/run_onnx.mjs MODEL.onnx < {"input_ids": [[...]], "positions": [...]}
//   -> {"dims": [n, vocab], "logits": [...], "inputs": [...], "outputs": [...]}
// A cached-window graph (window.onnx) also takes "start", "past_keys", "past_values" and "past_dims" and returns
// "present_keys" / "present_values" (flat) with "present_dims".
import fs from "node:fs";
import ort from "onnxruntime-node";

const [modelPath] = process.argv.slice(2);
if (!modelPath) {
  console.error("usage: node run_onnx.mjs MODEL.onnx < request.json");
  process.exit(2);
}
const request = JSON.parse(fs.readFileSync(0, "utf8"));
const ids = request.input_ids.flat();
const session = await ort.InferenceSession.create(modelPath, { executionProviders: ["cpu"] });
const feeds = {
  input_ids: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
  positions: new ort.Tensor("int64", BigInt64Array.from(request.positions.map(BigInt)), [request.positions.length]),
};
if (request.start !== undefined) {
  feeds.start = new ort.Tensor("int64", BigInt64Array.from([BigInt(request.start)]), [1]);
  feeds.past_keys = new ort.Tensor("float32", Float32Array.from(request.past_keys), request.past_dims);
  feeds.past_values = new ort.Tensor("float32", Float32Array.from(request.past_values), request.past_dims);
}
const result = await session.run(feeds);
const logits = result.logits;
const present = result.present_keys
  ? { present_keys: Array.from(result.present_keys.data), present_values: Array.from(result.present_values.data),
      present_dims: result.present_keys.dims }
  : {};
process.stdout.write(JSON.stringify({
  ...present,
  dims: logits.dims,
  type: logits.type,
  logits: Array.from(logits.data),
  inputs: session.inputNames,
  outputs: session.outputNames,
}));
