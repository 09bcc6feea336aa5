// Shared input of the post-processing filters. Each filter takes the whole filled text (a diffusion model
// produces the gap at once, there is no token stream to cut) and returns a new text; '' means "show nothing".
// Filters are pure and synchronous: the same text and context always give the same result, so the typing cache
// can run them again on what is left of a suggestion after the user typed part of it.

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
  /** VS Code language id ('python', 'typescript', ...): which comment syntax hides brackets and quotes. */
  languageId?: string;
}

export type Filter = (text: string, ctx: FilterContext) => string;
