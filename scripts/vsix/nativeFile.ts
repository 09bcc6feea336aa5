// What a native file is, read from its own bytes: the format (ELF, Mach-O, PE) and the CPU from the header's machine
// field, and the shared libraries it loads (ELF DT_NEEDED, Mach-O LC_LOAD_DYLIB, PE import and delay-import tables).
// The package check uses it so that a VSIX is judged by what its binaries are, not by what their folders are called.

export type NativeFormat = 'elf' | 'macho' | 'pe';

export interface NativeFile {
  format: NativeFormat;
  /** Node's names: 'x64', 'arm64'; anything else as `machine 0x..`. */
  arches: string[];
  /** Shared libraries it loads, as written in the file (e.g. libonnxruntime.so.1, @rpath/libonnxruntime.1.dylib). */
  needs: string[];
}

const ELF_MACHINE: Record<number, string> = { 0x3e: 'x64', 0xb7: 'arm64', 0x03: 'ia32', 0x28: 'arm' };
const MACHO_CPU: Record<number, string> = { 0x01000007: 'x64', 0x0100000c: 'arm64', 0x07: 'ia32', 0x0c: 'arm' };
const PE_MACHINE: Record<number, string> = { 0x8664: 'x64', 0xaa64: 'arm64', 0x14c: 'ia32', 0x1c4: 'arm' };
const named = (table: Record<number, string>, v: number) => table[v] ?? `machine 0x${v.toString(16)}`;

/** undefined when the bytes are not a native binary (text, wasm, data). */
export function identifyNative(b: Buffer): NativeFile | undefined {
  if (b.length < 64) return undefined;
  if (b.readUInt32BE(0) === 0x7f454c46) return elf(b);
  if (b.readUInt32LE(0) === 0xfeedfacf) return macho(b, 0);
  if (b.readUInt32BE(0) === 0xcafebabe && b.readUInt32BE(4) < 20) return fat(b); // (Java classes share the magic; their next word is large)
  if (b.toString('latin1', 0, 2) === 'MZ') return pe(b);
  return undefined;
}

function cString(b: Buffer, at: number): string {
  const end = b.indexOf(0, at);
  return b.toString('utf8', at, end < 0 ? b.length : end);
}

function elf(b: Buffer): NativeFile {
  if (b[4] !== 2 || b[5] !== 1) throw new Error('only 64-bit little-endian ELF files are expected');
  const arch = named(ELF_MACHINE, b.readUInt16LE(18));
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const sh = (i: number) => {
    const o = shoff + i * shentsize;
    return { type: b.readUInt32LE(o + 4), offset: Number(b.readBigUInt64LE(o + 24)), size: Number(b.readBigUInt64LE(o + 32)), link: b.readUInt32LE(o + 40) };
  };
  const needs: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    if (s.type !== 6) continue; // SHT_DYNAMIC; its sh_link is the string table the names point into
    const strtab = sh(s.link).offset;
    for (let o = s.offset; o < s.offset + s.size; o += 16) {
      const tag = b.readBigInt64LE(o);
      if (tag === 0n) break;
      if (tag === 1n) needs.push(cString(b, strtab + Number(b.readBigUInt64LE(o + 8)))); // DT_NEEDED
    }
  }
  return { format: 'elf', arches: [arch], needs };
}

function macho(b: Buffer, base: number): NativeFile {
  const arch = named(MACHO_CPU, b.readUInt32LE(base + 4));
  const ncmds = b.readUInt32LE(base + 16);
  const needs: string[] = [];
  let o = base + 32;
  for (let i = 0; i < ncmds; i++) {
    const cmd = b.readUInt32LE(o);
    // LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, LC_LOAD_UPWARD_DYLIB: a dylib_command, name at lc_str
    if (cmd === 0xc || cmd === 0x80000018 || cmd === 0x8000001f || cmd === 0x80000023) needs.push(cString(b, o + b.readUInt32LE(o + 8)));
    o += b.readUInt32LE(o + 4);
  }
  return { format: 'macho', arches: [arch], needs };
}

function fat(b: Buffer): NativeFile {
  const n = b.readUInt32BE(4);
  const parts: NativeFile[] = [];
  for (let i = 0; i < n; i++) {
    const offset = b.readUInt32BE(8 + i * 20 + 8);
    if (b.readUInt32LE(offset) === 0xfeedfacf) parts.push(macho(b, offset));
    else parts.push({ format: 'macho', arches: [named(MACHO_CPU, b.readUInt32BE(8 + i * 20))], needs: [] });
  }
  return { format: 'macho', arches: parts.flatMap((p) => p.arches), needs: [...new Set(parts.flatMap((p) => p.needs))] };
}

function pe(b: Buffer): NativeFile | undefined {
  const h = b.readUInt32LE(0x3c);
  if (h + 24 > b.length || b.readUInt32BE(h) !== 0x50450000) return undefined; // 'PE\0\0'
  const arch = named(PE_MACHINE, b.readUInt16LE(h + 4));
  const nsec = b.readUInt16LE(h + 6);
  const opt = h + 24;
  const optSize = b.readUInt16LE(h + 20);
  const pe32plus = b.readUInt16LE(opt) === 0x20b;
  const dirs = opt + (pe32plus ? 112 : 96);
  const sections = Array.from({ length: nsec }, (_, i) => {
    const s = opt + optSize + i * 40;
    return { va: b.readUInt32LE(s + 12), vsize: Math.max(b.readUInt32LE(s + 8), b.readUInt32LE(s + 16)), raw: b.readUInt32LE(s + 20) };
  });
  const off = (rva: number) => {
    const s = sections.find((x) => rva >= x.va && rva < x.va + x.vsize);
    return s ? rva - s.va + s.raw : -1;
  };
  const needs: string[] = [];
  // Data directory 1: the import table (20-byte descriptors, name RVA at +12); 13: delay imports (32 bytes, name at +4).
  for (const [index, size, nameAt] of [[1, 20, 12], [13, 32, 4]] as const) {
    const start = off(b.readUInt32LE(dirs + index * 8));
    if (b.readUInt32LE(dirs + index * 8) === 0 || start < 0) continue;
    for (let d = start; ; d += size) {
      const nameRva = b.readUInt32LE(d + nameAt);
      if (nameRva === 0) break;
      needs.push(cString(b, off(nameRva)));
    }
  }
  return { format: 'pe', arches: [arch], needs };
}
