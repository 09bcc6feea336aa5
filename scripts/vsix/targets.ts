// The VSIX targets DiffuCode ships, one table: VS Code's target name, Node's process.platform / process.arch for it,
// and the native format its binaries must have. darwin-x64 is absent on purpose: onnxruntime-node 1.30 ships no
// Intel-Mac binary (docs/platforms.md says what Intel Mac users get).

import type { NativeFormat } from './nativeFile';

export interface VsixTarget {
  /** vsce --target, and the manifest's TargetPlatform. */
  target: string;
  os: 'linux' | 'darwin' | 'win32';
  arch: 'x64' | 'arm64';
  format: NativeFormat;
}

export const TARGETS: readonly VsixTarget[] = [
  { target: 'linux-x64', os: 'linux', arch: 'x64', format: 'elf' },
  { target: 'linux-arm64', os: 'linux', arch: 'arm64', format: 'elf' },
  { target: 'darwin-arm64', os: 'darwin', arch: 'arm64', format: 'macho' },
  { target: 'win32-x64', os: 'win32', arch: 'x64', format: 'pe' },
  { target: 'win32-arm64', os: 'win32', arch: 'arm64', format: 'pe' },
];

export function findTarget(name: string): VsixTarget {
  const t = TARGETS.find((x) => x.target === name);
  if (!t) throw new Error(`unknown VSIX target "${name}" (one of ${TARGETS.map((x) => x.target).join(', ')})`);
  return t;
}

/**
 * Native packages the VSIX carries, and where each keeps one target's binaries (relative to node_modules/).
 * `omit`: files of that folder the runtime never loads. darwin: npm cannot store symlinks, so onnxruntime-node's
 * libonnxruntime.1.30.0.dylib is a second full copy (44 MB) of libonnxruntime.1.dylib, the one name the binding
 * loads (its LC_LOAD_DYLIB is @rpath/libonnxruntime.1.dylib; the VSIX test checks every such load is inside).
 */
export const NATIVE_PACKAGES: readonly { dir: (t: VsixTarget) => string; omit: RegExp[] }[] = [
  { dir: (t) => `onnxruntime-node/bin/napi-v6/${t.os}/${t.arch}`, omit: [/^libonnxruntime\.\d+\.\d+\.\d+\.dylib$/] },
];
