"""Train a GLiNER-architecture model from scratch on the shared biomedical corpora.

    /usr/bin/python3 -m tools.train.train --preset default --shared ../shared \\
        --workdir /tmp/gliner-default --export-dir internal/builtin/model

Seeded and deterministic on CPU (same seed, same thread count -> same weights).
AdamW, linear warm-up/decay, BCE over every valid (span, class) pair as GLiNER
does (focal loss with alpha=-1, gamma=0 is plain BCE), early stopping on the
devel splits' strict micro F1 with flat greedy decoding at threshold 0.5.
Each new best is saved as <workdir>/best.pt and, with --export-dir, exported
as a complete model folder at once, so a usable model exists whenever the run
is stopped.
"""

import argparse
import json
import math
import os
import random
import shutil
import sys
import time

import torch

from . import data as D
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
    # The built-in model (issue 7): under 90 minutes on 2 cores.
    "default": dict(
        span_mode="markerV0", max_width=12, hidden_size=128,
        encoder=dict(emb_dim=128, d_model=128, n_layers=2, n_heads=4, ffn_dim=512, dropout=0.1),
        dropout=0.1, lr=1.5e-3, weight_decay=0.01, batch_size=12, steps=8000, warmup=200, eval_every=1000,
        embed_ent_token=False,
        train=dict(ncbi_disease=0, bc5cdr=0, bc2gm=0), devel_limit=600, min_count=2,
        row_dropout=0.05, empty_keep=0.25, threads=2, max_minutes=75, patience=3, devel_shuffle=True,
        calib_steps=1500, calib_lr=3e-4, calib_eval_every=500, calib_max_minutes=12,
    ),
}

CORPUS_NAMES = {"ncbi_disease": "ncbi-disease", "bc5cdr": "bc5cdr", "bc2gm": "bc2gm", "jnlpba": "jnlpba"}


def log(msg, f=None):
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    if f:
        f.write(line + "\n")
        f.flush()


def build_vocab(tok, sentences, min_count):
    """Return (remap LongTensor[vocab], n_rows, unk_row, special_rows)."""
    counts = {}
    for s in sentences:
        for w in s.words:
            for i in tok.encode_word(w):
                counts[i] = counts.get(i, 0) + 1
    keep = set(i for i, c in counts.items() if c >= min_count)
    for phr in D.PHRASINGS.values():
        for p in phr:
            keep.update(tok.encode_word(p))
    for n in D.NEGATIVES:
        keep.update(tok.encode_word(n))
    special = sorted(set(tok.special_ids()))
    keep.difference_update(special)
    remap = torch.zeros(tok.vocab_size, dtype=torch.long)  # row 0 = UNK row for unseen ids
    unk_row = 0
    row = 1
    special_rows = []
    for i in special:
        if i == tok.unk_id:
            remap[i] = unk_row
            continue
        remap[i] = row
        special_rows.append(row)
        row += 1
    for i in sorted(keep):
        remap[i] = row
        row += 1
    return remap, row, unk_row, special_rows


def greedy_flat(cands):
    """cands: list of (score, s, e, c) in (s,k,c) enumeration order -> kept list (spec §5.2, flat)."""
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
    """Token-level decoding (spec §5.4) on [B,W,C,3] logits, flat greedy."""
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


def evaluate(model, tok, sentences, cfg, batch_size=32):
    """Strict micro P/R/F1 with flat greedy decoding at 0.5 over canonical labels."""
    model.eval()
    tp = fp = fn = 0
    rng = random.Random(0)
    exs = [D.make_example(s, rng, cfg["max_width"], train=False) for s in sentences]
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
            for (words, labels, gold), pred in zip(bex, preds):
                g = set((s, e, c) for s, e, c in gold)
                p = set((s, e, c) for _, s, e, c in pred)
                tp += len(g & p)
                fp += len(p - g)
                fn += len(g - p)
    model.train()
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return dict(p=prec, r=rec, f1=f1, tp=tp, fp=fp, fn=fn)


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
    K = logits.shape[2]
    B, W = logits.shape[0], logits.shape[1]
    valid = d["span_mask"].view(B, W, K, 1) & d["class_mask"].view(B, 1, 1, -1)
    l = focal_loss(logits, d["labels"], loss["alpha"], loss["gamma"])
    return (l * valid).sum() / B


def token_loss(logits, d, examples, loss=LOSS):
    B, W, C, _ = logits.shape
    y = D.token_targets(examples, W, C)
    wmask = torch.arange(W).view(1, -1) < d["text_lengths"]
    valid = wmask.view(B, W, 1, 1) & d["class_mask"].view(B, 1, C, 1)
    l = focal_loss(logits, y, loss["alpha"], loss["gamma"])
    return (l * valid).sum() / B



def train_step(model, opt, sched, sentences, tok, rng, P, loss_kind):
    """One optimisation step on a batch of sentences with the given loss
    (LOSS: GLiNER's focal loss; BCE: plain binary cross-entropy); returns
    the batch loss."""
    exs = [D.make_example(s, rng, P["max_width"]) for s in sentences]
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
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    return float(loss)

def load_training(P, tok, shared, log_f=None):
    train, devel = [], {}
    for key, limit in P["train"].items():
        corpus = CORPUS_NAMES[key]
        split = "devel" if corpus == "jnlpba" else "train"
        sents = D.load_corpus(shared, corpus, split, tok)
        rng = random.Random(1234)
        rng.shuffle(sents)
        if limit:
            sents = sents[:limit]
        train.extend(sents)
        if corpus != "jnlpba":
            dv = D.load_corpus(shared, corpus, "devel", tok)
            if P.get("devel_limit"):
                if P.get("devel_shuffle"):
                    random.Random(99).shuffle(dv)
                dv = dv[:P["devel_limit"]]
            devel[corpus] = dv
        log("loaded %s %s: %d sentences, %d entities" % (corpus, split, len(sents),
                                                         sum(len(s.spans) for s in sents)), log_f)
    return train, devel


def run(preset, shared, workdir, tokenizer="deberta-v3", seed=42, export_dir=None, overrides=None, name=None,
        layouts=("new",), stage2_from=None):
    P = json.loads(json.dumps(PRESETS[preset]))
    if overrides:
        for k, v in overrides.items():
            P[k] = v
    os.makedirs(workdir, exist_ok=True)
    log_f = open(os.path.join(workdir, "train.log"), "a")
    torch.set_num_threads(P["threads"])
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tok = tokmod.load(tokenizer, shared)
    log("preset %s tokenizer %s seed %d: %s" % (preset, tokenizer, seed, json.dumps(P)), log_f)
    train, devel = load_training(P, tok, shared, log_f)
    # Down-sample sentences without entities (most of BC2GM's), deterministically.
    kept = [s for s in train if s.spans or rng.random() < P["empty_keep"]]
    log("training sentences: %d (of %d; empty kept with p=%.2f)" % (len(kept), len(train), P["empty_keep"]), log_f)
    train = kept
    remap, n_rows, unk_row, special_rows = build_vocab(tok, train, P["min_count"])
    log("embedding rows: %d" % n_rows, log_f)
    cfg = dict(span_mode=P["span_mode"], max_width=P["max_width"], hidden_size=P["hidden_size"],
               class_token_index=tok.ent_id, num_rnn_layers=1, dropout=P["dropout"], encoder=P["encoder"],
               max_len=384, max_types=25, embed_ent_token=P.get("embed_ent_token", True))
    model = GLiNER(cfg, remap, n_rows, unk_row, special_rows)
    model.token_rep_layer.row_dropout = P["row_dropout"]
    nparams = sum(p.numel() for p in model.parameters())
    log("parameters: %d" % nparams, log_f)
    opt = torch.optim.AdamW(model.parameters(), lr=P["lr"], weight_decay=P["weight_decay"])
    bs = P["batch_size"]
    steps_per_epoch = math.ceil(len(train) / bs)
    total = P["steps"] or steps_per_epoch * P["epochs"]
    warm = P["warmup"]
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.05, 1.0 - s / max(1, total)))
    eval_every = P["eval_every"] or steps_per_epoch
    log("steps: %d (%d per epoch), eval every %d" % (total, steps_per_epoch, eval_every), log_f)
    t0 = time.time()
    step, best, bad = 0, -1.0, 0
    history = []
    ckpt_base = dict(cfg=cfg, n_rows=n_rows, unk_row=unk_row, tokenizer=tokenizer, preset=preset, seed=seed,
                     name=name or ("gliner-go-" + preset))
    stop = stage2_from is not None
    timed_out = False
    epoch = 0
    model.train()
    while not stop:
        epoch += 1
        order = D.batches(train, bs, rng, key_len=lambda s: len(s.words))
        run_loss, nb = 0.0, 0
        for bidx in order:
            run_loss += train_step(model, opt, sched, [train[j] for j in bidx], tok, rng, P, LOSS)
            step += 1
            nb += 1
            if step % 100 == 0:
                log("epoch %d step %d/%d loss %.4f lr %.2e %.1f min" % (
                    epoch, step, total, run_loss / nb, sched.get_last_lr()[0], (time.time() - t0) / 60), log_f)
                run_loss, nb = 0.0, 0
            timeout = (time.time() - t0) / 60 > P["max_minutes"]
            if step % eval_every == 0 or step >= total or timeout:
                scores = {c: evaluate(model, tok, dv, cfg) for c, dv in devel.items()}
                avg = sum(s["f1"] for s in scores.values()) / len(scores)
                history.append(dict(step=step, epoch=epoch, minutes=round((time.time() - t0) / 60, 1),
                                    scores=scores, avg_f1=avg))
                log("EVAL epoch %d step %d: %s avg %.4f (%.1f min)" % (epoch, step, " ".join(
                    "%s P %.3f R %.3f F1 %.4f" % (c, s["p"], s["r"], s["f1"]) for c, s in scores.items()), avg,
                    (time.time() - t0) / 60), log_f)
                if avg > best:
                    best, bad = avg, 0
                    ck = dict(ckpt_base, state_dict=model.state_dict(), step=step, epoch=epoch, devel=scores,
                              history=history)
                    torch.save(ck, os.path.join(workdir, "best.pt"))
                    log("new best %.4f saved" % avg, log_f)
                    if export_dir:
                        do_export(os.path.join(workdir, "best.pt"), export_dir, tok, shared, layouts, log_f)
                else:
                    bad += 1
                    # keep the history in the best checkpoint current
                    bp = os.path.join(workdir, "best.pt")
                    ck = torch.load(bp)
                    ck["history"] = history
                    torch.save(ck, bp)
                    if bad >= P["patience"]:
                        log("early stop: no improvement for %d evaluations" % bad, log_f)
                        stop = True
                if timeout:
                    log("time budget of %d minutes reached: stopping" % P["max_minutes"], log_f)
                    stop = True
                    timed_out = True
                model.train()
            if step >= total:
                stop = True
            if stop:
                break
    if stage2_from is None:
        log("stage 1 done: best avg devel F1 %.4f after %.1f min" % (best, (time.time() - t0) / 60), log_f)
    if P.get("calib_steps"):
        bp = os.path.join(workdir, "best.pt")
        if stage2_from is not None:
            ck = torch.load(stage2_from)
            if os.path.abspath(stage2_from) != os.path.abspath(bp):
                torch.save(ck, bp)
            history = ck.get("history", [])
            best = max(h["avg_f1"] for h in history) if history else -1.0
            step = ck["step"]
            log("stage 2 from %s (step %d, best avg devel F1 %.4f)" % (stage2_from, step, best), log_f)
        best = calibrate(P, model, tok, train, devel, cfg, workdir, seed, best, history, step, ckpt_base,
                         export_dir, shared, layouts, log_f)
    log("done: best avg devel F1 %.4f after %.1f min" % (best, (time.time() - t0) / 60), log_f)
    return os.path.join(workdir, "best.pt")


def calibrate(P, model, tok, train, devel, cfg, workdir, seed, best, history, step0, ckpt_base, export_dir, shared,
              layouts, log_f):
    """Stage 2: continue from the best stage-1 checkpoint with plain BCE (GLiNER's focal
    loss with alpha=-1, gamma=0) at a lower learning rate.

    The focal loss (alpha 0.75, gamma 2) learns fast from scratch but leaves
    scores compressed around 0.5 (many false positives at the 0.5 threshold);
    BCE restores calibration. Same early-stopping criterion and best checkpoint.
    """
    bp = os.path.join(workdir, "best.pt")
    ck = torch.load(bp)
    model.load_state_dict(ck["state_dict"])
    torch.manual_seed(seed + 1)
    rng = random.Random(seed + 1)
    total = P["calib_steps"]
    opt = torch.optim.AdamW(model.parameters(), lr=P["calib_lr"], weight_decay=P["weight_decay"])
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 50) * max(0.05, 1.0 - s / max(1, total)))
    eval_every = P.get("calib_eval_every") or P["eval_every"]
    bs = P["batch_size"]
    t0 = time.time()
    step, bad = 0, 0
    log("stage 2 (BCE calibration): %d steps, lr %.2e, eval every %d" % (total, P["calib_lr"], eval_every), log_f)
    model.train()
    stop = False
    while not stop:
        order = D.batches(train, bs, rng, key_len=lambda s: len(s.words))
        run_loss, nb = 0.0, 0
        for bidx in order:
            run_loss += train_step(model, opt, sched, [train[j] for j in bidx], tok, rng, P, BCE)
            step += 1
            nb += 1
            if step % 100 == 0:
                log("stage 2 step %d/%d loss %.4f lr %.2e %.1f min" % (
                    step, total, run_loss / nb, sched.get_last_lr()[0], (time.time() - t0) / 60), log_f)
                run_loss, nb = 0.0, 0
            timeout = (time.time() - t0) / 60 > P.get("calib_max_minutes", 30)
            if step % eval_every == 0 or step >= total or timeout:
                scores = {c: evaluate(model, tok, dv, cfg) for c, dv in devel.items()}
                avg = sum(s["f1"] for s in scores.values()) / len(scores)
                history.append(dict(stage=2, step=step0 + step, minutes=round((time.time() - t0) / 60, 1),
                                    scores=scores, avg_f1=avg))
                log("EVAL stage 2 step %d: %s avg %.4f (%.1f min)" % (step, " ".join(
                    "%s P %.3f R %.3f F1 %.4f" % (c, s["p"], s["r"], s["f1"]) for c, s in scores.items()), avg,
                    (time.time() - t0) / 60), log_f)
                if avg > best:
                    best, bad = avg, 0
                    ck = dict(ckpt_base, state_dict=model.state_dict(), step=step0 + step, stage=2, devel=scores,
                              history=history)
                    torch.save(ck, bp)
                    log("new best %.4f saved" % avg, log_f)
                    if export_dir:
                        do_export(bp, export_dir, tok, shared, layouts, log_f)
                else:
                    bad += 1
                    ck = torch.load(bp)
                    ck["history"] = history
                    torch.save(ck, bp)
                    if bad >= P["patience"]:
                        log("stage 2 early stop: no improvement for %d evaluations" % bad, log_f)
                        stop = True
                if timeout:
                    log("stage 2 time budget reached: stopping", log_f)
                    stop = True
                model.train()
            if step >= total:
                stop = True
            if stop:
                break
    return best


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
    run(a.preset, a.shared, a.workdir, a.tokenizer, a.seed, a.export_dir, ov, stage2_from=a.stage2_from)


if __name__ == "__main__":
    sys.exit(main())
