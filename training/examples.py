"""Training examples for the masked-diffusion objective, shaped like what the editor asks for.

Infill: [BOS] prefix | middle + EOS*k | suffix [EOS]. The middle is cut on line boundaries (the rest of a line, one
line, or a block of lines) and padded with k end-of-text tokens, because the engine pads a gap with more masks than
the answer needs and the model must predict EOS in the spare slots. Plain: [BOS] + a window of a file, every token
maskable. A mid-line cut re-encodes the two halves of the line separately, exactly as the engine tokenizes a prefix
and a suffix, so the model sees the same token boundaries at training and at inference.
"""
import numpy as np

from training.common import BOS_ID, EOS_ID, MASK_ID


class TokenCorpus:
    """One split of the encoded corpus (see tokenizer.encode_split)."""

    def __init__(self, path: str):
        z = np.load(path)
        self.tokens = z["tokens"].astype(np.int64)
        self.line_starts = z["line_starts"]
        self.file_lines = z["file_lines"]
        # Files are drawn in proportion to their size so every token is equally likely to be seen.
        sizes = np.array([self.line_starts[b] - self.line_starts[a] for a, b in self.file_lines], dtype=np.float64)
        keep = np.nonzero(sizes >= 8)[0]
        if len(keep) == 0:
            raise ValueError(f"{path}: no file has enough tokens to train on")
        self.files = keep
        self.p = sizes[keep] / sizes[keep].sum()

    def n_tokens(self) -> int:
        return len(self.tokens)

    def line(self, i):
        return self.tokens[self.line_starts[i]:self.line_starts[i + 1]]

    def span(self, a, b):
        """Tokens of lines a..b-1."""
        return self.tokens[self.line_starts[a]:self.line_starts[b]]


def _newline_tail(tokens, enc):
    """How many trailing tokens of a line are its line break (0 for a file's last line without one)."""
    if len(tokens) and enc.inv[int(tokens[-1])] in ("Ċ", "čĊ", "č"):  # byte-level \n, \r\n, \r
        return 1
    return 0


# Shares of the gap kinds (rest of a line, one line, a block of 2-8 lines). The default is the mix every stage up to 5
# trained on; ghost text mostly asks for the first two (train.py --gap-kinds weights them up).
GAP_KINDS = (0.35, 0.30, 0.35)


def _cut_gap(rng, corpus: TokenCorpus, enc, ln: int, b: int, kinds=GAP_KINDS):
    """Cuts one gap that starts at line ln of a file ending before line b.

    Returns (pre_tail, middle, suf_head, next_line) or None: the gap's answer is `middle`; `pre_tail` ends the prefix
    (the typed head of a line, or its indentation), `suf_head` starts the suffix (the rest of a line break), and the
    suffix goes on at line `next_line`.
    """
    line = corpus.line(ln)
    nl = _newline_tail(line, enc)
    empty = np.zeros(0, dtype=np.int64)
    kind = rng.random()
    if kind < kinds[0]:
        # Rest of a line: cut at a character position (often just after the indentation, where a user starts typing).
        text = enc.decode(line[:len(line) - nl])
        if len(text.strip()) == 0:
            return None
        indent = len(text) - len(text.lstrip())
        c = indent if rng.random() < 0.3 else int(rng.integers(indent, len(text)))
        pre_tail = np.asarray(enc.encode(text[:c]), dtype=np.int64)
        middle = np.asarray(enc.encode(text[c:]), dtype=np.int64)
        return pre_tail, middle, line[len(line) - nl:], ln + 1
    n = 1 if kind < kinds[0] + kinds[1] else int(rng.integers(2, 9))
    end = min(b, ln + n)
    middle = corpus.span(ln, end)
    if len(enc.decode(middle).strip()) == 0:
        return None
    pre_tail, suf_head = empty, empty
    first = enc.decode(line)
    indent = first[:len(first) - len(first.lstrip(" \t"))]
    if indent and rng.random() < 0.6:
        # The editor auto-indents: the cursor usually sits after the indentation, so the prefix ends with it
        # (encoded on its own, as the engine encodes a prefix) and the middle starts at the code.
        pre_tail = np.asarray(enc.encode(indent), dtype=np.int64)
        middle = np.concatenate([np.asarray(enc.encode(first[len(indent):]), dtype=np.int64),
                                 corpus.span(ln + 1, end)])
    tail = _newline_tail(middle, enc)
    if tail and rng.random() < 0.5:
        # The editor often leaves the line break after the cursor: then it belongs to the suffix.
        suf_head = middle[len(middle) - tail:]
        middle = middle[:len(middle) - tail]
    return pre_tail, np.asarray(middle, dtype=np.int64), suf_head, end


def _pad_gap(rng, middle):
    """Gap = answer + spare end-of-text slots; the spare sizes cover the engine's fixed budgets (24 single-line, 64
    multi-line), so the model learns to end an answer early in a gap that is too long."""
    spare = int(rng.integers(0, int(rng.choice([4, 16, 32, 64])) + 1))
    return np.concatenate([middle, np.full(spare, EOS_ID, dtype=np.int64)])


def _finish(ids, maskable, L):
    pad = L - len(ids)
    if pad > 0:  # short files: trailing end-of-text padding, never masked
        ids = np.concatenate([ids, np.full(pad, EOS_ID, dtype=np.int64)])
        maskable = np.concatenate([maskable, np.zeros(pad, dtype=bool)])
    return ids[:L], maskable[:L]


def make_infill(rng, corpus: TokenCorpus, enc, L: int, max_middle: int = 96, gap_kinds=GAP_KINDS):
    """Returns (ids[L], maskable[L] bool) for one infill example, or None when the file is unsuitable."""
    f = corpus.files[rng.choice(len(corpus.files), p=corpus.p)]
    a, b = corpus.file_lines[f]
    if b - a < 2:
        return None
    ln = int(rng.integers(a, b))
    cut = _cut_gap(rng, corpus, enc, ln, b, gap_kinds)
    if cut is None:
        return None
    pre_tail, middle, suf_head, suf_start = cut
    if len(middle) == 0 or len(middle) > max_middle:
        return None
    gap = _pad_gap(rng, middle)
    room = L - 2 - len(gap)
    if room < 16:
        gap = gap[:L - 18]
        room = 16
    prefix_all = np.concatenate([corpus.span(a, ln), pre_tail])
    suffix_all = np.concatenate([suf_head, corpus.span(suf_start, b)])
    # Split the context budget between prefix and suffix, nearest-to-the-gap first (as the engine trims).
    want_pre = int(room * rng.uniform(0.4, 0.9))
    n_suf = min(len(suffix_all), room - min(len(prefix_all), want_pre))
    n_pre = min(len(prefix_all), room - n_suf)
    prefix = prefix_all[len(prefix_all) - n_pre:]
    suffix = suffix_all[:n_suf]
    ids = np.concatenate([[BOS_ID], prefix, gap, suffix, [EOS_ID]])
    maskable = np.zeros(len(ids), dtype=bool)
    maskable[1 + len(prefix):1 + len(prefix) + len(gap)] = True
    return _finish(ids, maskable, L)


def make_multi_infill(rng, corpus: TokenCorpus, enc, L: int, max_gaps: int = 8, max_middle: int = 64,
                      gap_kinds=GAP_KINDS):
    """Several gaps in one window of a file: [BOS] ctx gap ctx gap ... ctx [EOS], as the fill command sends them.

    A one-gap canvas supervises only the few tokens of its gap; cutting 3..max_gaps gaps from one window gives the
    same forward pass several times the masked tokens to learn from, with the context between them left intact.
    """
    f = corpus.files[rng.choice(len(corpus.files), p=corpus.p)]
    a, b = corpus.file_lines[f]
    if b - a < 6:
        return None
    ln = int(rng.integers(a, max(a + 1, b - 4)))
    want = int(rng.integers(3, max_gaps + 1))
    # Gap starts spread over the window: on average one every few lines, at least one context line between gaps.
    every = int(rng.integers(2, 7))
    parts, mask_parts, used, gaps = [np.asarray([BOS_ID])], [np.zeros(1, dtype=bool)], 1, 0
    # Some leading context before the first gap.
    lead = corpus.span(max(a, ln - int(rng.integers(0, 20))), ln)
    lead = lead[max(0, len(lead) - (L // 3)):]
    parts.append(lead)
    mask_parts.append(np.zeros(len(lead), dtype=bool))
    used += len(lead)
    budget = L - 1  # room for the closing EOS
    while ln < b and used < budget:
        cut = _cut_gap(rng, corpus, enc, ln, b, gap_kinds) if gaps < want and rng.random() < 1.0 / every else None
        if cut is not None and 0 < len(cut[1]) <= max_middle:
            pre_tail, middle, suf_head, nxt = cut
            gap = _pad_gap(rng, middle)
            piece = [pre_tail, gap, suf_head]
            n = sum(len(p) for p in piece)
            if used + n + 1 > budget:  # keep every gap whole (and at least one token of suffix after it)
                break
            for p, m in zip(piece, (False, True, False)):
                parts.append(p)
                mask_parts.append(np.full(len(p), m, dtype=bool))
            used += n
            gaps += 1
            ln = nxt
            # at least one context line after a gap, so two gaps never touch
            if ln < b:
                ctx = corpus.line(ln)
                parts.append(ctx)
                mask_parts.append(np.zeros(len(ctx), dtype=bool))
                used += len(ctx)
                ln += 1
            continue
        ctx = corpus.line(ln)
        parts.append(ctx)
        mask_parts.append(np.zeros(len(ctx), dtype=bool))
        used += len(ctx)
        ln += 1
    if gaps == 0:
        return None
    ids = np.concatenate(parts)[:budget]
    maskable = np.concatenate(mask_parts)[:budget]
    ids = np.concatenate([ids, [EOS_ID]])
    maskable = np.concatenate([maskable, [False]])
    return _finish(ids, maskable, L)


def make_plain(rng, corpus: TokenCorpus, L: int):
    """[BOS] + a window of one file (EOS-padded at the end), every real token maskable."""
    f = corpus.files[rng.choice(len(corpus.files), p=corpus.p)]
    a, b = corpus.file_lines[f]
    toks = corpus.span(a, b)
    start = int(rng.integers(0, max(1, len(toks) - (L - 2)) + 1)) if len(toks) > L - 2 else 0
    body = toks[start:start + L - 2]
    ids = np.concatenate([[BOS_ID], body, [EOS_ID]])
    maskable = np.ones(len(ids), dtype=bool)
    maskable[0] = False
    pad = L - len(ids)
    if pad > 0:
        ids = np.concatenate([ids, np.full(pad, EOS_ID, dtype=np.int64)])
        maskable = np.concatenate([maskable, np.zeros(pad, dtype=bool)])
    return ids, maskable


def blockwise_mask(rng, maskable_row, max_block: int = 8):
    """A mask shaped like a gap midway through block-wise decoding (the editor's default sampler): in each gap, the
    text before a cut point is already committed, the current block of 1..max_block slots is partly masked, and
    every slot after it is still a mask. Random t-masking almost never shows the model this state (a clean head
    and a fully masked tail), yet it is the state the sampler asks about at every step."""
    mask = np.zeros(len(maskable_row), dtype=bool)
    idx = np.nonzero(maskable_row)[0]
    if len(idx) == 0:
        return mask
    # contiguous maskable runs = gaps
    breaks = np.nonzero(np.diff(idx) > 1)[0] + 1
    for run in np.split(idx, breaks):
        cut = int(rng.integers(0, len(run)))
        width = int(rng.integers(1, max_block + 1))
        block = run[cut:cut + width]
        mask[block] = rng.random(len(block)) < rng.uniform(0.0, 1.0)
        mask[block[0]] = True  # the block's first slot is always open, or the block would be done
        mask[run[cut + width:]] = True
    return mask


def make_batch(rng, corpus: TokenCorpus, enc, B: int, L: int, plain_frac: float = 0.2, eps: float = 1e-3,
               multi_frac: float = 0.0, blockwise_frac: float = 0.0, gap_kinds=GAP_KINDS):
    """Returns input ids with masks applied, the clean targets, the mask, per-example t and maskable counts.

    Each example is plain with probability plain_frac, several gaps with probability multi_frac, else one gap.
    An infill example is masked with probability blockwise_frac as block-wise decoding sees it (blockwise_mask;
    its t is the realised masked share), else with the usual t ~ U(eps, 1). gap_kinds: shares of rest-of-line,
    one-line and block gaps (GAP_KINDS)."""
    ids = np.zeros((B, L), dtype=np.int64)
    maskable = np.zeros((B, L), dtype=bool)
    infill = np.zeros(B, dtype=bool)
    i = 0
    while i < B:
        u = rng.random()
        if u < plain_frac:
            ex = make_plain(rng, corpus, L)
        elif u < plain_frac + multi_frac:
            ex = make_multi_infill(rng, corpus, enc, L, gap_kinds=gap_kinds)
        else:
            ex = make_infill(rng, corpus, enc, L, gap_kinds=gap_kinds)
        if ex is None:
            continue
        ids[i], maskable[i] = ex
        infill[i] = u >= plain_frac
        i += 1
    t = rng.uniform(eps, 1.0, size=(B, 1))
    mask = (rng.random((B, L)) < t) & maskable
    if blockwise_frac > 0:
        for r in np.nonzero(infill & (rng.random(B) < blockwise_frac))[0]:
            mask[r] = blockwise_mask(rng, maskable[r])
            t[r, 0] = max(eps, mask[r].sum() / max(1, maskable[r].sum()))
    for r in range(B):  # at least one masked token per example, or it teaches nothing
        if not mask[r].any():
            cand = np.nonzero(maskable[r])[0]
            mask[r, cand[rng.integers(0, len(cand))]] = True
    noisy = np.where(mask, MASK_ID, ids)
    return noisy, ids, mask, t[:, 0], maskable.sum(1)
