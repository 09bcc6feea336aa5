// Encodes and decodes strings with @huggingface/tokenizers (the library the engine uses), so the Python tests
// can check a converted tokenizer.json in the real consumer:
//   node training/hf/run_tokenizer.mjs MODEL_DIR < ["text", ...]  ->  [{"ids": [...], "decoded": "..."}, ...]
// tokenizer_config.json beside tokenizer.json is passed as the library's config when present.
import fs from "node:fs";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

const [dir] = process.argv.slice(2);
if (!dir) {
  console.error("usage: node run_tokenizer.mjs MODEL_DIR < texts.json");
  process.exit(2);
}
const read = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
const config = fs.existsSync(path.join(dir, "tokenizer_config.json")) ? read("tokenizer_config.json") : {};
const tokenizer = new Tokenizer(read("tokenizer.json"), config);
const texts = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(texts.map((text) => {
  const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
  return { ids, decoded: ids.length ? tokenizer.decode(ids) : "" };
})));
