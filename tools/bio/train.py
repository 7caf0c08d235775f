"""Train and export the BIO token-classification fixture (testdata/models/bio-bert).

    /usr/bin/python3 -m tools.bio.train --shared testdata/shared --out testdata/models/bio-bert

Data: the NCBI-disease and BC5CDR training splits (shared/data/conll/*/train.tsv,
word<TAB>IOB2 tag). Tags: O, B-Disease, I-Disease, B-Chemical, I-Chemical
(NCBI-disease only annotates diseases, so its chemicals are O).

Words -> sub-words: each word is encoded on its own with bert-base-uncased's
WordPiece (tools/train/tok.py; the same ids as encoding the words joined by
spaces, since BERT's pre-tokenizer splits on whitespace and punctuation). As in
the Hugging Face course's token-classification example (align_labels_with_tokens,
and run_ner.py with label_all_tokens), the first sub-token of a word gets the
word's tag and its other sub-tokens the I- tag of the same type (B-X -> I-X, O
stays O); [CLS] and [SEP] get -100 (ignored by the loss). Labelling every
sub-token makes the model's per-token tags consistent inside words, which the
pipeline's default-in-practice "simple" aggregation needs (with first-sub-token
-only labels, "simple" would cut words into fragments). A word with no
sub-token (it cannot happen with this vocabulary: unknown words become [UNK])
would lose its tag.
Sentences longer than max_position_embeddings-2 sub-tokens are cut into chunks.

The model (tools/bio/model.py) is trained from scratch with a fixed seed and
one CPU thread, then exported in the layout transformers.js and Optimum use:

    config.json            model_type "bert", architectures
                           ["BertForTokenClassification"], id2label, label2id,
                           max_position_embeddings, ...
    tokenizer.json         bert-base-uncased, unchanged
    tokenizer_config.json  BertTokenizer, do_lower_case, model_max_length
    special_tokens_map.json
    onnx/model.onnx        inputs input_ids, attention_mask, token_type_ids
                           (int64 [batch, sequence]); output logits float32
                           [batch, sequence, tags]; opset 14

and the script reports strict entity-level F1 (seqeval's IOB2 strict mode) of
first-sub-token argmax tags on the NCBI-disease test split, and checks the
ONNX graph with onnx.checker.
"""

import argparse
import json
import os
import random
import shutil
import sys
import time
from collections import Counter

import torch

from tools.bio.model import TokenClassifier
from tools.train.tok import BertTokenizer  # its GLiNER prompt tokens are unused here

TAGS = ["O", "B-Disease", "I-Disease", "B-Chemical", "I-Chemical"]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]  # rows 0..4
UNK_ROW = 1
IGNORE = -100


def read_conll(path):
    sents, words, tags = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.strip():
                if words:
                    sents.append((words, tags))
                words, tags = [], []
                continue
            if line.startswith("-DOCSTART-"):
                continue
            parts = line.split("\t")
            words.append(parts[0])
            tags.append(parts[-1].strip())
    if words:
        sents.append((words, tags))
    return sents


def encode(tok, sents, max_tokens):
    """Sub-word ids and labels per sentence, cut into chunks of max_tokens (without specials)."""
    lab = {t: i for i, t in enumerate(TAGS)}
    out = []
    for words, tags in sents:
        ids, labels, first = [], [], []
        for w, t in zip(words, tags):
            pieces = tok.encode_word(w)
            for j, p in enumerate(pieces):
                ids.append(p)
                # continuation sub-tokens: the I- tag of the word's type
                labels.append(lab[t] if j == 0 else lab["I-" + t[2:] if t != "O" else "O"])
        for lo in range(0, max(len(ids), 1), max_tokens):
            out.append(([tok.cls_id] + ids[lo:lo + max_tokens] + [tok.sep_id],
                        [IGNORE] + labels[lo:lo + max_tokens] + [IGNORE]))
    return out


def build_remap(tok, examples, min_count):
    counts = Counter(i for ids, _ in examples for i in ids)
    rows = {tok.vocab[s]: r for r, s in enumerate(SPECIALS)}
    for i, c in sorted(counts.items()):
        if c >= min_count and i not in rows:
            rows[i] = len(rows)
    remap = torch.full((len(tok.vocab),), UNK_ROW, dtype=torch.long)
    for i, r in rows.items():
        remap[i] = r
    return remap, len(rows)


def batches(examples, size, rng):
    order = sorted(range(len(examples)), key=lambda i: (len(examples[i][0]), rng.random()))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(groups)
    for g in groups:
        T = max(len(examples[i][0]) for i in g)
        ids = torch.zeros((len(g), T), dtype=torch.long)
        mask = torch.zeros((len(g), T), dtype=torch.long)
        lab = torch.full((len(g), T), IGNORE, dtype=torch.long)
        for b, i in enumerate(g):
            x, y = examples[i]
            ids[b, :len(x)] = torch.tensor(x)
            mask[b, :len(x)] = 1
            lab[b, :len(y)] = torch.tensor(y)
        yield ids, mask, lab


def seqeval_strict_entities(tags):
    """Entities (type, start, end) of an IOB2 sequence as seqeval's strict IOB2 mode finds them:
    B-X starts an entity that takes the following I-X; a stray I-X starts nothing."""
    ents, i = set(), 0
    while i < len(tags):
        t = tags[i]
        if t.startswith("B-"):
            j = i + 1
            while j < len(tags) and tags[j] == "I-" + t[2:]:
                j += 1
            ents.add((t[2:], i, j))
            i = j
        else:
            i += 1
    return ents


@torch.no_grad()
def evaluate(model, tok, sents, max_tokens, batch=64):
    """Strict entity-level P/R/F1 (seqeval, IOB2 strict) of first-sub-token argmax tags."""
    model.eval()
    enc = []
    for words, gold in sents:
        ids, first = [tok.cls_id], []
        for w in words:
            pieces = tok.encode_word(w)
            first.append(len(ids) if pieces else None)
            ids.extend(pieces)
        enc.append((ids[:max_tokens + 1] + [tok.sep_id], first, gold))
    tp = npred = ngold = 0
    for lo in range(0, len(enc), batch):
        chunk = enc[lo:lo + batch]
        T = max(len(e[0]) for e in chunk)
        x = torch.zeros((len(chunk), T), dtype=torch.long)
        m = torch.zeros_like(x)
        for b, (ids, _, _) in enumerate(chunk):
            x[b, :len(ids)] = torch.tensor(ids)
            m[b, :len(ids)] = 1
        arg = model(x, m, torch.zeros_like(x)).argmax(-1)
        for b, (ids, first, gold) in enumerate(chunk):
            pred = [TAGS[int(arg[b, p])] if p is not None and p < len(ids) - 1 else "O" for p in first]
            g, p = seqeval_strict_entities(gold), seqeval_strict_entities(pred)
            tp += len(g & p)
            npred += len(p)
            ngold += len(g)
    prec = tp / npred if npred else 0.0
    rec = tp / ngold if ngold else 0.0
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0, prec, rec


def export(model, out, n_tags):
    model.eval()
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    path = os.path.join(out, "onnx", "model.onnx")
    x = torch.tensor([[101, 2023, 2003, 1037, 3231, 102], [101, 2178, 102, 0, 0, 0]])
    m = (x > 0).long()
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "sequence_length"},
            "token_type_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    torch.onnx.export(model, (x, m, torch.zeros_like(x)), path, opset_version=14,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                      dynamic_axes=axes, do_constant_folding=True)
    import onnx
    g = onnx.load(path)
    onnx.checker.check_model(g)
    names = [i.name for i in g.graph.input]
    assert names == ["input_ids", "attention_mask", "token_type_ids"], names
    assert [o.name for o in g.graph.output] == ["logits"]
    for i in g.graph.input:
        assert i.type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert g.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    return path


def write_folder(out, tok_json, cfg):
    shutil.copyfile(tok_json, os.path.join(out, "tokenizer.json"))
    config = {
        "_comment": "small BERT-shaped token classifier trained from scratch by tools/bio/train.py on the "
                    "NCBI-disease and BC5CDR training splits (not bert-base-uncased weights; only its tokenizer)",
        "architectures": ["BertForTokenClassification"],
        "model_type": "bert",
        "id2label": {str(i): t for i, t in enumerate(TAGS)},
        "label2id": {t: i for i, t in enumerate(TAGS)},
        "hidden_size": cfg["d"],
        "num_hidden_layers": cfg["layers"],
        "num_attention_heads": cfg["heads"],
        "intermediate_size": cfg["ffn"],
        "hidden_act": "gelu",
        "max_position_embeddings": cfg["max_pos"],
        "type_vocab_size": 2,
        "vocab_size": cfg["vocab_size"],
        "layer_norm_eps": 1e-12,
        "pad_token_id": 0,
        "embedding_rows": cfg["n_rows"],
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    tc = {"do_lower_case": True, "model_max_length": cfg["max_pos"], "tokenizer_class": "BertTokenizer",
          "cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]",
          "unk_token": "[UNK]", "strip_accents": None, "tokenize_chinese_chars": True,
          "clean_up_tokenization_spaces": True}
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(tc, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "special_tokens_map.json"), "w") as f:
        json.dump({"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]",
                   "unk_token": "[UNK]"}, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join("..", "shared"))
    ap.add_argument("--out", default=os.path.join("testdata", "models", "bio-bert"))
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    cfg = {"d": 64, "layers": 2, "heads": 4, "ffn": 256, "max_pos": 128}
    conll = os.path.join(args.shared, "data", "conll")
    tok_json = os.path.join(args.shared, "data", "tokenizers", "bert-base-uncased.tokenizer.json")
    tok = BertTokenizer(tok_json)
    train = read_conll(os.path.join(conll, "ncbi-disease", "train.tsv")) + \
        read_conll(os.path.join(conll, "bc5cdr", "train.tsv"))
    test = read_conll(os.path.join(conll, "ncbi-disease", "test.tsv"))
    max_tokens = cfg["max_pos"] - 2
    examples = encode(tok, train, max_tokens)
    remap, n_rows = build_remap(tok, examples, min_count=2)
    cfg["n_rows"], cfg["vocab_size"] = n_rows, len(tok.vocab)
    print("train sentences %d, chunks %d, embedding rows %d" % (len(train), len(examples), n_rows), flush=True)
    model = TokenClassifier(remap, n_rows, len(TAGS), d=cfg["d"], layers=cfg["layers"], heads=cfg["heads"],
                            ffn=cfg["ffn"], max_pos=cfg["max_pos"])
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(examples) + args.batch - 1) // args.batch)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm))))
    lossf = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
    t0 = time.time()
    for ep in range(args.epochs):
        model.train()
        total = n = 0
        for ids, mask, lab in batches(examples, args.batch, rng):
            logits = model(ids, mask, torch.zeros_like(ids), unk_row=UNK_ROW, row_dropout=0.05)
            loss = lossf(logits.reshape(-1, len(TAGS)), lab.reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.item()
            n += 1
        print("epoch %d loss %.4f (%.0f s)" % (ep + 1, total / n, time.time() - t0), flush=True)
    f1, p, r = evaluate(model, tok, test, max_tokens)
    print("NCBI-disease test, first-sub-token tags, seqeval strict IOB2: P %.4f R %.4f F1 %.4f" % (p, r, f1))
    os.makedirs(args.out, exist_ok=True)
    write_folder(args.out, tok_json, cfg)
    path = export(model, args.out, len(TAGS))
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


if __name__ == "__main__":
    sys.exit(main())
