"""A small byte-level BPE in the slow Qwen2 style, for test checkpoints.

`train_merges` learns a few hundred merges from a built-in code sample so the fixture tokenizer has real
multi-byte tokens; `encode` is an independent reference of what the slow Qwen2 tokenizer does (NFC, regex
pre-tokenisation, byte->unicode mapping, lowest-rank merge first, added tokens split out first). The tests
compare the JS tokenizer built from our converted tokenizer.json against it.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Dict, List, Sequence, Tuple

import regex

from training.hf.tokenizer_files import QWEN2_PRETOKENIZE_REGEX

_PRETOKENIZE = regex.compile(QWEN2_PRETOKENIZE_REGEX)

SAMPLE_CODE = '''
def fibonacci(n: int) -> int:
    """Return the n-th Fibonacci number."""
    if n < 2:
        return n
    return fibonacci(n - 1) + fibonacci(n - 2)


class Stack:
    def __init__(self):
        self.items = []

    def push(self, item):
        self.items.append(item)

    def pop(self):
        return self.items.pop()

function add(a, b) {
  return a + b;
}
const values = [1, 2, 3].map((x) => x * 2);
for (let i = 0; i < values.length; i++) {
  console.log(values[i]);
}
'''


def bytes_to_unicode() -> Dict[int, str]:
    """GPT-2's reversible byte -> printable character table used by every byte-level BPE (Qwen2 included):
    printable Latin-1 bytes map to themselves, the rest to code points from 256 upwards in byte order."""
    keep = {b for lo, hi in (("!", "~"), ("¡", "¬"), ("®", "ÿ")) for b in range(ord(lo), ord(hi) + 1)}
    table: Dict[int, str] = {}
    extra = 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


_B2U = bytes_to_unicode()


def _words(text: str) -> List[str]:
    text = unicodedata.normalize("NFC", text)
    return ["".join(_B2U[b] for b in piece.encode("utf-8")) for piece in _PRETOKENIZE.findall(text)]


def train_merges(text: str, count: int) -> List[Tuple[str, str]]:
    """Greedy BPE: repeatedly merge the most frequent adjacent pair (ties broken by the pair itself, so the
    result is deterministic)."""
    words = Counter(tuple(w) for w in _words(text))
    merges: List[Tuple[str, str]] = []
    for _ in range(count):
        pairs: Counter = Counter()
        for word, freq in words.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] += freq
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged: Counter = Counter()
        for word, freq in words.items():
            merged[_apply(word, best)] += freq
        words = merged
    return merges


def _apply(word: Sequence[str], pair: Tuple[str, str]) -> Tuple[str, ...]:
    out: List[str] = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(word[i] + word[i + 1])
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def encode(text: str, vocab: Dict[str, int], merges: Sequence[Tuple[str, str]], added: Dict[str, int]) -> List[int]:
    """Reference encoder: split out added tokens (longest first), BPE the rest word by word."""
    ranks = {pair: i for i, pair in enumerate(merges)}
    ids: List[int] = []
    pattern = regex.compile("|".join(regex.escape(t) for t in sorted(added, key=len, reverse=True))) if added else None
    pos = 0
    pieces: List[Tuple[bool, str]] = []
    if pattern is not None:
        for m in pattern.finditer(text):
            pieces.append((False, text[pos:m.start()]))
            pieces.append((True, m.group(0)))
            pos = m.end()
    pieces.append((False, text[pos:]))
    for is_added, piece in pieces:
        if is_added:
            ids.append(added[piece])
            continue
        for word in _words(piece):
            symbols: Tuple[str, ...] = tuple(word)
            while len(symbols) > 1:
                best = min(zip(symbols, symbols[1:]), key=lambda p: ranks.get(p, float("inf")))
                if best not in ranks:
                    break
                symbols = _apply(symbols, best)
            ids.extend(vocab[s] for s in symbols)
    return ids
