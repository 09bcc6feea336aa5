"""Byte-level BPE: the pre-tokenizer, the trainer and the encoder, written to agree exactly with the Hugging Face
tokenizer.json that `@huggingface/tokenizers` (JS) and the Rust `tokenizers` crate load.

The pre-tokenizer regex never lets a piece span a line break (each \\r\\n, \\r or \\n is its own piece), so the
encoding of a text is the concatenation of the encodings of its lines. Training relies on that: it cuts infill
middles on line boundaries from per-line encodings and they equal what the editor's tokenizer produces.
It only uses explicit character sets and \\p{L} / \\p{N}, which the JS library translates faithfully (it does not
rely on \\s, whose membership differs between Python, JavaScript and Oniguruma).
"""
import heapq
from collections import Counter, defaultdict

import regex

HWS = r"[ \t\x0b\x0c]"
OTHER = r"[^\p{L}\p{N}_ \t\x0b\x0c\r\n]"
PRETOKENIZE_PATTERN = (r" ?[\p{L}_]+| ?\p{N}| ?" + OTHER + r"+|" + HWS + r"+(?![^ \t\x0b\x0c\r\n])|" + HWS
                       + r"+|\r\n|\r|\n")
_PIECE = regex.compile(PRETOKENIZE_PATTERN)
_SURROGATE = regex.compile(r"[\ud800-\udfff]")


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character table (the ByteLevel pre-tokenizer and decoder use it)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENC = bytes_to_unicode()
BYTE_DEC = {v: k for k, v in BYTE_ENC.items()}


def pieces(text: str):
    """Pre-tokenized pieces, each as its byte-level string. Lone surrogates become U+FFFD like JS TextEncoder."""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return ["".join(BYTE_ENC[b] for b in p.encode("utf-8")) for p in _PIECE.findall(text)]


def train_bpe(piece_counts: Counter, n_merges: int, log_every: int = 500):
    """Learns up to n_merges merges over weighted pieces. Pair counts are updated incrementally and the best pair
    comes from a lazy max-heap, so each merge only touches the words that contain it. Ties break on the pair's
    strings, so training is deterministic."""
    words = [list(w) for w in piece_counts]
    freqs = list(piece_counts.values())
    pair_count = defaultdict(int)
    where = defaultdict(set)  # pair -> indices of words containing it
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_count[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    merges = []
    while len(merges) < n_merges and heap:
        negc, pair = heapq.heappop(heap)
        c = pair_count.get(pair, 0)
        if c <= 0:
            continue
        if -negc != c:  # stale entry: re-queue with the current count
            heapq.heappush(heap, (-c, pair))
            continue
        if c < 2:
            break
        merges.append(pair)
        a, b = pair
        new = a + b
        touched = defaultdict(int)
        for i in where.pop(pair, ()):
            w, f = words[i], freqs[i]
            j, out = 0, []
            changed = False
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    out.append(new)
                    j += 2
                    changed = True
                else:
                    out.append(w[j])
                    j += 1
            if not changed:
                continue
            for p in zip(w, w[1:]):
                pair_count[p] -= f
                touched[p] += 0
            for p in zip(out, out[1:]):
                pair_count[p] += f
                where[p].add(i)
                touched[p] += 0
            words[i] = out
        pair_count.pop(pair, None)
        for p in touched:
            cnt = pair_count.get(p, 0)
            if cnt > 0:
                heapq.heappush(heap, (-cnt, p))
            elif p in pair_count:
                del pair_count[p]
        if log_every and len(merges) % log_every == 0:
            print(f"  merge {len(merges)}: {a!r}+{b!r} x{c}", flush=True)
    return merges


class Encoder:
    """Rank-based BPE encoder: repeatedly merges the lowest-rank adjacent pair, the leftmost on ties (the same rule
    as the JS and Rust implementations), with special tokens split out first."""

    def __init__(self, vocab: dict, merges: list, specials: dict):
        self.vocab = vocab
        self.inv = {i: t for t, i in vocab.items()}
        self.ranks = {tuple(m): r for r, m in enumerate(merges)}
        self.specials = specials
        self.cache = {}
        self._special_re = regex.compile("|".join(regex.escape(s) for s in sorted(specials, key=len, reverse=True))) \
            if specials else None

    def _bpe(self, piece: str):
        hit = self.cache.get(piece)
        if hit is not None:
            return hit
        w = list(piece)
        while len(w) > 1:
            best, bi = None, -1
            for i in range(len(w) - 1):
                r = self.ranks.get((w[i], w[i + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, i
            if best is None:
                break
            w[bi:bi + 2] = [w[bi] + w[bi + 1]]
        ids = [self.vocab[t] for t in w]
        if len(self.cache) < 500_000:
            self.cache[piece] = ids
        return ids

    def encode(self, text: str):
        out = []
        if self._special_re is None:
            segments = [(text, None)]
        else:
            segments, pos = [], 0
            for m in self._special_re.finditer(text):
                segments.append((text[pos:m.start()], None))
                segments.append((None, self.specials[m.group(0)]))
                pos = m.end()
            segments.append((text[pos:], None))
        for seg, sid in segments:
            if sid is not None:
                out.append(sid)
            elif seg:
                for p in pieces(seg):
                    out.extend(self._bpe(p))
        return out

    def decode(self, ids, skip_special: bool = False) -> str:
        buf, parts = bytearray(), []
        for i in ids:
            t = self.inv[int(i)]
            if t in self.specials:
                parts.append(buf.decode("utf-8", "replace"))
                buf = bytearray()
                if not skip_special:
                    parts.append(t)
            else:
                buf.extend(BYTE_DEC[c] for c in t)
        parts.append(buf.decode("utf-8", "replace"))
        return "".join(parts)
