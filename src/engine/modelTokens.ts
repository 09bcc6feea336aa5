// The special token ids a model folder declares. A leaf module: the speed probe (model/speed.ts) and the engine's
// parts (engineParts.ts) both need it, and importing it from engineParts made types.ts -> speed.ts -> engineParts.ts
// -> types.ts a circle.

export interface ModelTokens {
  bos: number;
  eos: number;
  pad: number;
  mask: number;
  expand: number | null;
  stop: number[];
}
