// Phase 1 of the editor tests: the extension test suite (dist/test/editor-suite.js) runs inside the real
// extension host of the VS Code server; the exit code comes back through window.codeAutomationExit.
import { launchBrowser, openWorkbench } from './workbench';

export async function runSuite(base: string, folder: string, extensionPath: string, testsPath: string, timeoutMs: number): Promise<number> {
  const browser = await launchBrowser();
  const log = (line: string) => console.log(line);
  try {
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => (resolveExit = r));
    await openWorkbench(browser, { base, folder, extensionPath, testsPath, log }, (code) => resolveExit(code));
    log(`workbench open; waiting for the suite (up to ${Math.round(timeoutMs / 1000)} s)`);
    const timeout = new Promise<number>((r) => setTimeout(() => {
      log('editor suite timed out');
      r(124);
    }, timeoutMs).unref());
    return await Promise.race([exited, timeout]);
  } finally {
    await browser.close();
  }
}
