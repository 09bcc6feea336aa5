import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lex, stateAfter, type LexEvent } from './lexer';

function events(text: string, languageId = 'python'): string[] {
  const out: string[] = [];
  lex(text, { quote: null, comment: false }, languageId, (e: LexEvent) => {
    if ('char' in e) out.push(e.char);
    else if ('quote' in e) out.push(`${e.kind}:${e.quote}`);
    else out.push('NL');
  });
  return out;
}

test('brackets count outside strings and comments only', () => {
  assert.deepEqual(events('f("(", x[0])  # )'), ['(', 'quote-open:"', 'quote-close:"', '[', ']', ')']);
  assert.deepEqual(events('a(1) // ) ( \nb', 'typescript'), ['(', ')', 'NL']);
});

test('an escaped quote does not close a string; a line break ends a single-line string as unterminated', () => {
  assert.deepEqual(events('"a\\"b"'), ['quote-open:"', 'quote-close:"']);
  assert.deepEqual(events("'abc\nx"), ["quote-open:'", "unterminated:'", 'NL']);
});

test('Python triple quotes and template literals span lines', () => {
  assert.deepEqual(events('"""a\nb"""'), ['quote-open:"""', 'quote-close:"""']);
  assert.deepEqual(events('`a\n${b}`', 'typescript'), ['quote-open:`', 'quote-close:`']);
});

test('the state after a line prefix: inside a string, inside a comment, or neither', () => {
  assert.deepEqual(stateAfter('x = f("ab', 'python'), { quote: '"', comment: false });
  assert.deepEqual(stateAfter('x = 1  # note (', 'python'), { quote: null, comment: true });
  assert.deepEqual(stateAfter('x = "a" + (', 'python'), { quote: null, comment: false });
});
