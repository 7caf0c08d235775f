"""Train the bi-encoder fixture (tools/biencoder/model.py) on the shared corpora.

    /usr/bin/python3 -m tools.biencoder.train --shared testdata/shared --out /tmp/bi/bi-span.pt [--minutes 8]

Text encoder over DeBERTa-v3 ids (the real spm.model), label encoder over the
uncased BERT WordPiece ids of all-MiniLM-L6-v2 (the label encoder family of
GLiNER-biomed bi-encoders). Training data: NCBI-disease and BC5CDR train
(disease, chemical) and BC2GM train (gene), GLiNER-style label phrasings plus
negative labels. All texts of a batch share one label set, as the bi-encoder
requires; (text, label) pairs whose type the text's corpus does not annotate
are left out of the loss. One thread, fixed seed: deterministic.
"""

import argparse
import os
import random
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tools.train import data as D  # noqa: E402
from tools.train import tok as tokmod  # noqa: E402
from tools.train.train import build_vocab, greedy_flat, label_word_ids, prf, remap_rows  # noqa: E402
from tools.biencoder.model import BiEncoderSpanModel  # noqa: E402

CFG = dict(
    span_mode="markerV0", max_width=12, hidden_size=64, max_len=384, dropout=0.1,
    encoder=dict(emb_dim=48, d_model=64, n_layers=2, n_heads=2, ffn_dim=128, dropout=0.1),
    labels_encoder=dict(emb_dim=32, d_model=48, n_layers=1, n_heads=2, ffn_dim=96, dropout=0.1),
)
TRAIN = dict(ncbi_disease=2500, bc5cdr=2500, bc2gm=2500)
LABEL_TOKENIZER = "all-minilm-l6-v2.tokenizer.json"


class LabelTokenizer:
    """[CLS] label pieces [SEP] with the uncased BERT WordPiece of all-MiniLM-L6-v2."""

    def __init__(self, shared):
        self.bert = tokmod.BertTokenizer(os.path.join(shared, "data", "tokenizers", LABEL_TOKENIZER))

    def encode(self, label):
        return [self.bert.cls_id] + self.bert.encode_word(label) + [self.bert.sep_id]

    def batch(self, labels):
        seqs = [self.encode(l) for l in labels]
        T = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), T), self.bert.pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), T), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, :len(s)] = torch.tensor(s)
            mask[i, :len(s)] = 1
        return ids, mask


def label_vocab(lt):
    """(remap over the BERT vocabulary, rows, unk_row, special_rows): every id of the
    training phrasings and negatives gets a row; any other id -> the UNK row."""
    b = lt.bert
    return remap_rows(label_word_ids(b.encode_word), {b.pad_id, b.cls_id, b.sep_id, b.unk_id}, b.unk_id,
                      len(b.vocab))


def encode_texts(words_list, tok, K):
    """Bi-encoder text tensors: [CLS] words [SEP], no prompt, words_mask from 1 (docs/reference.md §6)."""
    seqs, wms = [], []
    for words in words_list:
        ids, wm = [tok.cls_id], [0]
        for wi, w in enumerate(words):
            for j, p in enumerate(tok.encode_word(w)):
                ids.append(p)
                wm.append(wi + 1 if j == 0 else 0)
        ids.append(tok.sep_id)
        wm.append(0)
        seqs.append(ids)
        wms.append(wm)
    B, T, W = len(seqs), max(len(s) for s in seqs), max(len(w) for w in words_list)
    d = dict(input_ids=torch.full((B, T), tok.pad_id, dtype=torch.long),
             attention_mask=torch.zeros((B, T), dtype=torch.long),
             words_mask=torch.zeros((B, T), dtype=torch.long),
             text_lengths=torch.zeros((B, 1), dtype=torch.long),
             span_idx=torch.zeros((B, W * K, 2), dtype=torch.long),
             span_mask=torch.zeros((B, W * K), dtype=torch.bool))
    for b, words in enumerate(words_list):
        n = len(words)
        d["input_ids"][b, :len(seqs[b])] = torch.tensor(seqs[b])
        d["attention_mask"][b, :len(seqs[b])] = 1
        d["words_mask"][b, :len(seqs[b])] = torch.tensor(wms[b])
        d["text_lengths"][b, 0] = n
        s = torch.arange(n).repeat_interleave(K)
        k = torch.arange(K).repeat(n)
        d["span_idx"][b, :n * K, 0] = s
        d["span_idx"][b, :n * K, 1] = s + k
        d["span_mask"][b, :n * K] = (s + k) < n
    return d


def make_batch(sents, rng, tok, lt, K, train=True):
    """One shared label set per batch: a phrasing per entity type present in the
    batch's corpora, plus 0-4 negatives, shuffled."""
    types = sorted({t for s in sents for t in s.types})
    labels, tindex = [], {}
    for t in types:
        ph = D.PHRASINGS[t]
        p = ph[0] if (not train or rng.random() < 0.5) else rng.choice(ph)
        tindex[t] = len(labels)
        labels.append(p)
    negs = rng.sample(D.NEGATIVES, rng.randint(0, 4)) if train else []
    all_l = labels + negs
    order = list(range(len(all_l)))
    if train:
        rng.shuffle(order)
    pos = {old: new for new, old in enumerate(order)}
    labels = [all_l[i] for i in order]
    C = len(labels)
    words_list = [s.words[:CFG["max_len"]] for s in sents]
    d = encode_texts(words_list, tok, K)
    B, W = len(sents), d["span_idx"].shape[1] // K
    y = torch.zeros((B, W, K, C))
    cmask = torch.zeros((B, C), dtype=torch.bool)
    for b, s in enumerate(sents):
        for t, i in tindex.items():
            cmask[b, pos[i]] = t in s.types
        for j in range(len(labels) - len(negs), len(all_l)):
            cmask[b, pos[j]] = True
        for st, en, t in s.spans:
            if en < len(words_list[b]) and en - st < K:
                y[b, st, en - st, pos[tindex[t]]] = 1.0
    d["labels_input_ids"], d["labels_attention_mask"] = lt.batch(labels)
    return d, y, cmask, labels, tindex, pos


def forward(model, d):
    return model(input_ids=d["input_ids"], attention_mask=d["attention_mask"],
                 labels_input_ids=d["labels_input_ids"], labels_attention_mask=d["labels_attention_mask"],
                 words_mask=d["words_mask"], text_lengths=d["text_lengths"], span_idx=d["span_idx"],
                 span_mask=d["span_mask"]).logits


def evaluate(model, sents, tok, lt, K, bs=32):
    model.eval()
    tp = fp = fn = 0
    rng = random.Random(0)
    with torch.no_grad():
        for i in range(0, len(sents), bs):
            grp = sents[i:i + bs]
            d, y, cmask, labels, tindex, pos = make_batch(grp, rng, tok, lt, K, train=False)
            p = torch.sigmoid(forward(model, d))
            for b, s in enumerate(grp):
                n = min(len(s.words), CFG["max_len"])
                idx = (p[b] > 0.5).nonzero().tolist()
                cands = [(float(p[b, st, k, c]), st, st + k, c) for st, k, c in idx if st + k < n and cmask[b, c]]
                pred = {(st, e, c) for _, st, e, c in greedy_flat(cands)}
                gold = {(st, e, pos[tindex[t]]) for st, e, t in s.spans if e - st < K and e < n}
                tp += len(pred & gold)
                fp += len(pred - gold)
                fn += len(gold - pred)
    model.train()
    return prf(tp, fp, fn)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--out", required=True, help="checkpoint path (.pt)")
    ap.add_argument("--minutes", type=float, default=8.0)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--init", help="continue from this checkpoint's weights (same data and vocabularies)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    tok = tokmod.load("deberta-v3", a.shared)
    lt = LabelTokenizer(a.shared)
    train, devel = [], []
    for key, limit in TRAIN.items():
        corpus = key.replace("_", "-")
        s = D.load_corpus(a.shared, corpus, "train", tok)
        random.Random(1234).shuffle(s)
        s = s[:limit]
        train.extend(x for x in s if x.spans or rng.random() < 0.3)
        devel.extend(D.load_corpus(a.shared, corpus, "devel", tok)[:150])
    print("train sentences", len(train), flush=True)
    text_vocab = build_vocab(tok, train, 1)
    lab_vocab = label_vocab(lt)
    cfg = dict(CFG, class_token_index=tok.ent_id)
    model = BiEncoderSpanModel(cfg, text_vocab, lab_vocab)
    steps_before = 0
    if a.init:
        ck = torch.load(a.init, map_location="cpu")
        model.load_state_dict(ck["state_dict"])
        steps_before = ck.get("steps", 0)
    model.token_rep_layer.bert_layer.row_dropout = 0.05
    print("parameters", sum(p.numel() for p in model.parameters()), flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    total, warm = a.steps, 50
    t0 = time.time()
    # Linear decay over whichever budget (steps or minutes) runs out first.
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(
        0.05, 1 - max(s / total, (time.time() - t0) / 60 / a.minutes)))
    K = CFG["max_width"]
    step = 0
    model.train()
    # Batches from one corpus at a time, so that the shared label set fits every text.
    by_corpus = {}
    for s in train:
        by_corpus.setdefault(s.corpus, []).append(s)
    while step < total and (time.time() - t0) / 60 < a.minutes:
        corpus = rng.choice(sorted(by_corpus))
        grp = rng.sample(by_corpus[corpus], 16)
        d, y, cmask, *_ = make_batch(grp, rng, tok, lt, K)
        logits = forward(model, d)
        B, W = logits.shape[:2]
        valid = d["span_mask"].view(B, W, K, 1) & cmask.view(B, 1, 1, -1)
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none") * valid).sum() / B
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        if step % 100 == 0:
            print("step %d loss %.3f %.1f min" % (step, float(loss), (time.time() - t0) / 60), flush=True)
    model.token_rep_layer.bert_layer.row_dropout = 0.0
    scores = evaluate(model, devel, tok, lt, K)
    print("devel strict P %.3f R %.3f F1 %.3f after %d steps" % (scores["p"], scores["r"], scores["f1"], steps_before + step),
          flush=True)
    torch.save(dict(cfg=cfg, state_dict=model.state_dict(), text_rows=text_vocab[1], text_unk_row=text_vocab[2],
                    label_rows=lab_vocab[1], label_unk_row=lab_vocab[2], steps=steps_before + step, devel=scores,
                    text_tokenizer="deberta-v3", label_tokenizer=LABEL_TOKENIZER, seed=a.seed), a.out)


if __name__ == "__main__":
    main()
