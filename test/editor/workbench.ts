// Opens the VS Code web workbench of a running VS Code server in headless Chromium (playwright-core) and
// relays what the workbench prints, so both the headless suite run and the UI checks share one launcher.
import { chromium, type Browser, type Page } from 'playwright-core';

export interface WorkbenchOptions {
  base: string; // http://127.0.0.1:PORT
  folder: string; // absolute path of the workspace folder on the server
  extensionPath: string;
  testsPath?: string; // bundled suite module; omitted = open the workbench for UI checks only
  log: (line: string) => void;
}

const CHROMIUM = process.env.DIFFUCODE_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--disable-features=Translate'],
  });
}

/** The workbench URL: the folder plus the extension development/test paths as the `payload` parameter. */
export function workbenchUrl(o: WorkbenchOptions): string {
  const authority = new URL(o.base).host;
  const remote = (p: string) => `vscode-remote://${authority}${p}`;
  const payload: string[][] = [['extensionDevelopmentPath', remote(o.extensionPath)]];
  if (o.testsPath) payload.push(['extensionTestsPath', remote(o.testsPath)]);
  return `${o.base}/?folder=${encodeURIComponent(o.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export async function openWorkbench(browser: Browser, o: WorkbenchOptions, onExit?: (code: number) => void): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    const text = m.text();
    // The suite's own lines are prefixed; the workbench's console noise only matters when it is an error.
    if (text.includes('[diffucode-suite]') || m.type() === 'error') o.log(`[browser:${m.type()}] ${text}`);
  });
  page.on('pageerror', (e) => o.log(`[page error] ${e.message}`));
  // The workbench calls window.codeAutomationExit(code) once the extension tests' run() settles.
  if (onExit) await page.exposeFunction('codeAutomationExit', (code: number) => onExit(code));
  await page.goto(workbenchUrl(o));
  await page.waitForSelector('.monaco-workbench', { timeout: 180_000 });
  return page;
}
