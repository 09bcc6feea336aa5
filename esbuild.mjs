// Bundles every entry point of the product into dist/. onnxruntime-node stays external (native binaries);
// @huggingface/tokenizers is pure JS and is bundled in. `vscode` only exists inside the extension host.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

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
