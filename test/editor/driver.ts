// Runs both phases of the editor tests against a VS Code server that run.sh started:
//   node --import tsx test/editor/driver.ts <base-url> <suite-folder> <ui-folder> <extension-path> <out-dir> [<suite-module>]
// <suite-module> defaults to <extension-path>/dist/test/editor-suite.js; pass it when the extension under test
// is an unpacked VSIX (which does not carry the tests).
// Exit code 0 only when the extension-host suite, the UI flow and the "Get a model…" flow all passed. The last one
// needs the Hub stand-in run.sh starts (DIFFUCODE_EDITOR_HUB_REPO, DIFFUCODE_MODELS, DIFFUCODE_EDITOR_USER_DIR).
import { runGetModelFlow } from './get-model-flow';
import { runSuite } from './run-suite';
import { runUiFlow } from './ui-flow';
import assert from 'node:assert/strict';
import { join } from 'node:path';

async function main(): Promise<number> {
  const [base, suiteFolder, uiFolder, extensionPath, outDir, suiteModule] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: driver.ts <base-url> <suite-folder> <ui-folder> <extension-path> <out-dir>');
  const only = process.env.DIFFUCODE_EDITOR_PHASE; // 'suite' | 'ui' | 'getmodel' to run one phase while developing
  const runs = (phase: string) => !only || only === phase;
  let failed = 0;
  if (runs('suite')) {
    const t0 = Date.now();
    const code = await runSuite(base, suiteFolder, extensionPath, suiteModule ?? join(extensionPath, 'dist/test/editor-suite.js'), 480_000);
    console.log(`== extension-host suite: exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (code !== 0) failed++;
  }
  if (runs('ui')) {
    const t0 = Date.now();
    try {
      await runUiFlow(base, uiFolder, extensionPath, outDir);
      console.log(`== UI flow passed after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      console.log(`== UI flow FAILED after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${err instanceof Error ? err.stack : err}`);
      failed++;
    }
  }
  // Last: it downloads a model and selects it, so the phases above still run on the bundled (or the test) model.
  if (runs('getmodel')) {
    const t0 = Date.now();
    try {
      const env = (k: string) => process.env[k] ?? assert.fail(`${k} is not set (run.sh sets it)`);
      await runGetModelFlow(base, uiFolder, extensionPath, outDir, {
        store: env('DIFFUCODE_MODELS'),
        userDir: env('DIFFUCODE_EDITOR_USER_DIR'),
        repo: env('DIFFUCODE_EDITOR_HUB_REPO'),
      });
      console.log(`== "Get a model…" flow passed after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      console.log(`== "Get a model…" flow FAILED after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${err instanceof Error ? err.stack : err}`);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
