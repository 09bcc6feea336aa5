// Encodes and decodes texts with @huggingface/tokenizers (the JS library the engine uses) for the Python tests.
// stdin: {"tokenizer": path, "config": path|null, "texts": [string]}  stdout: [{"ids": [int], "decoded": string}]
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";

const req = JSON.parse(readFileSync(0, "utf8"));
const json = JSON.parse(readFileSync(req.tokenizer, "utf8"));
const config = req.config ? JSON.parse(readFileSync(req.config, "utf8")) : { clean_up_tokenization_spaces: false };
const tok = new Tokenizer(json, config);
const out = req.texts.map((t) => {
  const ids = tok.encode(t, { add_special_tokens: false }).ids;
  return { ids, decoded: ids.length ? tok.decode(ids, { skip_special_tokens: false }) : "" };
});
process.stdout.write(JSON.stringify(out));
