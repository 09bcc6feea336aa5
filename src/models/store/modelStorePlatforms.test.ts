// The models store under Windows and macOS rules, checked on any machine: where the store lives (node:path.win32
// for Windows: drive letters, UNC shares, %LOCALAPPDATA% / %USERPROFILE%), and the names Windows cannot hold.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkModelName, defaultStoreDir } from './modelStore';

test('Windows: the store under %LOCALAPPDATA%, else %USERPROFILE%\\AppData\\Local, with backslashes', () => {
  assert.equal(defaultStoreDir({ LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local', HOME: '/ignored' }, 'win32'), 'C:\\Users\\ana\\AppData\\Local\\diffucode\\models');
  assert.equal(defaultStoreDir({ USERPROFILE: 'D:\\Profiles\\ana' }, 'win32'), 'D:\\Profiles\\ana\\AppData\\Local\\diffucode\\models');
});

test('Windows: DIFFUCODE_MODELS may be a drive path with either slash, or a UNC share', () => {
  assert.equal(defaultStoreDir({ DIFFUCODE_MODELS: 'E:/models/' }, 'win32'), 'E:\\models');
  assert.equal(defaultStoreDir({ DIFFUCODE_MODELS: '\\\\nas\\share\\diffucode' }, 'win32'), '\\\\nas\\share\\diffucode');
});

test('macOS: the store under ~/Library/Caches', () => {
  assert.equal(defaultStoreDir({ HOME: '/Users/ana' }, 'darwin'), '/Users/ana/Library/Caches/diffucode/models');
});

test("names Windows cannot hold are refused on every OS (a store may be copied or synced to Windows)", () => {
  for (const bad of ['CON', 'con', 'nul.int4', 'Aux', 'COM1', 'lpt9.x', 'model.'])
    assert.throws(() => checkModelName(bad), /not a usable model name/, bad);
  for (const good of ['console-int4', 'nullish', 'COM10x', 'model.v2', 'apple--DiffuCoder-7B-cpGRPO-int4']) assert.equal(checkModelName(good), good);
});
