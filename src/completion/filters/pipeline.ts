import { balanceBrackets } from './balanceBrackets';
import { balanceQuotes } from './balanceQuotes';
import { dropEmpty } from './dropEmpty';
import { dropRepeatedNgrams } from './dropRepeatedNgrams';
import { dropRepetition } from './dropRepetition';
import { dropSuffixRepeat } from './dropSuffixRepeat';
import { fixIndentation } from './fixIndentation';
import { trimToLine } from './trimToLine';
import type { Filter, FilterContext } from './types';

/**
 * Order matters: cut to the line first (later filters then see only what will be shown), fix indentation
 * before comparing lines with each other and with the suffix, cut loops and stutters before the suffix check (a
 * loop can hide the suffix's line), balance quotes before brackets (a cut string can leave a bracket open, which
 * the bracket filter then closes or cuts) on the final shape, drop empties last. After trimToLine every filter
 * only cuts text or appends closing brackets, so a line-mode suggestion stays one line.
 */
const FILTERS: Filter[] = [trimToLine, fixIndentation, dropRepetition, dropRepeatedNgrams, dropSuffixRepeat, balanceQuotes, balanceBrackets, dropEmpty];

export function postProcess(text: string, ctx: FilterContext): string {
  return FILTERS.reduce((t, f) => (t === '' ? t : f(t, ctx)), text);
}
