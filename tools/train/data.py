"""Training data: CoNLL readers, GLiNER-style examples, batching.

A CoNLL sentence (`token<TAB>tag`, BIO) is re-split into the words GLiNER's
whitespace splitter would produce at inference (docs/reference.md §1.1, regex
`\\w+(?:[-_]\\w+)*|\\S` over each token), and its entities become word spans
(start, end inclusive, type).

A training example is (words, labels, spans): labels = every type the source
corpus annotates, each in a randomly chosen phrasing, plus a few sampled
negative labels (types that the corpora never contain), shuffled; spans refer
to label positions. This is how GLiNER is trained (positive + negative label
prompts, several natural-language phrasings per type).
"""

import os
import random
import re

import torch

WORD_RE = re.compile(r"\w+(?:[-_]\w+)*|\S")

# Entity type -> phrasings. The first one is canonical (used for devel/eval).
PHRASINGS = {
    "disease": ["disease", "disease or syndrome", "disorder", "Disease", "disease or disorder"],
    "chemical": ["chemical", "chemical compound", "drug", "Chemical", "chemical entity"],
    "gene": ["gene", "gene or gene product", "protein", "Gene", "gene or protein"],
    "dna": ["DNA", "DNA sequence"],
    "rna": ["RNA", "RNA molecule"],
    "cell_line": ["cell line", "Cell line"],
    "cell_type": ["cell type", "Cell type"],
    "protein": ["protein", "Protein"],
}
CANONICAL = {t: p[0] for t, p in PHRASINGS.items()}

# Labels used as negatives: types none of the corpora contain.
NEGATIVES = ["person", "organization", "location", "date", "country", "city", "company", "time", "money",
             "event", "vehicle", "movie", "programming language", "sports team", "book", "song", "percentage"]

# Corpus folder -> (tag type -> entity type).
CORPORA = {
    "ncbi-disease": {"Disease": "disease"},
    "bc5cdr": {"Chemical": "chemical", "Disease": "disease"},
    "bc2gm": {"GENE": "gene"},
    "jnlpba": {"DNA": "dna", "RNA": "rna", "cell_line": "cell_line", "cell_type": "cell_type", "protein": "protein"},
}


def read_conll(path):
    """Yield (tokens, tags) per sentence."""
    toks, tags = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if toks:
                    yield toks, tags
                toks, tags = [], []
                continue
            parts = line.split("\t")
            toks.append(parts[0])
            tags.append(parts[-1] if len(parts) > 1 else "O")
    if toks:
        yield toks, tags


def to_words(tokens, tags, typemap):
    """Re-split tokens with the GLiNER regex; return (words, spans[(s,e,type)])."""
    words, tok_start, tok_end = [], [], []
    for t in tokens:
        tok_start.append(len(words))
        words.extend(m.group(0) for m in WORD_RE.finditer(t))
        tok_end.append(len(words) - 1)
    spans, cur = [], None
    for i, tag in enumerate(tags + ["O"]):
        if cur is not None and not tag.startswith("I-"):
            spans.append(cur)
            cur = None
        if tag.startswith("B-") or (tag.startswith("I-") and cur is None):
            cur = [i, i, typemap[tag[2:]]]
        elif tag.startswith("I-"):
            cur[1] = i
    out = []
    for ts, te, typ in spans:
        s, e = tok_start[ts], tok_end[te]
        if e >= s:
            out.append((s, e, typ))
    return words, out


class Sentence:
    __slots__ = ("words", "spans", "types", "corpus")

    def __init__(self, words, spans, types, corpus):
        self.words, self.spans, self.types, self.corpus = words, spans, types, corpus


def load_corpus(shared_dir, corpus, split, tok=None, limit=None):
    path = os.path.join(shared_dir, "data", "conll", corpus, split + ".tsv")
    typemap = CORPORA[corpus]
    types = sorted(set(typemap.values()))
    out = []
    for tokens, tags in read_conll(path):
        words, spans = to_words(tokens, tags, typemap)
        if not words:
            continue
        if tok is not None:
            # Drop words with no sub-tokens (the reference would shift later words).
            keep = [i for i, w in enumerate(words) if tok.encode_word(w)]
            if len(keep) != len(words):
                newpos = {old: new for new, old in enumerate(keep)}
                words = [words[i] for i in keep]
                spans = [(newpos[s], newpos[e], t) for s, e, t in spans if s in newpos and e in newpos]
                if not words:
                    continue
        out.append(Sentence(words, spans, types, corpus))
        if limit and len(out) >= limit:
            break
    return out


def make_example(sent, rng, max_width, train=True, n_neg=(0, 3), max_len=None, canonical_labels=None,
                 prompt_types=None, all_types_p=1.0, casing=None):
    """Return (words, labels, spans[(s, e, label_index)], known) for one sentence.

    Training (train=True): the labels are the corpus's types, each in a
    random phrasing (the canonical one half of the time), plus 0-3 negative
    labels, shuffled. With `prompt_types` (e.g. every type the model knows),
    all of them are prompted with probability `all_types_p`, else the
    corpus's types and each other one with probability 1/2. `known[i]` says
    whether label i is fully supervised: the corpus annotates its type, or
    it is a negative label. A type the corpus does not annotate (gene in an
    NCBI-disease sentence) is not known: the loss only uses its gold spans of
    other types as negatives (a disease mention is no gene) and says nothing
    about the other spans. `casing` ({casing: probability}, augment.py)
    re-cases the mentions first.

    Evaluation (train=False): the labels are `canonical_labels` (default: the
    canonical names of the corpus's types); `known[i]` says whether label i
    is one of the corpus's types, i.e. whether its predictions are scored.
    """
    words = sent.words
    spans_in = sent.spans
    if max_len and len(words) > max_len:
        words = words[:max_len]
        spans_in = [sp for sp in spans_in if sp[1] < max_len]
    if not train:
        labels = canonical_labels or [CANONICAL[t] for t in sent.types]
        idx = {}
        for i, l in enumerate(labels):
            for t, c in CANONICAL.items():
                if c == l:
                    idx[t] = i
        spans = [(s, e, idx[t]) for s, e, t in spans_in if t in idx]
        known = [any(CANONICAL[t] == l for t in sent.types) for l in labels]
        return words, labels, spans, known
    if casing:
        from .augment import recase
        words, spans_in = recase(words, spans_in, rng, casing)
    types = list(sent.types)
    if prompt_types:
        if rng.random() < all_types_p:
            extra = [t for t in prompt_types if t not in types]
        else:
            extra = [t for t in prompt_types if t not in types and rng.random() < 0.5]
        types += extra
    labels = []
    tindex = {}
    for t in types:
        ph = PHRASINGS[t]
        p = ph[0] if rng.random() < 0.5 else rng.choice(ph)
        tindex[t] = len(labels)
        labels.append(p)
    k = rng.randint(n_neg[0], n_neg[1])
    negs = rng.sample(NEGATIVES, k)
    labels_all = labels + negs
    known_all = [t in sent.types for t in types] + [True] * len(negs)
    order = list(range(len(labels_all)))
    rng.shuffle(order)
    pos = {old: new for new, old in enumerate(order)}
    labels_out = [labels_all[i] for i in order]
    known = [known_all[i] for i in order]
    spans = []
    for s, e, t in spans_in:
        if e >= len(words) or e - s + 1 > max_width:
            continue
        spans.append((s, e, pos[tindex[t]]))
    return words, labels_out, spans, known


def encode(examples, tok, max_width, with_targets=True):
    """Build the GLiNER span-model input tensors (docs/reference.md §2–§3) for a batch.

    examples: list of (words, labels, spans[, known]). Returns a dict with
    input_ids, attention_mask, words_mask, text_lengths, span_idx, span_mask,
    `class_mask` [B,C] bool and, when with_targets, `labels` [B,W,K,C] float,
    `class_known` [B,C] bool (known[i], all True without it) and `gold_any`
    [B,W,K] bool (the span is a gold span of some label).
    """
    seqs, wmasks = [], []
    for words, labels, *_ in examples:
        prompt = []
        for l in labels:
            prompt += ["<<ENT>>", l]
        prompt.append("<<SEP>>")
        ids, wm = [tok.cls_id], [0]
        for wi, w in enumerate(prompt + list(words)):
            pieces = tok.encode_word(w)
            for j, p in enumerate(pieces):
                ids.append(p)
                wm.append(wi - len(prompt) + 1 if (j == 0 and wi >= len(prompt)) else 0)
        ids.append(tok.sep_id)
        wm.append(0)
        seqs.append(ids)
        wmasks.append(wm)
    B = len(examples)
    T = max(len(s) for s in seqs)
    W = max(len(e[0]) for e in examples)
    C = max(len(e[1]) for e in examples)
    K = max_width
    input_ids = torch.full((B, T), tok.pad_id, dtype=torch.long)
    attention_mask = torch.zeros((B, T), dtype=torch.long)
    words_mask = torch.zeros((B, T), dtype=torch.long)
    text_lengths = torch.zeros((B, 1), dtype=torch.long)
    span_idx = torch.zeros((B, W * K, 2), dtype=torch.long)
    span_mask = torch.zeros((B, W * K), dtype=torch.bool)
    labels_t = torch.zeros((B, W, K, C), dtype=torch.float32) if with_targets else None
    class_mask = torch.zeros((B, C), dtype=torch.bool)
    class_known = torch.zeros((B, C), dtype=torch.bool)
    for b, (words, labels, spans, *rest) in enumerate(examples):
        n = len(words)
        input_ids[b, :len(seqs[b])] = torch.tensor(seqs[b])
        attention_mask[b, :len(seqs[b])] = 1
        words_mask[b, :len(seqs[b])] = torch.tensor(wmasks[b])
        text_lengths[b, 0] = n
        s = torch.arange(n).repeat_interleave(K)
        k = torch.arange(K).repeat(n)
        span_idx[b, :n * K, 0] = s
        span_idx[b, :n * K, 1] = s + k
        span_mask[b, :n * K] = (s + k) < n
        class_mask[b, :len(labels)] = True
        class_known[b, :len(labels)] = torch.tensor(rest[0] if rest else [True] * len(labels), dtype=torch.bool)
        if with_targets:
            for st, en, c in spans:
                if en - st < K:
                    labels_t[b, st, en - st, c] = 1.0
    out = dict(input_ids=input_ids, attention_mask=attention_mask, words_mask=words_mask,
               text_lengths=text_lengths, span_idx=span_idx, span_mask=span_mask, class_mask=class_mask)
    if with_targets:
        out["labels"] = labels_t
        out["class_known"] = class_known
        out["gold_any"] = labels_t.amax(dim=-1) > 0 if C else torch.zeros((B, W, K), dtype=torch.bool)
    return out


def token_targets(examples, W, C):
    """Token-level targets [B,W,C,3] (start, end, inside) for token_level models."""
    B = len(examples)
    y = torch.zeros((B, W, C, 3), dtype=torch.float32)
    for b, (words, labels, spans, *_) in enumerate(examples):
        for st, en, c in spans:
            y[b, st, c, 0] = 1.0
            y[b, en, c, 1] = 1.0
            y[b, st:en + 1, c, 2] = 1.0
    return y


def batches(items, batch_size, rng, key_len, shuffle=True, max_tokens=None):
    """Length-bucketed batches: sort within chunks of 50 batches, then shuffle batches."""
    idx = list(range(len(items)))
    if shuffle:
        rng.shuffle(idx)
    chunk = batch_size * 50
    out = []
    for i in range(0, len(idx), chunk):
        part = sorted(idx[i:i + chunk], key=lambda j: key_len(items[j]))
        for j in range(0, len(part), batch_size):
            out.append(part[j:j + batch_size])
    if shuffle:
        rng.shuffle(out)
    return out
