// Draws media/icon.png (128x128 RGBA) without any image library: a dark rounded tile holding a 6x6 grid of
// "tokens", some still masked (grey outlines) and some already denoised (teal to violet), the picture of one
// diffusion step. Run: node media/make-icon.mjs
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SIZE = 128;
const px = new Uint8Array(SIZE * SIZE * 4);

function set(x, y, [r, g, b, a]) {
  const i = (y * SIZE + x) * 4;
  px[i] = r; px[i + 1] = g; px[i + 2] = b; px[i + 3] = a;
}

function insideRounded(x, y, x0, y0, w, h, rad) {
  const cx = Math.min(Math.max(x, x0 + rad), x0 + w - 1 - rad);
  const cy = Math.min(Math.max(y, y0 + rad), y0 + h - 1 - rad);
  return (x - cx) ** 2 + (y - cy) ** 2 <= rad * rad;
}

for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    if (insideRounded(x, y, 0, 0, SIZE, SIZE, 22)) set(x, y, [24, 26, 38, 255]);
  }
}

// Which cells are already committed: a fixed pattern that reads left-to-right-ish but not strictly, as diffusion does.
const committed = [
  '111110',
  '110101',
  '101100',
  '011010',
  '100100',
  '010001',
];
const cell = 14, gap = 4, origin = 13;
for (let r = 0; r < 6; r++) {
  for (let c = 0; c < 6; c++) {
    const x0 = origin + c * (cell + gap), y0 = origin + r * (cell + gap);
    const filled = committed[r][c] === '1';
    const t = (r + c) / 10; // colour runs from teal (top left) to violet (bottom right)
    const colour = [Math.round(40 + 120 * t), Math.round(200 - 110 * t), Math.round(190 + 50 * t), 255];
    for (let y = y0; y < y0 + cell; y++) {
      for (let x = x0; x < x0 + cell; x++) {
        if (!insideRounded(x, y, x0, y0, cell, cell, 3)) continue;
        const edge = !insideRounded(x, y, x0 + 2, y0 + 2, cell - 4, cell - 4, 2);
        if (filled) set(x, y, colour);
        else if (edge) set(x, y, [110, 114, 130, 255]);
      }
    }
  }
}

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (const byte of buf) {
    c = (crc ^ byte) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0); ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) {
  raw[y * (SIZE * 4 + 1)] = 0; // filter: none
  Buffer.from(px.buffer, y * SIZE * 4, SIZE * 4).copy(raw, y * (SIZE * 4 + 1) + 1);
}
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(fileURLToPath(new URL('./icon.png', import.meta.url)), png);
console.log(`media/icon.png ${png.length} bytes`);
