import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSpace, freeBytes } from './diskSpace';

test('free space is read from the nearest existing folder (statfs), and needs on one disk add up', async () => {
  const d = mkdtempSync(join(tmpdir(), 'diffucode-space-'));
  assert.ok((await freeBytes(join(d, 'not', 'yet', 'there'))) > 0);
  const free = async () => 1_000_000_000;
  await checkSpace([{ path: join(d, 'a'), bytes: 400e6, what: 'the download' }, { path: join(d, 'b'), bytes: 400e6, what: 'the converted model' }], free);
  await assert.rejects(
    checkSpace([{ path: join(d, 'a'), bytes: 600e6, what: 'the download' }, { path: join(d, 'b'), bytes: 400e6, what: 'the converted model' }], free),
    (e: Error & { code?: string; kind?: string }) => {
      assert.equal(e.code, 'NO_SPACE');
      assert.equal(e.kind, 'input');
      assert.match(e.message, /^not enough disk space: the download needs 600 MB and the converted model needs 400 MB on the disk of .*, which has 1.00 GB free$/);
      return true;
    },
  );
});
