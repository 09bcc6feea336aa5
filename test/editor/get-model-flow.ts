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

/** Runs a command from the command palette, opened from the title bar's command center: a key press could land in
 *  the model card's preview (a webview), which keeps the keyboard focus after it opens. */
async function palette(page: Page, command: string, row: string): Promise<void> {
  await page.locator('.command-center-center').click();
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: LONG });
  await page.keyboard.type(`>${command}`);
  await page.waitForSelector(`.quick-input-list .monaco-list-row >> text=${row}`, { timeout: LONG });
  await page.keyboard.press('Enter');
}

/** Types a filter into the open quick pick (its list only renders the rows in view), waits until `row` is the
 *  focused entry, then picks it. */
async function pick(page: Page, filter: string, row: string, timeout = LONG, title?: string): Promise<string> {
  // The title tells this pick from the one (or the file dialog) it replaces, whose rows may still be shown.
  if (title) await page.locator('.quick-input-title', { hasText: title }).waitFor({ timeout });
  await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout });
  await page.keyboard.type(filter);
  const focused = page.locator('.quick-input-list .monaco-list-row.focused');
  await focused.filter({ hasText: row }).waitFor({ timeout });
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
    for (const p of browser.contexts().flatMap((c) => c.pages())) await p.screenshot({ path: join(outDir, 'get-model-failure.png') }).catch(() => undefined);
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
  const dtype = await pick(page, 'int4', 'int4', LONG, 'precision of CoDA');
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

  // The end: the model card in a preview tab (or an error notification, said at once).
  await untilShown(page, '.tab >> text=MODEL_CARD.md');
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
  await pick(page, 'int4', 'int4', LONG, `precision of ${GATED_REPO}`);
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
  // Its card comes last and takes the focus: wait for it (get-model.txt was the active tab until then), or it would
  // close the next command palette.
  await page.waitForSelector('.tab.active >> text=MODEL_CARD.md', { timeout: LONG });

  // "Convert a checkpoint or GGUF file…": a checkpoint folder already on disk (the stand-in's own source), picked in
  // VS Code's file dialog, converted into the store and selected.
  const source = join(paths.userDir, '..', 'hub', 'gated');
  await palette(page, 'DiffuCode: Convert a checkpoint', 'Convert a checkpoint or GGUF file…');
  await pick(page, 'folder', 'A checkpoint folder');
  log('[get-model] convert: folder kind picked');
  const dialogInput = page.locator('.quick-input-widget input');
  await dialogInput.waitFor({ state: 'visible', timeout: LONG });
  await page.waitForTimeout(500);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(source);
  await page.waitForTimeout(1000);
  await page.screenshot({ path: join(outDir, 'convert-dialog.png') });
  // The dialog's own button (Enter would pick the list's focused entry, which may still be the old folder's).
  await page.locator('.quick-input-widget .monaco-button', { hasText: 'Convert' }).click();
  log('[get-model] convert: folder chosen in the dialog');
  await pick(page, 'int8', 'int8', 60_000, 'precision of gated');
  const convertedDir = join(paths.store, 'gated-int8');
  await until(() => settingsValue(paths.userDir, 'diffucode.modelPath')?.value === convertedDir, LONG, `diffucode.modelPath to become ${convertedDir}`);
  assert.equal(JSON.parse(readFileSync(join(convertedDir, 'manifest.json'), 'utf8')).weights.dtype, 'int8');
  assert.ok(!readdirSync(paths.store).some((n) => n.startsWith('.')), 'no staging folder left');
  log(`[get-model] the checkpoint on disk was converted into the store and selected`);
}

/** Waits for `selector`; fails at once with its text when a DiffuCode error notification shows instead. */
async function untilShown(page: Page, selector: string): Promise<void> {
  const error = page.locator('.notification-toast', { hasText: 'DiffuCode:' }).filter({ has: page.locator('.codicon-error') });
  const shown = page.waitForSelector(selector, { timeout: LONG }).then(() => 'shown' as const);
  const failed = error.first().waitFor({ timeout: LONG }).then(() => 'error' as const);
  // The losing wait runs on until its timeout: its rejection must not end the driver.
  shown.catch(() => undefined);
  const which = await Promise.race([shown, failed.catch(() => new Promise<never>(() => undefined))]);
  if (which === 'error') assert.fail(`an error notification instead of ${selector}: ${(await error.first().innerText()).replace(/\s+/g, ' ')}`);
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
