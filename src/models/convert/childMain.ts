// dist/convert.js: one conversion in a child process, so the extension host never holds a weight chunk nor blocks
// on the quantizer. The parent (runner.ts) sends the options once; progress, the result or the error come back as
// messages. The parent cancels by killing this process and removing the staging folder.

import { convertModel, type ConvertOptions } from './convert';
import type { ChildMessage } from './runner';

function send(m: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send!(m, () => resolve()));
}

process.once('message', (opts: Omit<ConvertOptions, 'signal' | 'onProgress'>) => {
  convertModel({ ...opts, onProgress: (progress) => void send({ type: 'progress', progress }) })
    .then((result) => send({ type: 'done', result }))
    .catch((e: Error) => send({ type: 'error', name: e?.name ?? 'Error', message: e?.message ?? String(e) }))
    .finally(() => process.disconnect());
});
