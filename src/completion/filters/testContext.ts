// Builds a FilterContext for the filter tests with only the fields a test cares about spelled out.
import type { FilterContext } from './types';

export function ctx(over: Partial<FilterContext> = {}): FilterContext {
  return {
    linePrefix: '',
    lineSuffix: '',
    nextLines: [],
    mode: 'line',
    indent: { insertSpaces: true, tabSize: 4 },
    languageId: 'python',
    ...over,
  };
}
