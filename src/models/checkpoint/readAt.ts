// Positioned reads of a file that is already open: exactly `length` bytes at `position`, or an error naming what
// was cut short (a file can shrink under us, and readSync may return fewer bytes than asked for).

import { readSync } from 'node:fs';
import { InputError } from './inputError';

export function readAt(fd: number, position: number, length: number, what: string): Uint8Array {
  // Not zero-filled: every byte is overwritten or the read fails. allocUnsafeSlow never hands out a pooled (unaligned)
  // slice, so 16-bit views of it stay aligned.
  const buf = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
  let got = 0;
  while (got < length) {
    // At most 1 GiB a call: readSync refuses single reads above 2 GiB.
    const n = readSync(fd, buf, got, Math.min(length - got, 1 << 30), position + got);
    if (n === 0) break;
    got += n;
  }
  if (got !== length) throw new InputError(`${what} is cut short (${got} of ${length} bytes read)`);
  return buf;
}
