// The conversion step of the editor: the TypeScript converter in a child process (dist/convert.js, runner.ts), so
// the extension host never holds a weight chunk or blocks on the quantizer, and Cancel can kill it outright.

import { join } from 'node:path';
import { convertInChild } from '../../models/convert/runner';
import type { ConvertFn } from '../../models/pull';

export const convertScript = (extensionPath: string) => join(extensionPath, 'dist', 'convert.js');

export function childConvert(extensionPath: string): ConvertFn {
  const script = convertScript(extensionPath);
  return async (o) => {
    const r = await convertInChild({ ...o, script });
    return { folder: r.folder };
  };
}
