// The environment pullModel reads (HF_ENDPOINT, HF_HUB_CACHE, DIFFUCODE_MODELS…), with the editor's endpoint
// setting laid over it. Pure: the setting's value comes in as an argument (config.ts reads it).
//
// Precedence: the setting `diffucode.hub.endpoint` when non-empty (a mirror chosen in the editor, a test's local
// stand-in), else HF_ENDPOINT from the environment VS Code was started in, else the Hub. The token never travels
// through the environment: the editor passes its SecretStorage token to pullModel directly, so a HF_TOKEN of the
// user's shell still applies only when no token is stored.

export function hubEnv(base: NodeJS.ProcessEnv, endpointSetting: string | undefined): NodeJS.ProcessEnv {
  const endpoint = endpointSetting?.trim();
  return endpoint ? { ...base, HF_ENDPOINT: endpoint } : { ...base };
}
