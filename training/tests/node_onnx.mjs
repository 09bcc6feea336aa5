// Runs a model.onnx with onnxruntime-node (the runtime the extension uses) for the Python parity tests.
// stdin: {"model": path, "inputIds": [int], "positions": [int]}  stdout: {"dims": [n, vocab], "logits": [float]}
import { readFileSync } from "node:fs";
import ort from "onnxruntime-node";

const req = JSON.parse(readFileSync(0, "utf8"));
const session = await ort.InferenceSession.create(req.model, { executionProviders: ["cpu"] });
const ids = new ort.Tensor("int64", BigInt64Array.from(req.inputIds.map(BigInt)), [1, req.inputIds.length]);
const pos = new ort.Tensor("int64", BigInt64Array.from(req.positions.map(BigInt)), [req.positions.length]);
const out = await session.run({ input_ids: ids, positions: pos });
const logits = out.logits;
process.stdout.write(JSON.stringify({ dims: logits.dims, logits: Array.from(logits.data) }));
