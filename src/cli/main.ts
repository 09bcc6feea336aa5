// `diffucode` command line (dist/cli.js): fill files or JSONL batches with the same worker and engine the editor
// uses. Exit status: 0 ok, 1 the fill failed, 2 usage error.

import { fillSampler } from '../engine/sampling/fillSampler';
import { WorkerClient } from '../worker/client';
import { HELP, parseCli, UsageError, type CliArgs } from './args';
import { runBatch } from './batch';
import { PartialFillError, readFillInput, runFill, type FillInput } from './fill';
import { bundledModelDir, packageRoot, packageVersion, workerScript } from '../worker/paths';
import { remoteEngine } from './remote';
import { runServe } from './serve';
import { runConvertCli } from './convert';
import { runPull } from './pull';
import { runModels } from './models';

async function main(argv: string[]): Promise<number> {
  // `serve` runs the model server (src/cli/serve.ts, its own options); every other command is a client.
  if (argv[0] === 'serve') return runServe(argv.slice(1));
  // `convert` writes a model folder (src/cli/convert.ts, its own options); it loads no model.
  if (argv[0] === 'convert') return runConvertCli(argv.slice(1));
  // `pull` and `models` manage the models store (src/cli/pull.ts, src/cli/models.ts, their own options).
  if (argv[0] === 'pull') return runPull(argv.slice(1));
  if (argv[0] === 'models') return runModels(argv.slice(1));
  let args: CliArgs;
  try {
    args = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`diffucode: ${e.message}\nRun \`diffucode --help\` for usage.\n`);
      return 2;
    }
    throw e;
  }
  if (args.command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const root = packageRoot();
  if (args.command === 'version') {
    process.stdout.write(`${packageVersion(root)}\n`);
    return 0;
  }
  const err = (s: string) => process.stderr.write(s + '\n');
  // The input is read (and an --in-place target checked) before the model loads: a wrong path fails at once.
  let input: FillInput | undefined;
  if (args.command === 'fill') {
    try {
      input = await readFillInput(args);
    } catch (e) {
      err(`diffucode: ${(e as Error).message}`);
      return 1;
    }
  }
  const client = args.server
    ? remoteEngine({ server: args.server, tokenFile: args.tokenFile, timeoutMs: args.timeoutMs, log: process.env.DIFFUCODE_DEBUG ? err : undefined })
    : new WorkerClient({
    workerScript: workerScript(root),
    modelDir: args.model ?? bundledModelDir(root),
    executionProvider: args.provider,
    threads: args.threads,
    requestTimeoutMs: args.timeoutMs,
    timeoutSetting: '--timeout',
    log: process.env.DIFFUCODE_DEBUG ? err : undefined,
  });
  try {
    const info = await client.load();
    if (info.providerMessage) err(`diffucode: ${info.providerMessage}`);
    // Fills decode with the parallel decoder unless --sampler model; the ghost-text pipeline keeps its own.
    if (!args.ghostText) args = { ...args, sampler: fillSampler(args.fillSampler, info, args.sampler) };
    if (input) {
      const out = await runFill(args, input, client, info, err);
      await write(out);
      return 0;
    }
    const failures = await runBatch(args, client, (line) => process.stdout.write(line + '\n'), err);
    return failures > 0 ? 1 : 0;
  } catch (e) {
    // What an unfinished fill had committed is not thrown away: it goes to standard output, with exit status 1.
    if (e instanceof PartialFillError) await write(e.output);
    err(`diffucode: ${(e as Error).message}`);
    return 1;
  } finally {
    client.dispose();
  }
}

function write(s: string): Promise<void> {
  return new Promise((resolve) => (s ? process.stdout.write(s, () => resolve()) : resolve()));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`diffucode: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
