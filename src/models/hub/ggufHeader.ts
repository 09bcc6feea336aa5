// The first metadata of a GGUF file, read from a prefix of it (a Range request of a few hundred kB), so a causal
// GGUF (a Qwen2.5-Coder Q4_K_M, 4.7 GB) is refused before it is downloaded. llama.cpp writes general.* first, then
// the architecture's keys ({arch}.attention.causal among them), then the tokenizer's large arrays; reading stops at
// the first array or at the end of the prefix. Anything unexpected returns what was read so far: the converter
// reads the whole file and judges it again, this is only the early refusal.

export interface GgufHeader {
  architecture?: string;
  /** {arch}.attention.causal when stated before the first array. */
  causal?: boolean;
}

export function readGgufHeader(bytes: Uint8Array): GgufHeader {
  const out: GgufHeader = {};
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const need = (n: number) => pos + n <= bytes.length;
  const str = (): string | undefined => {
    if (!need(8)) return undefined;
    const len = view.getBigUint64(pos, true);
    if (len > 65536n || !need(8 + Number(len))) return undefined;
    const s = new TextDecoder().decode(bytes.subarray(pos + 8, pos + 8 + Number(len)));
    pos += 8 + Number(len);
    return s;
  };
  if (!need(24) || view.getUint32(0, true) !== 0x46554747) return out;
  const version = view.getUint32(4, true);
  if (version !== 2 && version !== 3) return out;
  const kvCount = view.getBigUint64(16, true);
  pos = 24;
  const SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  for (let i = 0n; i < kvCount; i++) {
    const key = str();
    if (key === undefined || !need(4)) return out;
    const type = view.getUint32(pos, true);
    pos += 4;
    if (type === 8) {
      const v = str();
      if (v === undefined) return out;
      if (key === 'general.architecture') out.architecture = v;
    } else if (type in SIZES) {
      if (!need(SIZES[type])) return out;
      if (type === 7 && out.architecture && key === `${out.architecture}.attention.causal`) out.causal = bytes[pos] !== 0;
      pos += SIZES[type];
    } else return out; // an array (the tokenizer's) or an unknown type: stop here
  }
  return out;
}
