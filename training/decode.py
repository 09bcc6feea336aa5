"""Infill decoding over the PyTorch model, for evaluation (the product's sampler lives in the TypeScript engine).

Canvas [BOS] prefix MASK*gap suffix [EOS]. Each step reads the shifted rows (row j-1 predicts position j) of the
still-masked gap positions and commits, Fast-dLLM style, every position whose top probability is >= threshold (at
least the single most confident one); threshold=1.0 is plain one-token-per-step confidence decoding. A committed
end-of-text means "the answer ended": every mask after it in the gap becomes end-of-text too (Dream's
pad-EOS-to-the-right), and the text is cut at the first end-of-text.
"""
import torch

from training.common import BOS_ID, EOS_ID, MASK_ID


@torch.no_grad()
def fill(model, prefix, suffix, gap: int, threshold: float = 0.9, max_steps: int = None, block: int = 0,
         eos_after_text: bool = False, eos_penalty: float = 0.0, cache: bool = False):
    """Returns (middle token ids, number of forward passes). block > 0: Fast-dLLM block-wise (semi-autoregressive)
    decoding, the gap is decoded in fixed segments of `block` positions from left to right, all positions
    still being predicted at every step (so later segments' masks are context, not guesses).
    eos_after_text: end-of-text may only be committed right after committed text (or at the gap's first slot), so a
    weak model cannot end the answer at slot 2 while slot 1 is still undecided.
    eos_penalty: subtracted from the end-of-text logit (a length prior: the gaps' end-of-text padding makes it the
    most frequent training target, so an unsure model ends answers too early).
    cache: Fast-dLLM's dual cache, as the engine runs it (sampler.cache 'dual'): a full pass at each block start
    keeps every layer's keys/values; the block's later steps recompute only the block (and the row before it)."""
    x = torch.tensor([[BOS_ID] + list(prefix) + [MASK_ID] * gap + list(suffix) + [EOS_ID]], dtype=torch.long)
    start = 1 + len(prefix)
    end = start + gap
    forwards = 0
    cached_seg, ck, cv = None, None, None
    while True:
        masked = (x[0, start:end] == MASK_ID).nonzero(as_tuple=True)[0] + start
        if len(masked) == 0 or (max_steps is not None and forwards >= max_steps):
            break
        if not cache:
            logits = model(x, masked - 1).float()
        else:
            seg = (int(masked[0]) - start) // block if block > 0 else 0
            if block > 0:
                masked = masked[(masked - start) // block == seg]
            if seg != cached_seg:
                z = torch.zeros(model.cache_shape(x.shape[1]))
                logits, ck, cv = model.window_forward(x, torch.tensor([0]), z, z, masked - 1)
                cached_seg = seg
            else:
                lo = start + seg * block - 1 if block > 0 else start - 1
                hi = min(end, start + (seg + 1) * block) if block > 0 else end
                logits, ck, cv = model.window_forward(x[:, lo:hi], torch.tensor([lo]), ck, cv, masked - 1 - lo)
            logits = logits.float()
        forwards += 1
        logits[:, MASK_ID] = float("-inf")  # never "predict" a mask
        logits[:, BOS_ID] = float("-inf")
        if eos_penalty:
            logits[:, EOS_ID] -= eos_penalty
        if eos_after_text:
            left_open = (x[0, masked - 1] == MASK_ID) & (masked > start)
            logits[left_open, EOS_ID] = float("-inf")
        p = torch.softmax(logits, dim=-1)
        conf, tok = p.max(dim=-1)
        if block > 0:  # only the leftmost unfinished segment may commit
            seg = (int(masked[0]) - start) // block
            in_seg = (masked - start) // block == seg
            conf = torch.where(in_seg, conf, torch.full_like(conf, -1.0))
        take = conf >= threshold
        take[conf.argmax()] = True
        x[0, masked[take]] = tok[take]
        eos = (x[0, start:end] == EOS_ID).nonzero(as_tuple=True)[0]
        if len(eos):
            first = start + int(eos[0])
            tail = x[0, first:end]
            filled = tail == MASK_ID
            if bool(filled.any()):
                tail[filled] = EOS_ID
                cached_seg = None  # the fill changed slots outside the window: refresh the cache (as the engine does)
    gap_ids = x[0, start:end].tolist()
    if EOS_ID in gap_ids:
        gap_ids = gap_ids[:gap_ids.index(EOS_ID)]
    return [t for t in gap_ids if t != MASK_ID], forwards
