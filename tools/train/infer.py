"""Torch entry point for golden outputs: run a trained checkpoint on GLiNER input tensors.

    from tools.train.infer import forward
    logits = forward("testdata/models/span-deberta", inputs)

`inputs` maps the ONNX input names to arrays (numpy, torch or nested lists):
input_ids, attention_mask, words_mask int64 [B,T]; text_lengths int64 [B,1];
for span models also span_idx int64 [B,W*K,2] and span_mask bool [B,W*K].
The result is a float32 numpy array with exactly the shape and layout of the
exported model.onnx `logits` ([B,W,K,C] for span models; [B,W,C,3] or
[3,B,W,C] for token-level models, as the folder's checkpoint says).
"""

import json
import os

import numpy as np
import torch

_CACHE = {}


def checkpoint_path(model):
    """(checkpoint path, token logits layout or None) for a model folder or a .pt file.

    A folder holds torch_model.pt, or a fixture.json whose "checkpoint" names
    one relative to the folder (token-deberta-old shares token-deberta-new's
    weights) and whose "token_logits_layout" gives the layout.
    """
    if not os.path.isdir(model):
        return model, None
    layout = None
    meta = {}
    fj = os.path.join(model, "fixture.json")
    if os.path.exists(fj):
        with open(fj) as f:
            meta = json.load(f)
        layout = meta.get("token_logits_layout")
    p = os.path.join(model, "torch_model.pt")
    if not os.path.exists(p) and meta.get("checkpoint"):
        p = os.path.join(model, meta["checkpoint"])
    return p, layout


def load(model):
    """Return (torch model in eval mode, checkpoint dict) for a folder or a .pt path (cached)."""
    from .export import load_checkpoint
    p, layout = checkpoint_path(model)
    key = (os.path.abspath(p), layout)
    if key not in _CACHE:
        net, ck = load_checkpoint(p)
        ck = dict(ck)
        if layout:
            ck["layout"] = layout
        _CACHE[key] = (net, ck)
    return _CACHE[key]


def forward(model, inputs):
    """Logits (numpy float32) of the checkpoint in `model` (folder or .pt) for `inputs` (see module doc)."""
    net, ck = load(model)

    def t(name, dtype):
        v = inputs[name]
        if isinstance(v, torch.Tensor):
            return v.to(dtype)
        return torch.as_tensor(np.asarray(v), dtype=dtype)

    args = [t("input_ids", torch.long), t("attention_mask", torch.long), t("words_mask", torch.long),
            t("text_lengths", torch.long)]
    span = ck["cfg"]["span_mode"] != "token_level"
    if span:
        args += [t("span_idx", torch.long), t("span_mask", torch.bool)]
    with torch.no_grad():
        out = net(*args)
    if not span and ck.get("layout") == "old":
        out = out.permute(3, 0, 1, 2)
    return out.contiguous().numpy().astype(np.float32)
