import type { GapMode } from '../filters/types';

export interface GapChoice {
  mode: GapMode;
  maxTokens: number;
}

const BLOCK_OPENER = /[:{(\[]\s*$|=>\s*$|\b(do|then|else)\s*$/;

/**
 * Chooses how much to generate from the cursor's surroundings:
 * - code right of the cursor (other than closing brackets/quotes): the rest of this line only;
 * - an empty (or whitespace-only) line inside a block, or right after a block opener: a block of lines;
 * - otherwise (typing at the end of a line): the rest of the line.
 * A diffusion gap has a fixed size, so the choice is made up front rather than by stopping a stream.
 */
export function chooseGap(
  linePrefix: string,
  lineSuffix: string,
  previousLines: string[],
  sizes: { lineTokens: number; blockTokens: number },
): GapChoice {
  const line: GapChoice = { mode: 'line', maxTokens: sizes.lineTokens };
  if (/[^\s)\]}'"`;,]/.test(lineSuffix)) return line;
  if (linePrefix.trim() !== '') return line;
  const above = [...previousLines].reverse().find((l) => l.trim() !== '');
  if (above === undefined) return line;
  const insideBlock = linePrefix.length > 0 || BLOCK_OPENER.test(above);
  return insideBlock ? { mode: 'block', maxTokens: sizes.blockTokens } : line;
}
