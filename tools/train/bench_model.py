"""Build a random-weight GLiNER span model with gliner_small-v2.1's shapes, for
benchmarks (make bench-peers). The model is written under .cache/, never
committed.

    /usr/bin/python3 -m tools.train.bench_model --out .cache/bench-model [--seed 1]

Shapes: DeBERTa-v3 vocabulary (the real spm.model, 128,004 embedding rows),
a 6-layer Transformer encoder with hidden size 768 (12 heads, FFN 3072),
BiLSTM, markerV0 span head exported the reference's way (einsum of
out_project's span representations and the labels; see reference_head.py),
max_width 12, max_len 384. The encoder is this project's plain Transformer
(tools/train/model.py), not DeBERTa's disentangled attention, so the
arithmetic per token is close to but not the same as gliner_small's. The
inputs and output are the published span contract; the weights are torch's
default initialisation, so the entities mean nothing: the model is for
timing and for comparing implementations on the same graph.
"""

import argparse
import json
import os
import sys
import warnings

import torch

from . import export as E
from . import tok as T
from .model import GLiNER
from .reference_head import use_reference_head

SMALL = dict(
    span_mode="markerV0", max_width=12, hidden_size=768, max_len=384, dropout=0.4,
    encoder=dict(emb_dim=768, d_model=768, n_layers=6, n_heads=12, ffn_dim=3072, dropout=0.1),
)


def build(out_dir, shared, seed):
    torch.manual_seed(seed)
    tok = T.load("deberta-v3", shared)
    cfg = dict(SMALL, class_token_index=tok.ent_id)
    n = tok.vocab_size
    model = GLiNER(cfg, torch.arange(n), n, tok.unk_id, tok.special_ids())
    model.eval()
    use_reference_head(model)
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, "model.onnx")
    args = E.dummy_inputs(tok, True, cfg["max_width"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, args, onnx_path, input_names=E.SPAN_INPUTS, output_names=["logits"],
                          dynamic_axes=E.SPAN_AXES, opset_version=14, do_constant_folding=True)
    E.check_onnx(onnx_path, E.SPAN_INPUTS, True)
    tok.save(out_dir)
    ck = {"cfg": cfg, "name": "gliner-go-bench-small-random", "n_rows": n}
    with open(os.path.join(out_dir, "gliner_config.json"), "w") as f:
        json.dump(E.gliner_config(ck, tok), f, indent=2)
    return onnx_path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shared", default=None, help="shared folder (default $GLINER_SHARED_DIR or testdata/shared)")
    a = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    shared = a.shared or os.environ.get("GLINER_SHARED_DIR") or os.path.join(repo, "testdata", "shared")
    torch.set_num_threads(2)
    print("wrote", build(a.out, shared, a.seed), file=sys.stderr)


if __name__ == "__main__":
    main()
