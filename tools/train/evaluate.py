"""Score a checkpoint on whole CoNLL splits: strict micro P/R/F1, flat greedy decoding, threshold 0.5.

    /usr/bin/python3 -m tools.train.evaluate --checkpoint /tmp/gliner-default/best.pt \\
        --shared testdata/shared --split devel [--corpus ncbi-disease --corpus bc5cdr --corpus bc2gm]

Words come from GLiNER's regex over each CoNLL token; labels are the canonical
type names ("disease"; "chemical", "disease"; "gene"); gold mentions of any
length count (longer than max_width ones are misses).
"""

import argparse
import json
import time

import torch

from . import data as D
from . import tok as tokmod
from .export import load_checkpoint
from .train import evaluate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--split", default="devel")
    ap.add_argument("--corpus", action="append", default=[])
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    from . import blas
    blas.reexec_with_openblas(1)
    torch.set_num_threads(a.threads)
    model, ck = load_checkpoint(a.checkpoint)
    tok = tokmod.load(ck["tokenizer"], a.shared)
    out = {}
    for c in a.corpus or ["ncbi-disease", "bc5cdr", "bc2gm"]:
        t0 = time.time()
        sents = D.load_corpus(a.shared, c, a.split, tok)
        s = evaluate(model, tok, sents, ck["cfg"])
        s["sentences"] = len(sents)
        s["seconds"] = round(time.time() - t0, 1)
        out[c] = s
        print(c, json.dumps(s), flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
