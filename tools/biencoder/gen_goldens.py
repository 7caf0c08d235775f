"""Reference outputs of a bi-encoder fixture: testdata/golden/<fixture>.jsonl.gz.

    /usr/bin/python3 tools/biencoder/gen_goldens.py [--shared testdata/shared] [--models testdata/models] bi-span

The fixture folder is the output of scripts/export_biencoder.py (--fixture
--one-graph) plus its torch checkpoint under checkpoint/. The reference
pipeline is tools/reference/gliner_ref.py's (docs/reference.md: words §1, truncation §2.1,
pre-tokenized encoding through the Rust Hugging Face tokenizers §2.4, words_mask
§2.5, spans §3, decoding §5) with the bi-encoder differences of docs/reference.md §6: the
text sequence has no prompt (words_mask numbered from 1), and labels are
tokenized on their own with the label tokenizer (labels_tokenizer/) as plain
strings with special tokens, padded to the longest (padding="longest"). The
logits are the torch module's forward (both encoders, prompt_rep_layer,
einsum), each text alone (batch of one).

Format: like the uni-encoder goldens (testdata/golden/README.md), plus in the
header `label_input_ids` and `label_vectors` (label graph rows of the default
labels, base64 float32) and per text no prompt.
"""

import argparse
import base64
import gzip
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools", "reference"))
sys.path.insert(0, REPO)
import corpora  # noqa: E402
import gliner_ref as g  # noqa: E402
from fixture import tokenizer_json_for  # noqa: E402
from gen_goldens import DEFAULT_LABELS, SETTINGS  # noqa: E402  (the uni-encoder goldens' settings)
from tools.biencoder.model import load_checkpoint  # noqa: E402

LOGIT_TEXTS = 4


def f32_b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def dump(f, obj):
    f.write((json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))


def call_time_tokenizer_json(model_dir, work):
    """The label tokenizer.json without its stored padding and truncation
    settings. transformers' fast tokenizers replace both on every call
    (padding="longest", truncation=True up to tokenizer_config.json's
    model_max_length), so the stored ones never apply; all-MiniLM-L6-v2's file
    stores pad_to_multiple_of=8, which the per-word encoding of
    tools/reference/encode_words.js would otherwise apply to every label."""
    with open(os.path.join(model_dir, "labels_tokenizer", "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    tj["padding"], tj["truncation"] = None, None
    out = os.path.join(work, "labels_tokenizer.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False)
    return out


class BiFixture:
    def __init__(self, model_dir, work):
        self.dir = model_dir
        self.name = os.path.basename(os.path.normpath(model_dir))
        self.cfg = g.Config.load(os.path.join(model_dir, "gliner_config.json"))
        self.tok = g.HFTokenizer.from_folder(model_dir, tokenizer_json=tokenizer_json_for(model_dir, work))
        self.ltok = g.HFTokenizer.from_folder(os.path.join(model_dir, "labels_tokenizer"),
                                              tokenizer_json=call_time_tokenizer_json(model_dir, work))
        ck = os.path.join(model_dir, "checkpoint", self.name + ".pt")
        self.model, self.ck = load_checkpoint(ck)

    def label_tensors(self, labels):
        enc = self.ltok.encode_pretokenized([[l] for l in labels])  # one word = the plain label
        L = max(len(ids) for ids, _ in enc)
        ids = np.full((len(labels), L), self.ltok.pad_id, dtype=np.int64)
        mask = np.zeros((len(labels), L), dtype=np.int64)
        for i, (s, _) in enumerate(enc):
            ids[i, :len(s)] = s
            mask[i, :len(s)] = 1
        return ids, mask

    def text_batch(self, item):
        (ids, wids), = self.tok.encode_pretokenized([[w.text for w in item.words]])
        wm = g.words_mask_from_word_ids(wids, 0)  # no prompt: words numbered from 1
        n, K = len(item.words), self.cfg.max_width
        sidx, smask = g.span_candidates(n, K)
        return dict(input_ids=np.array([ids], dtype=np.int64), attention_mask=np.ones((1, len(ids)), dtype=np.int64),
                    words_mask=np.array([wm], dtype=np.int64), text_lengths=np.array([[n]], dtype=np.int64),
                    span_idx=np.array([sidx], dtype=np.int64).reshape(1, n * K, 2),
                    span_mask=np.array([smask], dtype=bool).reshape(1, n * K))

    def forward(self, t, lids, lmask):
        T = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in t.items()}
        with torch.no_grad():
            out = self.model(input_ids=T["input_ids"], attention_mask=T["attention_mask"],
                             labels_input_ids=torch.from_numpy(lids), labels_attention_mask=torch.from_numpy(lmask),
                             words_mask=T["words_mask"], text_lengths=T["text_lengths"], span_idx=T["span_idx"],
                             span_mask=T["span_mask"])
        return out.logits.contiguous().numpy().astype(np.float32)

    def label_vectors(self, labels):
        lids, lmask = self.label_tensors(labels)
        with torch.no_grad():
            e = self.model.token_rep_layer.encode_labels(torch.from_numpy(lids), torch.from_numpy(lmask))
            return self.model.prompt_rep_layer(e).numpy().astype(np.float32)


def run(fx, recs, out_dir):
    cfg = fx.cfg
    seqs, lseqs = [], []
    for r in recs:
        seqs.append([w.text for w in g.truncate_words(g.split_words(r["text"]), cfg.max_len)])
        lseqs.extend([l] for l in g.dedup_labels(r.get("labels", DEFAULT_LABELS)))
    fx.tok.prefetch(seqs)
    fx.ltok.prefetch(lseqs)
    lv = fx.label_vectors(DEFAULT_LABELS)
    path = os.path.join(out_dir, fx.name + ".jsonl.gz")
    seen, n_ent, n_valid = {}, {s.name: 0 for s in SETTINGS}, 0
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        dump(f, {"kind": "header", "fixture": fx.name, "model_dir": "testdata/models/" + fx.name,
                 "default_labels": DEFAULT_LABELS,
                 "settings": [{"name": s.name, "threshold": s.threshold, "flat_ner": s.flat_ner,
                               "multi_label": s.multi_label} for s in SETTINGS],
                 "max_len": cfg.max_len, "max_width": cfg.max_width, "pad_id": fx.tok.pad_id,
                 "label_input_ids": [[int(x) for x, k in zip(row, mask) if k] for row, mask in
                                     zip(*fx.label_tensors(DEFAULT_LABELS))],
                 "label_vectors": {"dims": list(lv.shape), "f32le_b64": f32_b64(lv)},
                 "generator": "tools/biencoder/gen_goldens.py (torch %s)" % torch.__version__})
        for r in recs:
            rec = {"kind": "text", "id": r["id"], "text": r["text"]}
            if "labels" in r:
                rec["labels"] = r["labels"]
            labels = g.dedup_labels(r.get("labels", DEFAULT_LABELS))
            rec["valid"] = g.is_valid_text(r["text"])
            ents = {s.name: [] for s in SETTINGS}
            if rec["valid"]:
                n_valid += 1
                item = g.prepare_text(r["text"], cfg)
                t = fx.text_batch(item)
                logits = fx.forward(t, *fx.label_tensors(labels))
                n = len(item.words)
                rec.update(n_words=n, n_words_total=item.n_words_before_trunc, input_ids=t["input_ids"][0].tolist(),
                           words_mask=t["words_mask"][0].tolist())
                c = r["id"].split(":")[0]
                if c == "edge" or seen.get(c, 0) < LOGIT_TEXTS:
                    rec["logits"] = {"dims": list(logits.shape), "f32le_b64": f32_b64(logits)}
                seen[c] = seen.get(c, 0) + 1
                for s in SETTINGS:
                    spans = g.decode_span_item(logits[0], n, labels, s.threshold, s.flat_ner, s.multi_label)
                    ents[s.name] = g.spans_to_entities(spans, item, labels)
                    n_ent[s.name] += len(ents[s.name])
            rec["entities"] = ents
            dump(f, rec)
    return {"texts": len(recs), "valid": n_valid, "entities": n_ent, "file": os.path.relpath(path, REPO)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.path.join(REPO, "testdata", "models"))
    ap.add_argument("--out", default=os.path.join(REPO, "testdata", "golden"))
    ap.add_argument("--shared", default=os.environ.get("GLINER_SHARED_DIR", os.path.join(REPO, "testdata", "shared")))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("fixtures", nargs="+")
    a = ap.parse_args()
    torch.set_num_threads(1)
    import tempfile
    work = tempfile.mkdtemp(prefix="bi-goldens-")
    corpus = corpora.corpus_texts(os.path.join(a.shared, "data"))
    if a.limit:
        corpus = corpus[:a.limit]
    for name in a.fixtures:
        fx = BiFixture(os.path.join(a.models, name), work)
        recs = [{"id": i, "text": t} for i, t in corpus] + corpora.edge_cases(corpus, fx.cfg.max_len)
        print(json.dumps({name: run(fx, recs, a.out)}), flush=True)


if __name__ == "__main__":
    main()
