// Shared input of the post-processing filters. Each filter takes the whole filled text (a diffusion model
// produces the gap at once, there is no token stream to cut) and returns a new text; '' means "show nothing".

export type GapMode = 'line' | 'block';

export interface FilterContext {
  /** Text of the cursor's line before the cursor. */
  linePrefix: string;
  /** Text of the cursor's line after the cursor. */
  lineSuffix: string;
  /** The document lines after the cursor's line (a few are enough). */
  nextLines: string[];
  /** 'line': complete the rest of the current line; 'block': several lines from an empty line. */
  mode: GapMode;
  /** The editor's indentation style, to normalise the model's indentation to it. */
  indent: { insertSpaces: boolean; tabSize: number };
}

export type Filter = (text: string, ctx: FilterContext) => string;
