// The small tokenizer_config.json written beside tokenizer.json for the JS tokenizer library. Decoding code must not
// have spaces "cleaned up" (the library's default is true), so that flag is always written, false unless the
// checkpoint says otherwise; the special tokens are kept by name (a checkpoint stores them as a string or as
// {"content": ...}). Everything else a checkpoint's file holds (a chat template, the added-token table) is dropped.

export function runtimeTokenizerConfig(cfg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { clean_up_tokenization_spaces: Boolean(cfg.clean_up_tokenization_spaces ?? false) };
  for (const key of ['bos_token', 'eos_token', 'pad_token', 'mask_token']) {
    let v = cfg[key];
    if (v && typeof v === 'object') v = (v as { content?: unknown }).content;
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}
