// `npm run package`: one VSIX per target with vsce --target. .vscodeignore lists what every
// VSIX carries (platform-neutral); this script adds, per target, that target's own native files (NATIVE_PACKAGES in
// targets.ts) in a generated ignore file. vsce lets any `!include` line win over every exclusion, so a target's
// binaries can only be kept out by never including them. Each VSIX is then opened and checked (check.ts).
//   node --import tsx scripts/vsix/package.ts [--target linux-x64 ...] [--out DIR]

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkVsix } from './check';
import { findTarget, NATIVE_PACKAGES, TARGETS, type VsixTarget } from './targets';

const ROOT = resolve(__dirname, '..', '..');

/** The files of node_modules/<dir>, or none when that folder is not installed. */
export function nativeFilesOf(dir: string): string[] {
  const abs = join(ROOT, 'node_modules', dir);
  return existsSync(abs) ? readdirSync(abs).filter((f) => statSync(join(abs, f)).isFile()) : [];
}

/** The ignore file for one target: the shared .vscodeignore plus that target's native files, one line each. */
export function ignoreFileFor(t: VsixTarget): string {
  const lines = [readFileSync(join(ROOT, '.vscodeignore'), 'utf8').trimEnd(), '', `# ${t.target}: its own native files (scripts/vsix/package.ts)`];
  for (const pkg of NATIVE_PACKAGES) {
    const dir = pkg.dir(t);
    const files = nativeFilesOf(dir).filter((f) => !pkg.omit.some((re) => re.test(f)));
    if (files.length === 0) throw new Error(`node_modules/${dir} is empty or missing: run npm ci on a machine that installs every platform's binaries`);
    for (const f of files) lines.push(`!node_modules/${dir}/${f}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface Packaged {
  target: string;
  path: string;
  bytes: number;
  unpackedBytes: number;
  files: number;
  seconds: number;
}

export function vsixName(t: VsixTarget): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return `${pkg.name}-${t.target}-${pkg.version}.vsix`;
}

/** One VSIX for `t` in `outDir`. Throws with every problem the check finds. */
export function packageTarget(t: VsixTarget, outDir: string): Packaged {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'diffucode-vsix-'));
  try {
    const ignore = join(work, `${t.target}.vscodeignore`);
    writeFileSync(ignore, ignoreFileFor(t));
    const out = join(outDir, vsixName(t));
    const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    // --no-rewrite-relative-links: the README's images and docs links stay relative, shown from the installed files.
    execFileSync(process.execPath, [vsce, 'package', '--target', t.target, '--no-rewrite-relative-links', '--ignoreFile', ignore, '--out', out], {
      cwd: ROOT,
      // vsce runs vscode:prepublish (node esbuild.mjs, under a second) before each package.
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const zip = readFileSync(out);
    const report = checkVsix(zip, t, nativeFilesOf);
    if (report.problems.length) throw new Error(`${out}:\n  ${report.problems.join('\n  ')}`);
    return { target: t.target, path: out, bytes: zip.length, unpackedBytes: report.unpackedBytes, files: report.files, seconds: (Date.now() - started) / 1000 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main(argv: string[]): void {
  const targets: VsixTarget[] = [];
  let outDir = ROOT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--target') targets.push(findTarget(argv[++i]));
    else if (argv[i] === '--out') outDir = resolve(argv[++i]);
    else throw new Error(`unknown option ${argv[i]} (--target T, --out DIR)`);
  }
  mkdirSync(outDir, { recursive: true });
  for (const t of targets.length ? targets : TARGETS) {
    const p = packageTarget(t, outDir);
    console.log(`${p.target.padEnd(13)} ${(p.bytes / 2 ** 20).toFixed(1).padStart(6)} MiB (${(p.unpackedBytes / 2 ** 20).toFixed(1)} MiB unpacked, ${p.files} files, ${p.seconds.toFixed(1)} s)  ${p.path}`);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`package: ${(e as Error).message}`);
    process.exit(1);
  }
}
