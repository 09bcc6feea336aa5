// Sequential little-endian reads through a GGUF header, a window of the file at a time (the tokenizer metadata of a
// 7B model is tens of MB; the weights after it are never touched here). Every read is checked against the file's
// end before anything is allocated, so a hostile length or count is an error, never a huge allocation.

import { readSync } from 'node:fs';

const WINDOW = 4 << 20;

export class CursorError extends Error {}

export class ByteCursor {
  pos = 0;
  private buf = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private bufStart = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly fd: number, readonly size: number) {}

  remaining(): number {
    return this.size - this.pos;
  }

  /** Makes [pos, pos + n) readable from the window; throws when it runs past the end of the file. */
  private need(n: number, what: string): number {
    if (n > this.remaining()) throw new CursorError(`${what} at byte ${this.pos} runs past the end of the file (${this.size} bytes)`);
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.buf.length) {
      const len = Math.min(Math.max(n, WINDOW), this.size - this.pos);
      this.buf = new Uint8Array(len);
      let got = 0;
      while (got < len) {
        const r = readSync(this.fd, this.buf, got, len - got, this.pos + got);
        if (r === 0) throw new CursorError(`the file ended at byte ${this.pos + got} while reading ${what}`);
        got += r;
      }
      this.view = new DataView(this.buf.buffer);
      this.bufStart = this.pos;
    }
    const at = this.pos - this.bufStart;
    this.pos += n;
    return at;
  }

  // need() may move the window: the view is read after it, never before.
  u8(what = 'a byte'): number { const at = this.need(1, what); return this.view.getUint8(at); }
  i8(what = 'an int8'): number { const at = this.need(1, what); return this.view.getInt8(at); }
  u16(what = 'a uint16'): number { const at = this.need(2, what); return this.view.getUint16(at, true); }
  i16(what = 'an int16'): number { const at = this.need(2, what); return this.view.getInt16(at, true); }
  u32(what = 'a uint32'): number { const at = this.need(4, what); return this.view.getUint32(at, true); }
  i32(what = 'an int32'): number { const at = this.need(4, what); return this.view.getInt32(at, true); }
  f32(what = 'a float32'): number { const at = this.need(4, what); return this.view.getFloat32(at, true); }
  f64(what = 'a float64'): number { const at = this.need(8, what); return this.view.getFloat64(at, true); }
  u64(what = 'a uint64'): bigint { const at = this.need(8, what); return this.view.getBigUint64(at, true); }
  i64(what = 'an int64'): bigint { const at = this.need(8, what); return this.view.getBigInt64(at, true); }

  /** A GGUF string: a uint64 byte length, then UTF-8 bytes. */
  string(what = 'a string'): string {
    const start = this.pos;
    const len = this.u64(`the length of ${what}`);
    if (len > BigInt(this.remaining())) {
      throw new CursorError(`${what} at byte ${start} claims ${len} bytes, past the end of the file (${this.size} bytes)`);
    }
    const n = Number(len);
    const at = this.need(n, what);
    try {
      return this.decoder.decode(this.buf.subarray(at, at + n));
    } catch {
      throw new CursorError(`${what} at byte ${start} is not valid UTF-8`);
    }
  }
}
