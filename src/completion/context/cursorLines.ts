/** How many lines around the cursor the gap sizing and the filters look at. */
export const LINES_AROUND = 8;

export interface CursorLines {
  /** The cursor's line before the cursor. */
  linePrefix: string;
  /** The cursor's line after the cursor (without the line break). */
  lineSuffix: string;
  /** Up to LINES_AROUND lines above the cursor's line, nearest last. */
  previousLines: string[];
  /** Up to LINES_AROUND lines below the cursor's line, nearest first. */
  nextLines: string[];
}

/** The lines around `offset` in `text` (any of '\n' and '\r\n' ends a line, as in the editor). */
export function cursorLines(text: string, offset: number): CursorLines {
  const before = text.slice(0, offset).split(/\r?\n/);
  const after = text.slice(offset).split(/\r?\n/);
  return {
    linePrefix: before[before.length - 1],
    lineSuffix: after[0],
    previousLines: before.slice(Math.max(0, before.length - 1 - LINES_AROUND), before.length - 1),
    nextLines: after.slice(1, 1 + LINES_AROUND),
  };
}
