// A minimal protocol-buffers writer: just the wire types an ONNX ModelProto needs (varint, fixed32, bytes). The
// graph of a converted model holds no weights (they stream into model.onnx.data), so the whole message is a few MB
// at most and is built in memory as nested byte arrays.

const enc = new TextEncoder();

export class ProtoWriter {
  private parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    this.push(Uint8Array.from(out));
  }

  private smallVarint(v: number): void {
    // Non-negative safe integers (the common case) without BigInt.
    const out: number[] = [];
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.smallVarint(field * 8 + wire);
  }

  /** int32 / int64 / enum field (negative values take ten bytes, as protobuf encodes them). */
  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) this.smallVarint(v);
    else this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.smallVarint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, enc.encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
