"""Train a GLiNER-architecture model from scratch on the shared biomedical corpora.

    /usr/bin/python3 -m tools.train.train --preset default --shared testdata/shared \\
        --workdir /tmp/gliner-default --export-dir internal/builtin/model

Seeded and deterministic on CPU (same seed, thread count and worker count ->
same weights); "workers" > 1 trains data-parallel in that many processes.
AdamW, linear warm-up/decay, BCE over every valid (span, class) pair as GLiNER
does (focal loss with alpha=-1, gamma=0 is plain BCE), early stopping on the
devel splits' strict micro F1 with flat greedy decoding at threshold 0.5.
Each new best is saved as <workdir>/best.pt and, with --export-dir, exported
as a complete model folder at once, so a usable model exists whenever the run
is stopped.
"""

import argparse
import contextlib
import json
import math
import os
import random
import shutil
import sys
import time

import torch

from . import data as D
from . import inputs as I
from . import tok as tokmod
from .model import GLiNER

PRESETS = {
    # Tiny model for test fixtures: a few minutes on one thread.
    "fixture": dict(
        span_mode="markerV0", max_width=12, hidden_size=64,
        encoder=dict(emb_dim=48, d_model=64, n_layers=2, n_heads=2, ffn_dim=128, dropout=0.1),
        dropout=0.1, lr=2e-3, weight_decay=0.01, batch_size=16, steps=900, warmup=50, eval_every=0,
        train=dict(ncbi_disease=2500, bc5cdr=2500, bc2gm=2500), devel_limit=300, min_count=1,
        row_dropout=0.05, empty_keep=0.3, threads=1, max_minutes=30, patience=99,
    ),
    # The first built-in model (issue 7; shipped until issue 18): under 90
    # minutes on 2 cores. Two single-threaded workers (data-parallel, 2 x 12
    # sentences a step): twice the sentences per second of one 2-thread
    # process here.
    "default-v1": dict(
        span_mode="markerV0", max_width=12, hidden_size=128,
        encoder=dict(emb_dim=128, d_model=128, n_layers=2, n_heads=4, ffn_dim=512, dropout=0.1),
        dropout=0.1, span_dropout=0.0, lr=2e-3, weight_decay=0.01, batch_size=12, steps=16000, warmup=300,
        eval_every=1000, embed_ent_token=False, word_pool="mean",
        train=dict(ncbi_disease=0, bc5cdr=0, bc2gm=0), repeat=dict(bc5cdr=2), devel_limit=600, min_count=2,
        row_dropout=0.05, empty_keep=0.25, threads=1, workers=2, max_minutes=64, patience=5, devel_shuffle=True,
        calib_steps=3000, calib_lr=3e-4, calib_eval_every=500, calib_max_minutes=14,
    ),
}

# The built-in model (issue 18): default-v1's architecture and schedule, plus
# - every known type in every prompt (85% of examples; else the corpus's own
#   types and each other one with p 1/2), with the loss masked for the types
#   the sentence's corpus does not annotate except on gold spans of other types
#   (negatives); devel scores prompt all three types, as users do;
# - casing augmentation of the mentions (augment.py);
# - case folding, 8,192 hashed bucket rows for unseen ids and a word-shape
#   embedding (inputs.py), with row dropout onto the bucket rows.
PRESETS["default-v2"] = dict(
    PRESETS["default-v1"], input_tables=True, hash_buckets=8192, row_dropout=0.08,
    prompt_types=["disease", "chemical", "gene"], all_types_p=0.85, devel_prompt="all",
    casing=dict(title=0.1, lower=0.05, upper=0.03, initial=0.15),
)

# The built-in model: default-v2 (above) with more data and steadier weights.
# Its first run's training loss kept falling (0.11 at step 11,000, 0.066 at
# 16,000) while devel F1 stayed flat: it ran out of data, not of capacity.
# - devel_train: the devel sentences not held out for model selection (each
#   corpus keeps its first devel_limit sentences in file order, whole
#   abstracts, for that) join the training data: BC5CDR's devel split is as
#   large as its train split;
# - affix_buckets: an embedding of each sub-word's suffixes and prefixes
#   (inputs.py), so that the many whole-word DeBERTa-v3 pieces the corpora
#   never contain ("▁metformin", "▁fluconazole", "▁uveitis") are not only
#   a hashed bucket row;
# - ema: the weights evaluated, saved and exported are an exponential moving
#   average of the trained ones (decay 0.999, about the last 1,000 steps);
# - one longer stage (20,000 steps, at most 80 minutes, no early stop);
#   default-v2's stage 2 never beat its stage 1;
# - NCBI-disease twice per epoch instead of BC5CDR, whose devel sentences
#   double its data: with BC5CDR twice as well, NCBI-disease's selection F1
#   fell below default-v2's (BC5CDR's disease mentions follow other rules).
PRESETS["default"] = dict(
    PRESETS["default-v2"], devel_train=True, affix_buckets=8192, ema=0.999, steps=20000, max_minutes=80,
    calib_steps=0, repeat=dict(ncbi_disease=2), patience=20,
)

CORPUS_NAMES = {"ncbi_disease": "ncbi-disease", "bc5cdr": "bc5cdr", "bc2gm": "bc2gm", "jnlpba": "jnlpba"}


def log(msg, f=None):
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    if f:
        f.write(line + "\n")
        f.flush()


def count_ids(tok, sentences):
    """{sub-word id: occurrences} over the words of the sentences (a
    repeated corpus counts once)."""
    counts = {}
    seen = set()
    for s in sentences:
        if id(s) in seen:
            continue
        seen.add(id(s))
        for w in s.words:
            for i in tok.encode_word(w):
                counts[i] = counts.get(i, 0) + 1
    return counts


def build_vocab(tok, sentences, min_count):
    """Return (remap LongTensor[vocab], n_rows, unk_row, special_rows)."""
    counts = count_ids(tok, sentences)
    keep = set(i for i, c in counts.items() if c >= min_count)
    keep.update(label_word_ids(tok.encode_word))
    return remap_rows(keep, tok.special_ids(), tok.unk_id, tok.vocab_size)


def label_word_ids(encode_word):
    """The sub-word ids of every label phrasing and negative label."""
    ids = set()
    for phr in D.PHRASINGS.values():
        for p in phr:
            ids.update(encode_word(p))
    for n in D.NEGATIVES:
        ids.update(encode_word(n))
    return ids


def remap_rows(keep, special, unk_id, vocab_size):
    """Embedding rows for a vocabulary: row 0 is the UNK row (unk_id and every
    id not kept), then one row per special id, then one per kept id, in id
    order. Returns (remap LongTensor[vocab_size], n_rows, unk_row 0,
    special_rows)."""
    special = sorted(set(special))
    keep = set(keep).difference(special)
    remap = torch.zeros(vocab_size, dtype=torch.long)
    row, special_rows = 1, []
    for i in special:
        if i == unk_id:
            continue
        remap[i] = row
        special_rows.append(row)
        row += 1
    for i in sorted(keep):
        remap[i] = row
        row += 1
    return remap, row, 0, special_rows


def greedy_flat(cands):
    """cands: list of (score, s, e, c) in (s,k,c) enumeration order -> kept list (docs/reference.md §5.2, flat)."""
    order = sorted(range(len(cands)), key=lambda i: -cands[i][0])
    kept = []
    for i in order:
        sc, s, e, c = cands[i]
        if any(not (s > q[2] or q[1] > e) for q in kept):
            continue
        kept.append(cands[i])
    return kept


def decode_span(logits, lengths, threshold=0.5):
    probs = torch.sigmoid(logits)
    out = []
    for b in range(probs.shape[0]):
        n = int(lengths[b])
        idx = (probs[b] > threshold).nonzero().tolist()
        cands = [(float(probs[b, s, k, c]), s, s + k, c) for s, k, c in idx if s + k < n]
        out.append(greedy_flat(cands))
    return out


def decode_token(logits, lengths, threshold=0.5):
    """Token-level decoding (docs/reference.md §5.4) on [B,W,C,3] logits, flat greedy."""
    p = torch.sigmoid(logits)
    out = []
    for b in range(p.shape[0]):
        n = int(lengths[b])
        ps, pe, pi = p[b, :n, :, 0], p[b, :n, :, 1], p[b, :n, :, 2]
        starts = (ps > threshold).nonzero().tolist()
        ends = (pe > threshold).nonzero().tolist()
        cands = []
        for st, c in starts:
            for ed, c2 in ends:
                if ed >= st and c == c2:
                    ins = pi[st:ed + 1, c]
                    if bool((ins < threshold).any()):
                        continue
                    sc = min(float(ins.min()), float(ps[st, c]), float(pe[ed, c]))
                    cands.append((sc, st, ed, c))
        out.append(greedy_flat(cands))
    return out


def evaluate(model, tok, sentences, cfg, batch_size=32, prompt=None):
    """Strict micro P/R/F1 with flat greedy decoding at 0.5 over canonical labels.

    prompt: None prompts each corpus's own types; a list of types (e.g.
    ["disease", "chemical", "gene"]) prompts all of them and scores only the
    corpus's own (predictions of the others are dropped, as gliner eval
    --extra-labels does)."""
    model.eval()
    tp = fp = fn = 0
    rng = random.Random(0)
    labels = [D.CANONICAL[t] for t in prompt] if prompt else None
    exs = [D.make_example(s, rng, cfg["max_width"], train=False, canonical_labels=labels) for s in sentences]
    order = sorted(range(len(exs)), key=lambda i: len(exs[i][0]))
    with torch.no_grad():
        for i in range(0, len(order), batch_size):
            bex = [exs[j] for j in order[i:i + batch_size]]
            d = D.encode(bex, tok, cfg["max_width"], with_targets=False)
            if cfg["span_mode"] == "token_level":
                logits = model(d["input_ids"], d["attention_mask"], d["words_mask"], d["text_lengths"])
                preds = decode_token(logits, d["text_lengths"][:, 0])
            else:
                logits = model(d["input_ids"], d["attention_mask"], d["words_mask"], d["text_lengths"],
                               d["span_idx"], d["span_mask"])
                preds = decode_span(logits, d["text_lengths"][:, 0])
            for (words, labels, gold, scored), pred in zip(bex, preds):
                g = set((s, e, c) for s, e, c in gold)
                p = set((s, e, c) for _, s, e, c in pred if scored[c])
                tp += len(g & p)
                fp += len(p - g)
                fn += len(g - p)
    model.train()
    return dict(prf(tp, fp, fn), tp=tp, fp=fp, fn=fn)


def prf(tp, fp, fn):
    """Micro precision, recall and F1 from counts: dict(p, r, f1)."""
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return dict(p=prec, r=rec, f1=2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def focal_loss(logits, targets, alpha, gamma):
    """GLiNER's focal_loss_with_logits (elementwise): alpha=-1, gamma=0 is plain BCE."""
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    if gamma == 0 and alpha < 0:
        return bce
    p = torch.sigmoid(logits)
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = bce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss


LOSS = dict(alpha=0.75, gamma=2.0)
BCE = dict(alpha=-1.0, gamma=0.0)


def span_loss(logits, d, loss=LOSS):
    """The loss summed over the supervised (span, class) pairs, divided by
    the batch size. A class the sentence's corpus does not annotate
    (class_known false) is supervised only on the gold spans of other
    classes (as negatives)."""
    K = logits.shape[2]
    B, W = logits.shape[0], logits.shape[1]
    valid = d["span_mask"].view(B, W, K, 1) & d["class_mask"].view(B, 1, 1, -1)
    valid = valid & (d["class_known"].view(B, 1, 1, -1) | d["gold_any"].view(B, W, K, 1))
    l = focal_loss(logits, d["labels"], loss["alpha"], loss["gamma"])
    return (l * valid).sum() / B


def token_loss(logits, d, examples, loss=LOSS):
    B, W, C, _ = logits.shape
    y = D.token_targets(examples, W, C)
    wmask = torch.arange(W).view(1, -1) < d["text_lengths"]
    valid = wmask.view(B, W, 1, 1) & d["class_mask"].view(B, 1, C, 1)
    l = focal_loss(logits, y, loss["alpha"], loss["gamma"])
    return (l * valid).sum() / B



def train_step(model, opt, sched, sentences, tok, rng, P, loss_kind, stop_flag=False):
    """One optimisation step on a batch of sentences with the given loss
    (LOSS: GLiNER's focal loss; BCE: plain binary cross-entropy); returns
    the batch loss and whether rank 0 asked to stop (stop_flag, e.g. its
    time budget ran out), agreed by all workers."""
    exs = [D.make_example(s, rng, P["max_width"], prompt_types=P.get("prompt_types"),
                          all_types_p=P.get("all_types_p", 1.0), casing=P.get("casing")) for s in sentences]
    d = D.encode(exs, tok, P["max_width"], with_targets=P["span_mode"] != "token_level")
    if P["span_mode"] == "token_level":
        logits = model(d["input_ids"], d["attention_mask"], d["words_mask"], d["text_lengths"])
        loss = token_loss(logits, d, exs, loss_kind)
    else:
        logits = model(d["input_ids"], d["attention_mask"], d["words_mask"], d["text_lengths"],
                       d["span_idx"], d["span_mask"])
        loss = span_loss(logits, d, loss_kind)
    opt.zero_grad()
    loss.backward()
    stop = sync_grads(model, stop_flag)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    return float(loss), stop


def world():
    """(rank, number of workers) of this training process."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def sync_grads(model, stop_flag=False):
    """Average the gradients over the workers (one all-reduce of a flat
    buffer) and agree on rank 0's stop flag; with one worker, return the flag.

    Every worker then holds the same averaged gradient, so the identical
    optimiser steps keep the replicas identical: the same as one process
    training on the workers' batches together.
    """
    rank, n = world()
    if n == 1:
        return stop_flag
    import torch.distributed as dist
    params = [p for p in model.parameters() if p.requires_grad]
    flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in params] +
                     [torch.tensor([1.0 if (stop_flag and rank == 0) else 0.0])])
    dist.all_reduce(flat)
    flat /= n
    off = 0
    for p in params:
        k = p.numel()
        g = flat[off:off + k].view_as(p)
        if p.grad is None:
            p.grad = g.clone()
        else:
            p.grad.copy_(g)
        off += k
    return bool(flat[-1] > 0)


def agree(flag):
    """Rank 0's boolean decision, on every worker."""
    rank, n = world()
    if n == 1:
        return flag
    import torch.distributed as dist
    t = torch.tensor([1 if flag else 0])
    dist.broadcast(t, 0)
    return bool(t[0])

def load_training(P, tok, shared, say=print):
    train, devel = [], {}
    for key, limit in P["train"].items():
        corpus = CORPUS_NAMES[key]
        split = "devel" if corpus == "jnlpba" else "train"
        sents = D.load_corpus(shared, corpus, split, tok)
        rng = random.Random(1234)
        rng.shuffle(sents)
        if limit:
            sents = sents[:limit]
        # A corpus listed in "repeat" is used that many times per epoch.
        train.extend(sents * int(P.get("repeat", {}).get(key, 1)))
        if corpus != "jnlpba":
            dv = D.load_corpus(shared, corpus, "devel", tok)
            rest = []
            if P.get("devel_train"):
                # Model selection keeps the first devel_limit sentences in file
                # order (whole abstracts, so that no abstract's mentions are on
                # both sides, bar one at the cut); the rest is training data
                # too, with the corpus's repeat count.
                dv, rest = dv[:P["devel_limit"]], dv[P["devel_limit"]:]
                train.extend(rest * int(P.get("repeat", {}).get(key, 1)))
            elif P.get("devel_limit"):
                if P.get("devel_shuffle"):
                    random.Random(99).shuffle(dv)
                dv = dv[:P["devel_limit"]]
            devel[corpus] = dv
            if rest:
                say("loaded %s devel beyond the first %d: %d sentences, %d entities" % (
                    corpus, len(dv), len(rest), sum(len(s.spans) for s in rest)))
        say("loaded %s %s: %d sentences, %d entities" % (corpus, split, len(sents),
                                                         sum(len(s.spans) for s in sents)))
    return train, devel


def run(preset, shared, workdir, tokenizer="deberta-v3", seed=42, export_dir=None, overrides=None, name=None,
        layouts=("new",), stage2_from=None):
    """Train (stage 1, then the optional stage 2) and return the path of best.pt.

    With the preset value "workers" > 1, call it in every worker process
    after torch.distributed is initialised (main() does that): the workers
    share the data order, each trains on its own batch of every step, and
    the gradients are averaged, so a step sees workers x batch_size
    sentences. Only rank 0 logs, evaluates, saves and exports.
    """
    P = json.loads(json.dumps(PRESETS[preset]))
    if overrides:
        for k, v in overrides.items():
            P[k] = v
    rank, n = world()
    os.makedirs(workdir, exist_ok=True)
    log_f = open(os.path.join(workdir, "train.log"), "a") if rank == 0 else None
    say = (lambda msg: log(msg, log_f)) if rank == 0 else (lambda msg: None)
    torch.set_num_threads(P["threads"])
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tok = tokmod.load(tokenizer, shared)
    say("preset %s tokenizer %s seed %d workers %d: %s" % (preset, tokenizer, seed, n, json.dumps(P)))
    train, devel = load_training(P, tok, shared, say)
    # Down-sample sentences without entities (most of BC2GM's), deterministically.
    kept = [s for s in train if s.spans or rng.random() < P["empty_keep"]]
    say("training sentences: %d (of %d; empty kept with p=%.2f)" % (len(kept), len(train), P["empty_keep"]))
    train = kept
    tables = None
    if P.get("input_tables"):
        tables = I.input_tables(tok, count_ids(tok, train), P["min_count"], P["hash_buckets"],
                                label_word_ids(tok.encode_word), P.get("affix_buckets", 0))
        remap, n_rows, unk_row, special_rows = tables["remap"], tables["n_rows"], 0, tables["special_rows"]
        say("embedding rows: %d (%d hashed buckets), case folding and word shapes%s" % (
            n_rows, P["hash_buckets"], ", %d affix buckets" % P["affix_buckets"] if P.get("affix_buckets") else ""))
    else:
        remap, n_rows, unk_row, special_rows = build_vocab(tok, train, P["min_count"])
        say("embedding rows: %d" % n_rows)
    cfg = dict(span_mode=P["span_mode"], max_width=P["max_width"], hidden_size=P["hidden_size"],
               class_token_index=tok.ent_id, num_rnn_layers=1, dropout=P["dropout"], encoder=P["encoder"],
               max_len=384, max_types=25, embed_ent_token=P.get("embed_ent_token", True),
               word_pool=P.get("word_pool", "first"), span_dropout=P.get("span_dropout", P["dropout"]))
    if tables is not None:
        cfg.update(input_tables=True, hash_buckets=P["hash_buckets"])
        if P.get("affix_buckets"):
            cfg["affix_buckets"] = P["affix_buckets"]
    model = GLiNER(cfg, remap, n_rows, unk_row, special_rows, tables)
    model.token_rep_layer.row_dropout = P["row_dropout"]
    say("parameters: %d" % sum(p.numel() for p in model.parameters()))
    ckpt_base = dict(cfg=cfg, n_rows=n_rows, unk_row=unk_row, tokenizer=tokenizer, preset=preset, seed=seed,
                     workers=n, name=name or ("gliner-go-" + preset))
    tr = Trainer(P, model, tok, train, devel, cfg, workdir, ckpt_base, export_dir, shared, layouts, say)
    t0 = time.time()
    if stage2_from is None:
        # One worker: the same random stream orders the data and builds the
        # examples (as before workers existed); several: a shared stream
        # orders the batches and each worker draws its own examples.
        ex_rng = rng if n == 1 else random.Random(seed * 7919 + rank)
        if rank:
            torch.manual_seed(seed * 7919 + rank)
        opt = torch.optim.AdamW(model.parameters(), lr=P["lr"], weight_decay=P["weight_decay"])
        tr.stage(1, opt, LOSS, P["steps"], P["warmup"], P["eval_every"], P["max_minutes"], rng, ex_rng, 0)
        say("stage 1 done: best avg devel F1 %.4f after %.1f min" % (tr.best, (time.time() - t0) / 60))
    if P.get("calib_steps"):
        bp = os.path.join(workdir, "best.pt")
        if stage2_from is not None:
            ck = torch.load(stage2_from)
            if rank == 0 and os.path.abspath(stage2_from) != os.path.abspath(bp):
                torch.save(ck, bp)
            agree(True)  # every worker waits for rank 0's copy
            tr.history = ck.get("history", [])
            tr.best = max(h["avg_f1"] for h in tr.history) if tr.history else -1.0
            tr.step = ck["step"]
            say("stage 2 from %s (step %d, best avg devel F1 %.4f)" % (stage2_from, tr.step, tr.best))
        calibrate(tr, seed)
    say("done: best avg devel F1 %.4f after %.1f min" % (tr.best, (time.time() - t0) / 60))
    return os.path.join(workdir, "best.pt")


def calibrate(tr, seed):
    """Stage 2: continue from the best stage-1 checkpoint with plain BCE (GLiNER's focal
    loss with alpha=-1, gamma=0) at a lower learning rate.

    The focal loss (alpha 0.75, gamma 2) learns fast from scratch but leaves
    scores compressed around 0.5 (many false positives at the 0.5 threshold);
    BCE restores calibration. Same early-stopping criterion and best checkpoint.
    """
    P = tr.P
    rank, n = world()
    ck = torch.load(os.path.join(tr.workdir, "best.pt"))
    tr.model.load_state_dict(ck["state_dict"])
    torch.manual_seed(seed + 1 if rank == 0 else (seed + 1) * 7919 + rank)
    rng = random.Random(seed + 1)
    ex_rng = rng if n == 1 else random.Random((seed + 1) * 7919 + rank)
    opt = torch.optim.AdamW(tr.model.parameters(), lr=P["calib_lr"], weight_decay=P["weight_decay"])
    tr.say("stage 2 (BCE calibration): %d steps, lr %.2e" % (P["calib_steps"], P["calib_lr"]))
    tr.stage(2, opt, BCE, P["calib_steps"], 50, P.get("calib_eval_every") or P["eval_every"],
             P.get("calib_max_minutes", 30), rng, ex_rng, tr.step)
    return tr.best


class Trainer:
    """The state both training stages share: model, data, devel scores and
    the best checkpoint (`best.pt` in workdir, exported on every new best)."""

    def __init__(self, P, model, tok, train, devel, cfg, workdir, ckpt_base, export_dir, shared, layouts, say):
        self.P, self.model, self.tok, self.train, self.devel, self.cfg = P, model, tok, train, devel, cfg
        self.workdir, self.ckpt_base, self.export_dir, self.shared, self.layouts = (
            workdir, ckpt_base, export_dir, shared, layouts)
        self.say = say
        self.best, self.history, self.step = -1.0, [], 0
        self.ema = None

    def ema_reset(self):
        """Start the weight average of a stage (preset "ema": its decay) from the current weights."""
        if self.P.get("ema") and world()[0] == 0:
            self.ema = Average(self.model, self.P["ema"])

    def stage(self, stage, opt, loss_kind, total, warm, eval_every, max_minutes, order_rng, ex_rng, step0):
        """Train `total` steps (linear warm-up and decay) with early stopping
        on the mean devel F1, at most max_minutes; updates best/history/step."""
        P, model = self.P, self.model
        rank, n = world()
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / warm) * max(0.05, 1.0 - s / max(1, total)))
        bs = P["batch_size"]
        steps_per_epoch = math.ceil(len(self.train) / (bs * n))
        eval_every = eval_every or steps_per_epoch
        self.say("stage %d: %d steps of %d x %d sentences (%d per epoch), eval every %d" % (
            stage, total, n, bs, steps_per_epoch, eval_every))
        t0 = time.time()
        step, bad, epoch, stop = 0, 0, 0, False
        self.ema_reset()
        model.train()
        while not stop:
            epoch += 1
            order = D.batches(self.train, bs, order_rng, key_len=lambda s: len(s.words))
            run_loss, nb = 0.0, 0
            for i in range(0, len(order) - n + 1, n):
                late = rank == 0 and (time.time() - t0) / 60 > max_minutes
                loss, timeout = train_step(model, opt, sched, [self.train[j] for j in order[i + rank]], self.tok,
                                           ex_rng, P, loss_kind, stop_flag=late)
                if self.ema is not None:
                    self.ema.update()
                run_loss += loss
                step += 1
                nb += 1
                if step % 100 == 0:
                    self.say("stage %d epoch %d step %d/%d loss %.4f lr %.2e %.1f min" % (
                        stage, epoch, step, total, run_loss / nb, sched.get_last_lr()[0], (time.time() - t0) / 60))
                    run_loss, nb = 0.0, 0
                if step % eval_every == 0 or step >= total or timeout:
                    if rank == 0:
                        better = self.evaluate(stage, step0 + step, epoch, time.time() - t0)
                        bad = 0 if better else bad + 1
                        if bad >= P["patience"]:
                            self.say("early stop: no improvement for %d evaluations" % bad)
                            stop = True
                        if timeout:
                            self.say("time budget of %g minutes reached: stopping" % max_minutes)
                    stop = agree(stop or timeout)
                    model.train()
                if step >= total:
                    stop = True
                if stop:
                    break
        self.step = step0 + step

    def evaluate(self, stage, step, epoch, seconds):
        """Score the devel sets; save (and export) a new best. Rank 0 only."""
        prompt = self.P.get("prompt_types") if self.P.get("devel_prompt") == "all" else None
        with (self.ema.swapped() if self.ema is not None else contextlib.nullcontext()):
            return self._evaluate(stage, step, epoch, seconds, prompt)

    def _evaluate(self, stage, step, epoch, seconds, prompt):
        scores = {c: evaluate(self.model, self.tok, dv, self.cfg, prompt=prompt) for c, dv in self.devel.items()}
        avg = sum(s["f1"] for s in scores.values()) / len(scores)
        self.history.append(dict(stage=stage, step=step, epoch=epoch, minutes=round(seconds / 60, 1),
                                 scores=scores, avg_f1=avg))
        self.say("EVAL stage %d epoch %d step %d: %s avg %.4f (%.1f min)" % (stage, epoch, step, " ".join(
            "%s P %.3f R %.3f F1 %.4f" % (c, s["p"], s["r"], s["f1"]) for c, s in scores.items()), avg, seconds / 60))
        bp = os.path.join(self.workdir, "best.pt")
        if avg > self.best:
            self.best = avg
            ck = dict(self.ckpt_base, state_dict=self.model.state_dict(), step=step, epoch=epoch, stage=stage,
                      devel=scores, history=self.history)
            torch.save(ck, bp)
            self.say("new best %.4f saved" % avg)
            if self.export_dir:
                do_export(bp, self.export_dir, self.tok, self.shared, self.layouts, None)
            return True
        ck = torch.load(bp)  # keep the history in the best checkpoint current
        ck["history"] = self.history
        torch.save(ck, bp)
        return False


class Average:
    """An exponential moving average of a model's floating-point weights
    (Polyak averaging): after each optimiser step, avg = d*avg + (1-d)*w,
    with d = min(decay, (1+k)/(10+k)) at update k so that the first steps are
    not dominated by the initial weights. `swapped()` puts the average into
    the model for evaluation and saving, and the trained weights back after."""

    def __init__(self, model, decay):
        self.decay, self.k = decay, 0
        # The state dict's tensors share storage with the model's parameters and
        # buffers (the optimiser updates them in place), so they are looked up once.
        self.live = {n: t for n, t in model.state_dict().items() if t.is_floating_point()}
        self.avg = {n: t.clone() for n, t in self.live.items()}

    @torch.no_grad()
    def update(self):
        d = min(self.decay, (1 + self.k) / (10 + self.k))
        self.k += 1
        for n, a in self.avg.items():
            a.mul_(d).add_(self.live[n], alpha=1 - d)

    @contextlib.contextmanager
    def swapped(self):
        trained = {n: t.clone() for n, t in self.live.items()}
        with torch.no_grad():
            for n, t in self.live.items():
                t.copy_(self.avg[n])
        try:
            yield
        finally:
            with torch.no_grad():
                for n, t in self.live.items():
                    t.copy_(trained[n])


def do_export(ckpt, export_dir, tok, shared, layouts, log_f=None):
    from .export import export
    for lay in layouts:
        out = export_dir if len(layouts) == 1 else export_dir[lay]
        tmp = out.rstrip("/") + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        export(ckpt, tmp, lay, tok=tok, shared_dir=shared)
        # Keep files the exporter does not write (e.g. a README model card).
        os.makedirs(out, exist_ok=True)
        for fn in os.listdir(tmp):
            os.replace(os.path.join(tmp, fn), os.path.join(out, fn))
        os.rmdir(tmp)
        log("exported %s -> %s" % (ckpt, out), log_f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="default", choices=sorted(PRESETS))
    ap.add_argument("--shared", required=True, help="the shared folder (holds data/conll, data/tokenizers)")
    ap.add_argument("--workdir", required=True, help="where train.log and best.pt go")
    ap.add_argument("--tokenizer", default="deberta-v3", choices=["deberta-v3", "bert"])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--export-dir", default=None, help="export each new best here as a model folder")
    ap.add_argument("--set", action="append", default=[], help="override a preset value: key=json")
    ap.add_argument("--stage2-from", default=None,
                    help="skip stage 1 and run only the BCE calibration stage from this stage-1 best.pt "
                         "(same preset, seed and data give the same result as the full run)")
    a = ap.parse_args()
    from . import blas
    blas.reexec_with_openblas(1)
    ov = {}
    for kv in a.set:
        k, v = kv.split("=", 1)
        ov[k] = json.loads(v)
    args = (a.preset, a.shared, a.workdir, a.tokenizer, a.seed, a.export_dir, ov, None, ("new",), a.stage2_from)
    workers = int(ov.get("workers", PRESETS[a.preset].get("workers", 1)))
    if workers == 1:
        run(*args)
        return 0
    # Data-parallel training on one machine: one single-threaded process per
    # core (small-op training does not speed up with intra-op threads).
    import socket
    import torch.multiprocessing as mp
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    mp.spawn(_worker, args=(workers, port, args), nprocs=workers, join=True)
    return 0


def _worker(rank, workers, port, args):
    import torch.distributed as dist
    try:  # Linux: end with the parent (a killed run leaves no orphan workers)
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % port, rank=rank, world_size=workers)
    try:
        run(*args)
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
