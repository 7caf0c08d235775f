"""The reference's markerV0 span head, for exports that must look like
published GLiNER graphs.

tools/train/model.py computes SpanMarkerV0 folded (W1 per word, W2 folded into
the labels). gliner 0.2.27 (span_rep.py SpanMarkerV0.forward, then the einsum
of the span model) computes the same function per span; a published
model.onnx has that structure. `use_reference_head(model)` makes a GLiNER
module export that way.
"""

import types

import torch


def gather(seq, idx):
    """The reference's extract_elements: seq [B, L, D] at idx [B, S] -> [B, S, D]."""
    return torch.gather(seq, 1, idx.unsqueeze(2).expand(-1, -1, seq.size(2)))


def reference_logits(self, h, span_idx, prompts):
    """einsum("BLKD,BCD->BLKC", out_project(relu(cat(start, end))), prompts)."""
    B, L, D = h.size()
    start = gather(self.project_start(h), span_idx[:, :, 0])
    end = gather(self.project_end(h), span_idx[:, :, 1])
    cat = torch.cat([start, end], dim=-1).relu()
    rep = self.out_project(cat).view(B, L, self.max_width, D)
    return torch.einsum("BLKD,BCD->BLKC", rep, prompts)


def use_reference_head(model):
    """Make model (a tools.train.model.GLiNER span model) compute its logits
    the reference's way."""
    head = model.span_rep_layer
    head.logits = types.MethodType(reference_logits, head)
    return model
