// Opens a VSIX and says what is wrong with it for its target: the manifest's TargetPlatform, every native binary's
// format and CPU (read from its bytes, whatever its folder is called), another target's folders, the runtime's
// sources, the libraries each binary loads, and the modules the bundles in dist/ leave to node_modules.
// package.ts runs it on every VSIX it writes; test/package/vsix.test.ts runs it on every target.

import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import { identifyNative, type NativeFile } from './nativeFile';
import { TARGETS, type VsixTarget } from './targets';
import { readZip } from './zip';

export interface VsixReport {
  targetPlatform: string | undefined;
  files: number;
  /** Uncompressed bytes of all entries. */
  unpackedBytes: number;
  native: { path: string; file: NativeFile }[];
  problems: string[];
}

const ROOT = 'extension/';

export function checkVsix(zip: Buffer, t: VsixTarget, sourceNative: (dir: string) => string[] = () => []): VsixReport {
  const entries = readZip(zip);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const problems: string[] = [];
  const manifest = byName.get('extension.vsixmanifest')?.read().toString('utf8') ?? '';
  const targetPlatform = /<Identity\b[^>]*\bTargetPlatform="([^"]+)"/.exec(manifest)?.[1];
  if (targetPlatform !== t.target) problems.push(`extension.vsixmanifest: TargetPlatform is ${targetPlatform ?? 'missing'}, expected ${t.target}`);

  const native: VsixReport['native'] = [];
  for (const e of entries) {
    const file = identifyNative(e.read());
    if (!file) continue;
    native.push({ path: e.name, file });
    if (file.format !== t.format || file.arches.join() !== t.arch)
      problems.push(`${e.name}: ${file.format} ${file.arches.join('+')}, but ${t.target} needs ${t.format} ${t.arch}`);
  }
  const binding = `${ROOT}node_modules/onnxruntime-node/bin/napi-v6/${t.os}/${t.arch}/onnxruntime_binding.node`;
  if (!byName.has(binding)) problems.push(`no ONNX Runtime binding for ${t.target} (${binding})`);

  // Every library a binary loads from beside itself must be inside: @rpath/@loader_path names on macOS, and on
  // Linux and Windows the names that its package ships in the same folder (the rest are system libraries).
  const lower = new Set(entries.map((e) => e.name.toLowerCase()));
  for (const { path, file } of native) {
    const dir = posix.dirname(path);
    const shipped = new Set(sourceNative(dir.slice(ROOT.length + 'node_modules/'.length)).map((n) => n.toLowerCase()));
    for (const need of file.needs) {
      const local = /^@(rpath|loader_path)\//.test(need) || shipped.has(need.toLowerCase());
      const name = posix.basename(need);
      if (local && !lower.has(`${dir}/${name}`.toLowerCase())) problems.push(`${path} loads ${need}, which is not beside it in the VSIX`);
    }
  }

  for (const e of entries) {
    if (!e.name.startsWith(`${ROOT}node_modules/`)) continue;
    for (const other of TARGETS)
      if (other.target !== t.target && (e.name.includes(`/${other.os}/${other.arch}/`) || e.name.includes(`/${other.target}/`)))
        problems.push(`${e.name} belongs to ${other.target}`);
    if (/\.(ts|mts|cts|map)$/.test(e.name) || /\/(src|lib)\/.*\.(c|cc|cpp|h|hpp)$/.test(e.name)) problems.push(`${e.name}: sources do not belong in the VSIX`);
  }

  // What package.json starts: the extension's main and the CLI's bin.
  const pkg = JSON.parse(byName.get(`${ROOT}package.json`)?.read().toString('utf8') ?? '{}') as { main?: string; bin?: Record<string, string> };
  for (const start of [pkg.main, ...Object.values(pkg.bin ?? {})].filter((x): x is string => !!x)) {
    const f = posix.normalize(`${ROOT}${start}`);
    if (!byName.has(f) && !byName.has(`${f}.js`)) problems.push(`package.json starts ${start}, which is not in the VSIX`);
  }

  // The bundles leave some modules to node_modules (esbuild's externals), and those require their own: each must be
  // inside with its entry file.
  const builtin = new Set([...builtinModules, 'vscode']);
  for (const e of entries.filter((x) => /^extension\/(dist\/[^/]+|node_modules\/.+)\.c?js$/.test(x.name))) {
    const src = e.read().toString('utf8');
    for (const m of src.matchAll(/\brequire\(["']([^"'./][^"']*)["']\)/g)) {
      const spec = m[1].replace(/^node:/, '');
      const pkgName = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (builtin.has(pkgName) || builtin.has(spec)) continue;
      const pkgJson = byName.get(`${ROOT}node_modules/${pkgName}/package.json`);
      if (!pkgJson) {
        problems.push(`${e.name} requires "${spec}", which is not in the VSIX`);
        continue;
      }
      const main = (JSON.parse(pkgJson.read().toString('utf8')).main as string | undefined) ?? 'index.js';
      const entry = posix.normalize(`${ROOT}node_modules/${pkgName}/${main}`);
      if (spec === pkgName && !byName.has(entry) && !byName.has(`${entry}.js`) && !byName.has(`${entry}/index.js`))
        problems.push(`${e.name} requires "${spec}", whose entry ${main} is not in the VSIX`);
    }
  }
  return { targetPlatform, files: entries.length, unpackedBytes: entries.reduce((s, e) => s + e.size, 0), native, problems: [...new Set(problems)] };
}
