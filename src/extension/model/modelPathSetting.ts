// diffucode.modelPath as the user typed it -> the model folder, by the rules of the OS the extension host runs on
// (no vscode import: tested under node:path.win32 and posix on any machine). Windows settings hold drive-letter
// paths (C:\models\dream, C:/models/dream), UNC shares (\\server\share\dream) and, like every OS here, "~" for the
// home folder. A relative path is refused: it would resolve against whatever folder VS Code was started from.

import * as path from 'node:path';

export type ModelPathSetting = { kind: 'bundled' } | { kind: 'folder'; folder: string } | { kind: 'invalid'; message: string };

export function readModelPathSetting(raw: string, platform: NodeJS.Platform, home: string): ModelPathSetting {
  const p = platform === 'win32' ? path.win32 : path.posix;
  let v = raw.trim();
  if (v === '') return { kind: 'bundled' };
  // A quoted path pasted from a shell or Explorer's "Copy as path" ("C:\models\dream").
  if (v.length > 1 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).trim();
  if (v === '~' || v.startsWith('~/') || (platform === 'win32' && v.startsWith('~\\'))) v = p.join(home, v.slice(1));
  const bad = (why: string): ModelPathSetting => ({ kind: 'invalid', message: `diffucode.modelPath "${raw.trim()}" ${why}; set it to the model's folder, e.g. ${example(platform)}, or run "DiffuCode: Select model"` });
  if (platform === 'win32') {
    // C:models is relative to drive C's current folder, \models to the current drive: both depend on the process.
    if (/^[A-Za-z]:(?![\\/])/.test(v)) return bad('has a drive letter but no \\ after it (C:models is relative to that drive\'s current folder)');
    if (/^[\\/](?![\\/])/.test(v)) return bad('has no drive letter (\\models means the current drive)');
  }
  if (!p.isAbsolute(v)) return bad('is not an absolute path (a relative one would depend on the folder VS Code was started from)');
  // normalize: forward slashes become backslashes on Windows, "a/../b" and doubled separators fold, a trailing one goes.
  const folder = p.normalize(v);
  const root = p.parse(folder).root;
  return { kind: 'folder', folder: folder.length > root.length ? folder.replace(/[\\/]+$/, '') : folder };
}

function example(platform: NodeJS.Platform): string {
  if (platform === 'win32') return 'C:\\models\\dream';
  if (platform === 'darwin') return '/Users/you/models/dream';
  return '/home/you/models/dream';
}
