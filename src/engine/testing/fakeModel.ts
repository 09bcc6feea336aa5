// Test doubles for the engine: a model whose logits are scripted per canvas position, and a char-level tokenizer.
// Used by the unit tests and by the bench's synthetic 152k-vocabulary sampler-overhead measurement.

import type { ForwardModel, WindowForward } from '../forwardModel';
import type { EngineTokenizer } from '../engineParts';

/** What the scripted model predicts for the token at canvas position `pos`: a token and its probability. */
export type Script = (ids: Int32Array, pos: number, call: number) => { token: number; p: number };

/**
 * Logits that give `token` probability p and spread the rest evenly: logit(token) = log(p), others
 * log((1-p)/(V-1)). `shifted` says which raw row predicts which position, like a real Dream (true) or LLaDA model.
 */
export class ScriptedModel implements ForwardModel {
  calls = 0;
  readonly rowsSeen: number[][] = [];
  constructor(
    readonly vocabSize: number,
    private readonly script: Script,
    private readonly shifted = true,
  ) {}

  async forward(ids: Int32Array, rows: Int32Array): Promise<Float32Array> {
    const V = this.vocabSize;
    const out = new Float32Array(rows.length * V);
    this.rowsSeen.push(Array.from(rows));
    for (let j = 0; j < rows.length; j++) {
      const pos = this.shifted ? rows[j] + 1 : rows[j];
      const { token, p } = this.script(ids, pos, this.calls);
      const rest = Math.log(Math.max((1 - p) / (V - 1), 1e-30));
      out.fill(rest, j * V, (j + 1) * V);
      out[j * V + token] = Math.log(p);
    }
    this.calls++;
    return out;
  }
}

/** A scripted model with a (scripted, so exact) dual cache that records what each pass recomputed. */
export class ScriptedWindowModel extends ScriptedModel {
  readonly passes: { kind: 'prefill' | 'window'; lo: number; hi: number; rows: number[] }[] = [];
  async openWindow(): Promise<WindowForward> {
    let length = 0;
    return {
      get length() {
        return length;
      },
      prefill: async (ids, rows) => {
        length = ids.length;
        this.passes.push({ kind: 'prefill', lo: 0, hi: ids.length, rows: Array.from(rows) });
        return this.forward(ids, rows);
      },
      step: async (ids, lo, hi, rows) => {
        if (length !== ids.length) throw new Error('step before prefill');
        for (const r of rows) if (r < lo || r >= hi) throw new Error(`row ${r} outside window [${lo}, ${hi})`);
        this.passes.push({ kind: 'window', lo, hi, rows: Array.from(rows) });
        return this.forward(ids, rows);
      },
    };
  }
}

/** Random logits of any width, for timing the sampler alone (152,064 = DiffuCoder's vocabulary). */
export class RandomLogitsModel implements ForwardModel {
  private buf = new Float32Array(0);
  constructor(
    readonly vocabSize: number,
    private seed = 1,
  ) {}
  async forward(_ids: Int32Array, rows: Int32Array): Promise<Float32Array> {
    const need = rows.length * this.vocabSize;
    if (this.buf.length < need) this.buf = new Float32Array(need);
    const out = this.buf.subarray(0, need);
    let x = this.seed >>> 0;
    for (let i = 0; i < need; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      out[i] = (x / 4294967296) * 8;
    }
    this.seed = x;
    return out;
  }
}

/** Char-level tokenizer: ids 0..9 are specials (0 eos, 1 mask, 2 bos, 3 expand), then id = UTF-16 unit + 10. */
export class CharTokenizer implements EngineTokenizer {
  readonly size: number;
  private enc = new TextEncoder();
  constructor(size = 128 + 10) {
    this.size = size;
  }
  encode(text: string): number[] {
    return Array.from({ length: text.length }, (_, i) => Math.min(text.charCodeAt(i) + 10, this.size - 1));
  }
  bytesOf(id: number): Uint8Array {
    return id < 10 ? new Uint8Array(0) : this.enc.encode(String.fromCharCode(id - 10));
  }
  /** Helper for scripts: the id of a character. */
  static id(ch: string): number {
    return ch.charCodeAt(0) + 10;
  }
}
