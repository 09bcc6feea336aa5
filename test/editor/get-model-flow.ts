// Phase 3 of the editor tests: "DiffuCode: Get a model…" through the real UI, against the local Hub stand-in that
// run.sh started (test/editor/hubServer.ts: a tiny random CoDA checkpoint under the catalog's CoDA repo, whose
// non-commercial licence must be accepted). Command palette -> the catalog quick pick -> the precision pick -> the
// licence modal -> the progress notification -> the model card. Then, on disk: the model folder is in the models
// store (no staging folder left), `diffucode.modelPath` points at it; and a fill from the command palette runs on
// it (the extension's log says the worker loaded that folder), and "Select model…" lists it from the store. Runs
// after the UI flow: it changes the model. Last, the token flow: a gated repo's refusal offers "Set Hugging Face
// token…", and the download goes through with the token from secret storage.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { GATED_REPO, HUB_TOKEN } from './hubServer';
import { launchBrowser, openWorkbench } from './workbench';

const LONG = 180_000;

export interface GetModelPaths {
  /** DIFFUCODE_MODELS of the server. */
  store: string;
  /** The server's user-data-dir (settings, logs). */
  userDir: string;
  /** The repo the stand-in serves (a catalog row's). */
  repo: string;
}

async function palette(page: Page, command: string, row: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: LONG });
  await page.keyboard.type(command);
  await page.waitForSelector(`.quick-input-list .monaco-list-row >> text=${row}`, { timeout: LONG });
  await page.keyboard.press('Enter');
}

/** Types a filter into the open quick pick (its list only renders the rows in view), waits until `row` is the
 *  focused entry, then picks it. */
async function pick(page: Page, filter: string, row: string): Promise<string> {
  await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: LONG });
  await page.keyboard.type(filter);
  const focused = page.locator('.quick-input-list .monaco-list-row.focused');
  await focused.filter({ hasText: row }).waitFor({ timeout: LONG });
  const text = (await focused.innerText()).replace(/\s+/g, ' ');
  await page.keyboard.press('Enter');
  return text;
}

/** Every file under `dir` (the server's logs). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function settingsValue(userDir: string, key: string): { file: string; value: unknown } | undefined {
  for (const f of [join(userDir, 'Machine', 'settings.json'), join(userDir, 'User', 'settings.json')]) {
    if (!existsSync(f)) continue;
    const v = (JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>)[key];
    if (v !== undefined) return { file: f, value: v };
  }
  return undefined;
}

export async function runGetModelFlow(base: string, folder: string, extensionPath: string, outDir: string, paths: GetModelPaths): Promise<void> {
  const browser = await launchBrowser();
  const log = (line: string) => console.log(line);
  try {
    await flow(browser, base, folder, extensionPath, outDir, paths, log);
  } catch (e) {
    // The extension's own log says where it stopped (the run folder is removed after the run).
    for (const f of filesUnder(join(paths.userDir, 'logs')).filter((x) => x.endsWith('DiffuCode.log')))
      log(`[get-model] ${f}:\n${readFileSync(f, 'utf8').split('\n').slice(-40).join('\n')}`);
    throw e;
  } finally {
    await browser.close();
  }
}

async function flow(browser: Browser, base: string, folder: string, extensionPath: string, outDir: string, paths: GetModelPaths, log: (line: string) => void): Promise<void> {
  const page = await openWorkbench(browser, { base, folder, extensionPath, log });
  await page.waitForSelector('.statusbar-item >> text=DiffuCode', { timeout: LONG });
  const t0 = Date.now();

  await palette(page, 'DiffuCode: Get a model', 'Get a model…');
  // The catalog: every row with its sizes, RAM, speed verdict and licence.
  await page.waitForSelector('.quick-input-list .monaco-list-row >> text=DiffuCoder-7B', { timeout: LONG });
  const rows = await page.locator('.quick-input-list .monaco-list-row').count();
  assert.ok(rows >= 5, `the catalog quick pick shows ${rows} rows`);
  await page.screenshot({ path: join(outDir, 'get-model-catalog.png') });
  const chosen = await pick(page, 'CoDA', 'CoDA-v0-1.7B Instruct');
  log(`[get-model] catalog row: ${chosen}`);
  assert.match(chosen, /licence cc-by-nc-4\.0 \(to accept\)/);
  assert.match(chosen, /[\d.]+ GB download · [\d.]+ GB folder \(int4\) · [\d.]+ GB RAM · ~[\d.]+ s a fill/);

  // The precision: int4 first (the default).
  const dtype = await pick(page, 'int4', 'int4');
  log(`[get-model] precision: ${dtype}`);
  assert.match(dtype, /folder [\d.]+ GB · RAM [\d.]+ GB/);

  // The licence must be accepted in a modal before anything is downloaded.
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: LONG });
  const dialogText = (await dialog.innerText()).replace(/\s+/g, ' ');
  log(`[get-model] licence dialog: ${dialogText}`);
  assert.match(dialogText, /Creative Commons Attribution-NonCommercial/);
  assert.match(dialogText, /https:\/\/huggingface\.co\/Salesforce\/CoDA-v0-Instruct/);
  assert.equal(filesUnder(paths.store).length, 0, 'nothing was written before the licence was accepted');
  await page.screenshot({ path: join(outDir, 'get-model-licence.png') });
  await dialog.locator('.monaco-button', { hasText: 'Accept and download' }).click();

  // One progress notification for download and conversion.
  const toast = page.locator('.notification-toast', { hasText: `getting ${paths.repo}` });
  await toast.first().waitFor({ timeout: 30_000 });
  const progressText = (await toast.first().innerText()).replace(/\s+/g, ' ');
  log(`[get-model] progress notification: ${progressText}`);
  await page.screenshot({ path: join(outDir, 'get-model-progress.png') });

  // The end: the model card in a preview tab.
  await page.waitForSelector('.tab >> text=MODEL_CARD.md', { timeout: LONG });
  log(`[get-model] model card shown ${((Date.now() - t0) / 1000).toFixed(1)} s after the command`);
  await page.waitForTimeout(1500); // the Markdown preview renders a moment after its tab opens
  await page.screenshot({ path: join(outDir, 'get-model-card.png') });

  const name = `${paths.repo.replace('/', '--')}-int4`;
  const modelDir = join(paths.store, name);
  assert.deepEqual(readdirSync(paths.store), [name], 'the store holds the model and no staging folder');
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.family, 'coda');
  assert.equal(manifest.weights.dtype, 'int4');
  assert.equal(manifest.license, 'cc-by-nc-4.0');
  const setting = settingsValue(paths.userDir, 'diffucode.modelPath');
  log(`[get-model] diffucode.modelPath = ${JSON.stringify(setting?.value)} (${setting?.file})`);
  assert.equal(setting?.value, modelDir, 'the new model is selected');

  // A fill with it, from the command palette. A plain-text file: random weights write noise, which the parse check
  // (on for languages with a grammar) would rightly refuse; what is tested here is that the new model serves it.
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: LONG });
  await page.keyboard.type('get-model.txt');
  await page.waitForSelector('.quick-input-list .monaco-list-row >> text=get-model.txt', { timeout: LONG });
  await page.keyboard.press('Enter');
  await page.waitForSelector('.tab.active >> text=get-model.txt', { timeout: LONG });
  await page.click('.editor-instance .view-lines');
  await palette(page, 'DiffuCode: Fill masked region', 'Fill masked region');
  await page.waitForFunction("!(document.querySelector('.editor-instance .view-lines')?.textContent ?? '<|mask').includes('<|mask')", undefined, {
    timeout: LONG,
    polling: 250,
  });
  await page.keyboard.press('Control+S');
  await page.waitForSelector('.tab.active.dirty', { state: 'detached', timeout: LONG });
  const filled = readFileSync(join(folder, 'get-model.txt'), 'utf8');
  log(`[get-model] get-model.txt after the fill: ${JSON.stringify(filled)}`);
  assert.ok(!filled.includes('<|mask'), 'markers are still in the file');
  assert.ok(filled.startsWith('def add(a, b):\n    return '), 'the text around the hole changed');
  const logs = filesUnder(join(paths.userDir, 'logs')).filter((f) => f.endsWith('.log'));
  const loaded = logs.find((f) => readFileSync(f, 'utf8').includes(`ready from ${modelDir}`));
  assert.ok(loaded, `no extension log says the worker loaded ${modelDir} (${logs.length} log files)`);
  log(`[get-model] the worker loaded the new model (${loaded})`);

  // "Select model…" lists the store's model, in use, beside the way to get another.
  await palette(page, 'DiffuCode: Select model', 'Select model');
  const storeRow = page.locator('.quick-input-list .monaco-list-row', { hasText: name });
  await storeRow.waitFor({ timeout: LONG });
  const storeText = (await storeRow.innerText()).replace(/\s+/g, ' ');
  log(`[get-model] Select model lists: ${storeText}`);
  assert.match(storeText, /in use · coda · int4 · [\d.]+ [kM]B/);
  await page.waitForSelector('.quick-input-list .monaco-list-row >> text=Get a model…', { timeout: LONG });
  await page.screenshot({ path: join(outDir, 'select-model-store.png') });
  await page.keyboard.press('Escape');

  // The token flow: a gated repository outside the catalog. Its 401 is said in one line with "Set Hugging Face
  // token…"; the token goes to secret storage and the download is tried again on its own.
  await palette(page, 'DiffuCode: Get a model', 'Get a model…');
  await pick(page, 'Another', 'Another Hugging Face repository');
  await page.waitForSelector('.quick-input-widget .quick-input-message >> text=ORG/NAME', { timeout: LONG });
  await page.keyboard.type(GATED_REPO);
  await page.keyboard.press('Enter');
  await pick(page, 'int4', 'int4');
  const gated = page.locator('.notification-toast', { hasText: 'is gated' });
  await gated.waitFor({ timeout: LONG });
  const gatedText = (await gated.innerText()).replace(/\s+/g, ' ');
  log(`[get-model] gated repo: ${gatedText}`);
  assert.ok(!gatedText.includes('HF_TOKEN'), 'the editor does not send the user to an environment variable');
  await page.screenshot({ path: join(outDir, 'get-model-gated.png') });
  await gated.locator('.monaco-button', { hasText: 'Set Hugging Face token…' }).click();
  await page.waitForSelector('.quick-input-widget input[type="password"]', { state: 'visible', timeout: LONG });
  await page.keyboard.type(HUB_TOKEN);
  await page.keyboard.press('Enter');
  const gatedDir = join(paths.store, `${GATED_REPO.replace('/', '--')}-int4`);
  await until(() => settingsValue(paths.userDir, 'diffucode.modelPath')?.value === gatedDir, LONG, `diffucode.modelPath to become ${gatedDir}`);
  assert.ok(existsSync(join(gatedDir, 'manifest.json')));
  assert.deepEqual(readdirSync(paths.store).sort(), [name, `${GATED_REPO.replace('/', '--')}-int4`].sort(), 'two models, no staging folder');
  log(`[get-model] the gated model was downloaded with the token and selected`);
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
