// Python's repr() of a JSON value, so error lines name values exactly as training/hf's Python readers did
// ('qwen2', ['Qwen2ForCausalLM'], None, True).

export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value.replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  return String(value);
}

/** The first few items of a list and how many more (checkpoint.py's _few). */
export function few(items: string[], n = 3): string {
  const more = items.length > n ? ` (+${items.length - n} more)` : '';
  return items.slice(0, n).join(', ') + more;
}
