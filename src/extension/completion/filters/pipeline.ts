import { balanceBrackets } from './balanceBrackets';
import { dropEmpty } from './dropEmpty';
import { dropRepetition } from './dropRepetition';
import { dropSuffixRepeat } from './dropSuffixRepeat';
import { fixIndentation } from './fixIndentation';
import { trimToLine } from './trimToLine';
import type { Filter, FilterContext } from './types';

/**
 * Order matters: cut to the line first (later filters then see only what will be shown), fix indentation
 * before comparing lines with each other and with the suffix, cut loops before the suffix check (a loop can
 * hide the suffix's line), balance brackets on the final shape, drop empties last.
 */
const FILTERS: Filter[] = [trimToLine, fixIndentation, dropRepetition, dropSuffixRepeat, balanceBrackets, dropEmpty];

export function postProcess(text: string, ctx: FilterContext): string {
  return FILTERS.reduce((t, f) => (t === '' ? t : f(t, ctx)), text);
}
