// Entry point of the extension-host suite (bundled to dist/test/editor-suite.js). VS Code calls run() and
// reports its outcome through window.codeAutomationExit: a rejection means exit code 1.
import { runAll } from './harness';
import './activation.suite';
import './ghostText.suite';
import './fill.suite';
import './rewrite.suite';
import './refine.suite';
import './parseCheck.suite';
import './modelState.suite';
import './missingModel.suite'; // last: it points the extension at a missing model

export async function run(): Promise<void> {
  const failed = await runAll();
  if (failed > 0) throw new Error(`${failed} editor test(s) failed`);
}
