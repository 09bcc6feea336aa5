// Bundles every entry point of the product into dist/. onnxruntime-node stays external (native binaries);
// @huggingface/tokenizers is pure JS and is bundled in. `vscode` only exists inside the extension host.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const entries = [
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/worker/main.ts', out: 'worker' },
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'src/models/convert/childMain.ts', out: 'convert' },
  { in: 'bench/main.ts', out: 'bench' },
  { in: 'test/editor/suite/index.ts', out: 'test/editor-suite' },
].filter((e) => existsSync(e.in));

const watch = process.argv.includes('--watch');
await Promise.all(
  entries.map((e) =>
    build({
      entryPoints: { [e.out]: e.in },
      outdir: 'dist',
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      external: ['vscode', 'onnxruntime-node'],
      banner: e.banner ? { js: e.banner } : undefined,
      logLevel: watch ? 'info' : 'warning',
    }),
  ),
);

// The parse check's tree-sitter runtime and grammars (src/syntax/) load from dist/tree-sitter/, beside the bundle:
// only the grammars the check uses (src/syntax/grammars.ts), and the licence they come under.
// The list comes from that one table, compiled here on the fly.
const table = await build({ entryPoints: ['src/syntax/grammars.ts'], bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'warning' });
const { GRAMMAR_FILES } = await import(`data:text/javascript;base64,${Buffer.from(table.outputFiles[0].text).toString('base64')}`);
const wasmFrom = 'node_modules/@vscode/tree-sitter-wasm';
mkdirSync('dist/tree-sitter', { recursive: true });
for (const f of GRAMMAR_FILES) copyFileSync(join(wasmFrom, 'wasm', f), join('dist/tree-sitter', f));
copyFileSync(join(wasmFrom, 'LICENSE'), 'dist/tree-sitter/LICENSE');
