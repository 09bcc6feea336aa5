// Runs both phases of the editor tests against a VS Code server that run.sh started:
//   node --import tsx test/editor/driver.ts <base-url> <suite-folder> <ui-folder> <extension-path> <out-dir> [<suite-module>]
// <suite-module> defaults to <extension-path>/dist/test/editor-suite.js; pass it when the extension under test
// is an unpacked VSIX (which does not carry the tests).
// Exit code 0 only when the extension-host suite and the UI flow both passed.
import { runSuite } from './run-suite';
import { runUiFlow } from './ui-flow';
import { join } from 'node:path';

async function main(): Promise<number> {
  const [base, suiteFolder, uiFolder, extensionPath, outDir, suiteModule] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: driver.ts <base-url> <suite-folder> <ui-folder> <extension-path> <out-dir>');
  const only = process.env.DIFFUCODE_EDITOR_PHASE; // 'suite' | 'ui' to run one phase while developing
  let failed = 0;
  if (only !== 'ui') {
    const t0 = Date.now();
    const code = await runSuite(base, suiteFolder, extensionPath, suiteModule ?? join(extensionPath, 'dist/test/editor-suite.js'), 480_000);
    console.log(`== extension-host suite: exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (code !== 0) failed++;
  }
  if (only !== 'suite') {
    const t0 = Date.now();
    try {
      await runUiFlow(base, uiFolder, extensionPath, outDir);
      console.log(`== UI flow passed after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      console.log(`== UI flow FAILED after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${err instanceof Error ? err.stack : err}`);
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
