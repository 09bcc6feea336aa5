const MAX_SHOWN = 120;

/**
 * One line of preview text for the live denoising decoration: newlines shown as ⏎ so a block fits after
 * the cursor, long gaps cut with an ellipsis (a decoration cannot wrap).
 */
export function previewText(gapText: string, max = MAX_SHOWN): string {
  const flat = gapText.replace(/\r?\n/g, ' \u23ce ');
  return flat.length > max ? flat.slice(0, max - 1) + '\u2026' : flat;
}
