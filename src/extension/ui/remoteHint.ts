/**
 * What a model error adds in a remote window (code-server, Remote-SSH, WSL; `vscode.env.remoteName`):
 * diffucode.modelPath is machine-scoped, so it is set on the Settings editor's Remote tab and shows greyed out under
 * User, where users look first. No `vscode` import, so it is tested alone.
 */
export function remoteHint(remoteName: string | undefined): string {
  return remoteName
    ? ` In this remote window (${remoteName}) "diffucode.modelPath" is a machine setting: set it on the Remote tab of the Settings editor (under User it is greyed out).`
    : '';
}
