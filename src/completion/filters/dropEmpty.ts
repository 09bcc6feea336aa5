import type { Filter } from './types';

/** Nothing worth showing: whitespace-only text would only move the cursor when accepted. */
export const dropEmpty: Filter = (text) => (text.trim() === '' ? '' : text);
