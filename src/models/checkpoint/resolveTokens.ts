// Special-token ids for the manifest, from what the checkpoint's own files say (training/hf/manifest.py
// resolve_tokens and families.py resolve_family_tokens; the rules are documented in docs/diffucoder.md):
// - mask: config.json mask_token_id, which must agree with the tokenizer's mask token when both exist;
// - bos: tokenizer_config.json bos_token, else the <|beginoftext|> added token, else config.json bos_token_id
//   (Dream's canvas starts with <|beginoftext|> while DiffuCoder's config.json says bos = <|endoftext|>);
// - eos: config.json eos_token_id (inside a gap it means "shorter");
// - expand: only when asked or when an added token is literally <|expand|> (DreamOn): never inferred from an id,
//   because 151667 is <|dlm_pad|> in DiffuCoder but the expand token in DreamOn;
// - stop: eos plus every end/pad marker the tokenizer has, minus mask and expand.

import type { CanonicalConfig, ResolvedTokens } from '../convert/input';
import type { Family } from './families';
import { InputError } from './inputError';
import { pyRepr } from './pyRepr';
import { configToken, tokenId, tokenizerSize, type TokenizerJson } from './tokenizerFiles';

export const EXPAND_NAME = '<|expand|>';
export const STOP_NAMES = ['<|endoftext|>', '<|im_end|>', '<|dlm_pad|>'];

/** An id from config.json (an int, or the first of a list); anything else is no id. */
function firstId(value: unknown): number | undefined {
  if (Array.isArray(value)) value = value.length ? value[0] : undefined;
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function named(tok: TokenizerJson, tokCfg: Record<string, unknown>, key: string): number | undefined {
  const name = configToken(tokCfg, key);
  if (name === undefined) return undefined;
  const tid = tokenId(tok, name);
  if (tid === undefined) throw new InputError(`tokenizer_config.json names ${key} ${pyRepr(name)}, which the tokenizer does not contain`);
  return tid;
}

function expandId(tok: TokenizerJson, expandToken: string | undefined): number | null {
  if (expandToken === undefined) return tokenId(tok, EXPAND_NAME) ?? null;
  if (/^[0-9]+$/.test(expandToken)) {
    const tid = Number(expandToken);
    if (tid >= tokenizerSize(tok)) throw new InputError(`--expand-token ${tid} is not a token id of this tokenizer`);
    return tid;
  }
  const tid = tokenId(tok, expandToken);
  if (tid === undefined) throw new InputError(`--expand-token ${pyRepr(expandToken)} is not in the tokenizer`);
  return tid;
}

export function resolveTokens(cfg: Record<string, unknown>, tok: TokenizerJson, tokCfg: Record<string, unknown>,
  expandToken?: string, extraStopNames: readonly string[] = []): ResolvedTokens {
  const maskCfg = firstId(cfg.mask_token_id);
  const maskTok = named(tok, tokCfg, 'mask_token') ?? tokenId(tok, '<|mask|>');
  if (maskCfg !== undefined && maskTok !== undefined && maskCfg !== maskTok) {
    throw new InputError(`config.json mask_token_id ${maskCfg} disagrees with the tokenizer's mask token id ${maskTok}`);
  }
  const mask = maskCfg ?? maskTok;
  if (mask === undefined) {
    throw new InputError('no mask token: config.json has no mask_token_id and the tokenizer has no <|mask|> ' +
      '(not a diffusion model)');
  }
  const eos = firstId(cfg.eos_token_id) ?? named(tok, tokCfg, 'eos_token') ?? tokenId(tok, '<|endoftext|>');
  if (eos === undefined) throw new InputError('no end-of-text token: config.json has no eos_token_id and the tokenizer names none');
  const bos = named(tok, tokCfg, 'bos_token') ?? tokenId(tok, '<|beginoftext|>') ?? firstId(cfg.bos_token_id);
  if (bos === undefined) throw new InputError('no begin-of-text token in tokenizer_config.json, the tokenizer or config.json');
  const pad = named(tok, tokCfg, 'pad_token') ?? firstId(cfg.pad_token_id) ?? eos;

  const expand = expandId(tok, expandToken);
  const stop = new Set<number>([eos]);
  const eosIds = Array.isArray(cfg.eos_token_id) ? cfg.eos_token_id : [cfg.eos_token_id];
  for (const v of eosIds) { const x = firstId([v]); if (x !== undefined) stop.add(x); }
  for (const n of [...STOP_NAMES, ...extraStopNames]) { const x = tokenId(tok, n); if (x !== undefined) stop.add(x); }
  const namedEos = named(tok, tokCfg, 'eos_token');
  stop.add(pad);
  if (namedEos !== undefined) stop.add(namedEos);
  stop.delete(mask);
  if (expand !== null) stop.delete(expand);

  const tokens: ResolvedTokens = { bos, eos, pad, mask, expand, stop: [...stop].sort((a, b) => a - b) };
  const limit = tokenizerSize(tok);
  for (const [role, value] of Object.entries(tokens)) {
    for (const tid of Array.isArray(value) ? value : [value]) {
      if (tid !== null && !(0 <= tid && tid < limit)) throw new InputError(`${role} token id ${tid} is outside the tokenizer's ${limit} ids`);
    }
  }
  if (bos === mask || mask === eos || (expand !== null && [mask, eos, bos].includes(expand))) {
    throw new InputError(`special token roles collide: ${JSON.stringify(tokens)}`);
  }
  return tokens;
}

/** resolveTokens with the family's names: its mask token (LLaDA's <|mdm_mask|>) must agree with config.json's
 *  mask_token_id (and fills it in when absent), its end-of-turn marker joins the stop set, its tokenizer_config
 *  overrides apply. Sets cfg.mask_token_id as the Python does. */
export function resolveFamilyTokens(fam: Family, cfg: CanonicalConfig, tok: TokenizerJson, tokCfg: Record<string, unknown>,
  expandToken?: string): ResolvedTokens {
  for (const maskName of fam.maskNames) {
    const tid = tokenId(tok, maskName);
    if (tid === undefined) continue;
    if (cfg.mask_token_id === undefined || cfg.mask_token_id === null) cfg.mask_token_id = tid;
    else if (cfg.mask_token_id !== tid) {
      throw new InputError(`config.json mask_token_id ${cfg.mask_token_id} disagrees with the tokenizer's ${maskName} id ${tid}`);
    }
  }
  return resolveTokens(cfg, tok, { ...tokCfg, ...fam.tokenizerOverrides }, expandToken, fam.extraStopNames);
}
