import * as vscode from 'vscode';

/** SecretStorage key of the Hugging Face access token (gated and private repositories). */
export const HUB_TOKEN_SECRET = 'diffucode.hub.token';

export function storedHubToken(secrets: vscode.SecretStorage): Thenable<string | undefined> {
  return secrets.get(HUB_TOKEN_SECRET);
}

/**
 * "DiffuCode: Set Hugging Face token…": kept in VS Code's secret storage (the OS keychain), never in settings or
 * files. Checked for the "hf_" prefix the Hub's tokens have, so a pasted URL or username is caught at once.
 * Returns true when a token was stored.
 */
export async function setHubTokenCommand(secrets: vscode.SecretStorage): Promise<boolean> {
  const token = await vscode.window.showInputBox({
    title: 'DiffuCode: Set Hugging Face token',
    prompt: 'An access token of your Hugging Face account (huggingface.co/settings/tokens, "read" is enough), for gated and private models. Kept in VS Code\'s secret storage. Empty removes it.',
    placeHolder: 'hf_…',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' || v.trim().startsWith('hf_') ? undefined : 'A Hugging Face token starts with "hf_".'),
  });
  if (token === undefined) return false;
  if (token.trim() === '') {
    await secrets.delete(HUB_TOKEN_SECRET);
    void vscode.window.showInformationMessage('DiffuCode: Hugging Face token removed.');
    return false;
  }
  await secrets.store(HUB_TOKEN_SECRET, token.trim());
  void vscode.window.showInformationMessage('DiffuCode: Hugging Face token saved.');
  return true;
}
