// The same extension-host suite under desktop VS Code, through @vscode/test-electron (`npm run test:electron`).
// It needs to download VS Code from update.code.visualstudio.com, so it is NOT part of `npm test` (this
// project's machines are offline; there the suite runs in the VS Code server instead, test/editor/run.sh).
// Needs `node esbuild.mjs` first. VSCODE_VERSION picks the version (default: the engines minimum).
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<number> {
  const root = resolve(__dirname, '../..');
  const run = mkdtempSync(join(tmpdir(), 'diffucode-electron-'));
  const workspace = join(run, 'ws');
  cpSync(join(root, 'test/editor/fixtures/suite'), workspace, { recursive: true });
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? '1.100.3',
      extensionDevelopmentPath: root,
      extensionTestsPath: join(root, 'dist/test/editor-suite.js'),
      launchArgs: [workspace, '--disable-extensions', `--user-data-dir=${join(run, 'user')}`, '--disable-workspace-trust'],
    });
    return 0;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|getaddrinfo|download/i.test(text)) {
      console.error(`test:electron: could not download VS Code (${text}). This path needs internet access; offline, run "bash test/editor/run.sh" (VS Code server) instead.`);
    } else console.error(`test:electron: the suite failed: ${text}`);
    return 1;
  }
}

main().then((code) => process.exit(code));
