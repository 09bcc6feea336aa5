// `npm run package` end to end: one VSIX per target, each opened and checked by what its files are (the binding's
// ELF / Mach-O / PE header and CPU, TargetPlatform in the manifest, nothing of another target, no runtime sources,
// every library the binaries load inside), the README's relative links inside, and the host's own VSIX unpacked
// and run: its CLI fills a file with the bundled model through the packaged ONNX Runtime, parse check included.
// Packaging all five takes about a minute here (zip deflate of ~45-90 MB each).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkVsix } from '../../scripts/vsix/check';
import { identifyNative } from '../../scripts/vsix/nativeFile';
import { nativeFilesOf, packageTarget, type Packaged } from '../../scripts/vsix/package';
import { TARGETS } from '../../scripts/vsix/targets';
import { readZip } from '../../scripts/vsix/zip';
import { GRAMMAR_FILES } from '../../src/syntax/grammars';

const out = mkdtempSync(join(tmpdir(), 'diffucode-vsix-test-'));
const packaged = new Map<string, Packaged>();
const zipOf = (target: string) => readFileSync(packaged.get(target)!.path);

before(() => {
  for (const t of TARGETS) packaged.set(t.target, packageTarget(t, out));
  const total = [...packaged.values()].reduce((s, p) => s + p.seconds, 0);
  console.log(`packaged ${TARGETS.length} targets in ${total.toFixed(1)} s: ${[...packaged.values()].map((p) => `${p.target} ${(p.bytes / 2 ** 20).toFixed(1)} MiB (${(p.unpackedBytes / 2 ** 20).toFixed(1)} MiB unpacked, ${p.files} files)`).join(', ')}`);
});
after(() => rmSync(out, { recursive: true, force: true }));

const EXPECTED: Record<string, { format: string; arch: string; header: (b: Buffer) => boolean }> = {
  // ELF e_machine at 18: 0x3e x86-64, 0xb7 aarch64; Mach-O 64 cputype at 4: 0x0100000c arm64; PE COFF machine.
  'linux-x64': { format: 'elf', arch: 'x64', header: (b) => b.readUInt32BE(0) === 0x7f454c46 && b.readUInt16LE(18) === 0x3e },
  'linux-arm64': { format: 'elf', arch: 'arm64', header: (b) => b.readUInt32BE(0) === 0x7f454c46 && b.readUInt16LE(18) === 0xb7 },
  'darwin-arm64': { format: 'macho', arch: 'arm64', header: (b) => b.readUInt32LE(0) === 0xfeedfacf && b.readUInt32LE(4) === 0x0100000c },
  'win32-x64': { format: 'pe', arch: 'x64', header: (b) => b.readUInt16LE(b.readUInt32LE(0x3c) + 4) === 0x8664 },
  'win32-arm64': { format: 'pe', arch: 'arm64', header: (b) => b.readUInt16LE(b.readUInt32LE(0x3c) + 4) === 0xaa64 },
};

describe('one VSIX per target', () => {
  for (const t of TARGETS) {
    test(`${t.target}: its own binding, TargetPlatform, nothing of another target, no sources`, () => {
      const zip = zipOf(t.target);
      const report = checkVsix(zip, t, nativeFilesOf);
      assert.deepEqual(report.problems, []);
      assert.equal(report.targetPlatform, t.target);
      const entries = new Map(readZip(zip).map((e) => [e.name, e]));
      const binding = entries.get(`extension/node_modules/onnxruntime-node/bin/napi-v6/${t.os}/${t.arch}/onnxruntime_binding.node`);
      assert.ok(binding, 'the binding is inside');
      const want = EXPECTED[t.target];
      assert.ok(want.header(binding.read()), `the binding's header is ${want.format} ${want.arch}`);
      assert.ok(report.native.length >= 2, 'the binding and the ONNX Runtime library');
      for (const n of report.native) assert.deepEqual([n.file.format, n.file.arches], [want.format, [want.arch]], n.path);
      const names = [...entries.keys()];
      assert.deepEqual(names.filter((n) => /\/bin\/napi-v\d+\//.test(n) && !n.includes(`/${t.os}/${t.arch}/`)), []);
      assert.deepEqual(names.filter((n) => /node_modules\/.*\.(ts|map)$/.test(n)), []);
      for (const f of ['extension/dist/extension.js', 'extension/dist/worker.js', 'extension/dist/cli.js', 'extension/models/diffucode-tiny/model.onnx', 'extension/models/diffucode-tiny/manifest.json'])
        assert.ok(entries.has(f), f);
      // The parse check loads its runtime and grammars from beside the bundle (src/syntax/treeSitter.ts).
      for (const f of GRAMMAR_FILES) assert.ok(entries.has(`extension/dist/tree-sitter/${f}`), f);
    });
  }

  test('the check fails a VSIX for a target it was not built for (it is not a rubber stamp)', () => {
    const arm = TARGETS.find((t) => t.target === 'linux-arm64')!;
    const problems = checkVsix(zipOf('linux-x64'), arm, nativeFilesOf).problems;
    assert.ok(problems.some((p) => p.includes('TargetPlatform is linux-x64, expected linux-arm64')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('libonnxruntime.so.1: elf x64, but linux-arm64 needs elf arm64')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('no ONNX Runtime binding for linux-arm64')), problems.join('\n'));
  });

  test('darwin-arm64 carries the one dylib the binding loads, not its 44 MB duplicate', () => {
    const names = readZip(zipOf('darwin-arm64')).map((e) => e.name);
    const dir = 'extension/node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/';
    assert.deepEqual(names.filter((n) => n.startsWith(dir)).sort(), [`${dir}libonnxruntime.1.dylib`, `${dir}onnxruntime_binding.node`]);
    const binding = identifyNative(readZip(zipOf('darwin-arm64')).find((e) => e.name === `${dir}onnxruntime_binding.node`)!.read())!;
    assert.ok(binding.needs.includes('@rpath/libonnxruntime.1.dylib'), binding.needs.join(', '));
  });

  test("the README's relative images and links resolve inside every VSIX", () => {
    for (const t of TARGETS) {
      const entries = new Map(readZip(zipOf(t.target)).map((e) => [e.name, e]));
      const readme = entries.get('extension/readme.md')!.read().toString('utf8');
      const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
      assert.ok(links.some((l) => l.endsWith('.png')), 'the README shows screenshots');
      for (const l of links) assert.ok(entries.has(`extension/${l}`), `${t.target}: README links ${l}, which is not in the VSIX`);
    }
  });

  const host = TARGETS.find((t) => t.os === process.platform && t.arch === process.arch);
  test(`the host's VSIX (${host?.target ?? `none for ${process.platform}-${process.arch}`}) unpacked runs: its CLI fills files with the bundled model, parse check on and off`, () => {
    assert.ok(host, `this test runs on a machine of one of the targets (${TARGETS.map((t) => t.target).join(', ')})`);
    const dir = mkdtempSync(join(tmpdir(), 'diffucode-vsix-run-'));
    try {
      for (const e of readZip(zipOf(host.target))) {
        mkdirSync(dirname(join(dir, e.name)), { recursive: true });
        writeFileSync(join(dir, e.name), e.read());
      }
      const cli = (file: string, text: string, ...extra: string[]) => {
        writeFileSync(join(dir, file), text);
        return spawnSync(process.execPath, [join(dir, 'extension', 'dist', 'cli.js'), 'fill', join(dir, file), '--algorithm', 'threshold', '--temperature', '0', ...extra], { encoding: 'utf8', timeout: 120_000 });
      };
      // The packaged ONNX Runtime and model (the parse check off: this small model's code is not always valid).
      const code = cli('gap.py', 'def add(a, b):\n    return <|mask:4|>\n', '--parse-check', 'off');
      assert.equal(code.status, 0, code.stderr);
      assert.ok(code.stdout.startsWith('def add(a, b):\n    return ') && !code.stdout.includes('<|mask'), code.stdout);
      // The parse check's tree-sitter runtime and grammars (dist/tree-sitter/): without them the fill would go through
      // unchecked (saying so), so the check's own status is asserted.
      const comment = cli('note.py', '# The sum of a and b: <|mask:4|>\ndef add(a, b):\n    return a + b\n', '--stats');
      assert.equal(comment.status, 0, comment.stderr);
      assert.ok(comment.stdout.startsWith('# The sum of a and b: ') && comment.stdout.endsWith('    return a + b\n'), comment.stdout);
      assert.doesNotMatch(comment.stderr, /parse check was skipped/);
      assert.ok(['clean', 'repaired'].includes(JSON.parse(comment.stderr.trim().split('\n').at(-1)!).parseCheck.status), comment.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
