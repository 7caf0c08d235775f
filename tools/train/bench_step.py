"""Time training steps of two presets in one process, interleaved (same machine load for both).

    /usr/bin/python3 -m tools.train.bench_step --shared testdata/shared [--a default --b default-v1] \\
        [--steps 10 --rounds 3 --limit 1500]

Builds both presets' models on the same sentences (`limit` per corpus),
then runs `rounds` x (steps of A, steps of B) single-threaded with the same
batches and prints seconds per step of each round and the median ratio A/B.
A full run's time is then about the B run's known time times the ratio
(the run's evaluation and data loading aside).
"""

import argparse
import json
import random
import statistics
import time

import torch

from . import inputs as I
from . import tok as tokmod
from . import train as TR
from .model import GLiNER


def build(preset, tok, train, seed=42):
    P = json.loads(json.dumps(TR.PRESETS[preset]))
    tables = None
    if P.get("input_tables"):
        tables = I.input_tables(tok, TR.count_ids(tok, train), P["min_count"], P["hash_buckets"],
                                TR.label_word_ids(tok.encode_word), P.get("affix_buckets", 0))
        remap, n_rows, special = tables["remap"], tables["n_rows"], tables["special_rows"]
    else:
        remap, n_rows, _, special = TR.build_vocab(tok, train, P["min_count"])
    cfg = dict(span_mode=P["span_mode"], max_width=P["max_width"], hidden_size=P["hidden_size"],
               class_token_index=tok.ent_id, num_rnn_layers=1, dropout=P["dropout"], encoder=P["encoder"],
               max_len=384, max_types=25, embed_ent_token=P.get("embed_ent_token", True),
               word_pool=P.get("word_pool", "first"), span_dropout=P.get("span_dropout", P["dropout"]),
               affix_buckets=P.get("affix_buckets", 0))
    torch.manual_seed(seed)
    model = GLiNER(cfg, remap, n_rows, 0, special, tables)
    model.token_rep_layer.row_dropout = P["row_dropout"]
    opt = torch.optim.AdamW(model.parameters(), lr=P["lr"], weight_decay=P["weight_decay"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    return P, model, opt, sched


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--a", default="default")
    ap.add_argument("--b", default="default-v1")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--limit", type=int, default=1500)
    a = ap.parse_args()
    from . import blas
    blas.reexec_with_openblas(1)
    torch.set_num_threads(1)
    tok = tokmod.load("deberta-v3", a.shared)
    P0 = dict(TR.PRESETS[a.b], train={k: a.limit for k in TR.PRESETS[a.b]["train"]}, devel_limit=1)
    train, _ = TR.load_training(P0, tok, a.shared, say=lambda m: None)
    runs = {name: build(name, tok, train) for name in (a.a, a.b)}
    order = TR.D.batches(train, P0["batch_size"], random.Random(0), key_len=lambda s: len(s.words))
    per = {a.a: [], a.b: []}
    pos = 0
    for r in range(a.rounds):
        batches = [[train[j] for j in order[(pos + i) % len(order)]] for i in range(a.steps)]
        pos += a.steps
        for name in (a.a, a.b):
            P, model, opt, sched = runs[name]
            rng = random.Random(r)
            t0 = time.time()
            for b in batches:
                TR.train_step(model, opt, sched, b, tok, rng, P, TR.LOSS)
            per[name].append((time.time() - t0) / a.steps)
        print("round %d: %s %.3f s/step, %s %.3f s/step, ratio %.3f" % (
            r + 1, a.a, per[a.a][-1], a.b, per[a.b][-1], per[a.a][-1] / per[a.b][-1]), flush=True)
    ratio = statistics.median(x / y for x, y in zip(per[a.a], per[a.b]))
    print("median ratio %s/%s: %.3f" % (a.a, a.b, ratio))


if __name__ == "__main__":
    main()
