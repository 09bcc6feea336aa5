// Runs an exported model.onnx once with onnxruntime-node and prints the logits as JSON.
// Python has no onnxruntime on these machines, so the Python tests check the graph through this script:
//   node training/hf/run_onnx.mjs MODEL.onnx < {"input_ids": [[...]], "positions": [...]}
//   -> {"dims": [n, vocab], "logits": [...], "inputs": [...], "outputs": [...]}
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
const result = await session.run(feeds);
const logits = result.logits;
process.stdout.write(JSON.stringify({
  dims: logits.dims,
  type: logits.type,
  logits: Array.from(logits.data),
  inputs: session.inputNames,
  outputs: session.outputNames,
}));
