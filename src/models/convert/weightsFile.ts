// The one external weights file of a converted model (model.onnx.data): tensors are appended as they are
// produced, page-aligned (ONNX Runtime memory-maps them), and the graph only holds each one's offset and length.
// Nothing is kept after it is written, so the converter's memory is one weight chunk whatever the model's size.

import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConvertError } from './errors';
import { BYTES_PER, type TensorSpec } from './onnxProto';

export const ALIGN = 4096;
const ZEROS = new Uint8Array(ALIGN);

export class WeightsFile {
  readonly path: string;
  bytes = 0;
  private fd: number;

  constructor(folder: string, readonly name = 'model.onnx.data') {
    this.path = join(folder, name);
    this.fd = openSync(this.path, 'w');
  }

  /** Appends the concatenation of `chunks` as tensor `name` of shape `dims`; returns its external TensorSpec. */
  add(name: string, dims: number[], dataType: number, chunks: Iterable<ArrayBufferView>): TensorSpec {
    const pad = -this.bytes & (ALIGN - 1);
    if (pad) this.write(ZEROS.subarray(0, pad));
    const offset = this.bytes;
    const want = dims.reduce((a, b) => a * b, 1) * BYTES_PER[dataType];
    for (const c of chunks) this.write(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
    const length = this.bytes - offset;
    if (length !== want) throw new Error(`internal error: ${name} wrote ${length} bytes for shape [${dims}] (${want} expected)`);
    return { name, dims, dataType, external: { location: this.name, offset, length } };
  }

  private write(b: Uint8Array): void {
    let at = 0;
    try {
      while (at < b.length) at += writeSync(this.fd, b, at, b.length - at);
    } catch (e) {
      throw diskError(e, this.path, this.bytes + at);
    }
    this.bytes += b.length;
  }

  /** Flushes to disk (sync) and closes; `sync: false` only closes (a failed conversion about to be removed). */
  close(sync = true): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      if (sync) fsyncSync(fd);
    } catch (e) {
      throw diskError(e, this.path, this.bytes);
    } finally {
      closeSync(fd);
    }
  }
}

export function diskError(e: unknown, path: string, written: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ConvertError(`the disk is full while writing ${path} (${(written / 1e9).toFixed(2)} GB written); free space or choose another output folder`);
  }
  return e;
}
