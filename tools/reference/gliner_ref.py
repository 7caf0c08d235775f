"""Independent Python reference of GLiNER (urchade/GLiNER 0.2.27) inference.

Written from the reference behaviour the project documents (docs/reference.md,
sections cited as §N), not from the Go code.  It is the oracle the Go tests
compare against (through the golden files written by gen_goldens.py).

Pipeline (uni-encoder models):
    text -> words (§1.1) -> valid-text filter, label de-dup, max_len truncation (§2.1)
    -> prompt [<<ENT>> l1 <<ENT>> l2 ... <<SEP>>] + words (§2.3)
    -> sub-word ids with is_split_into_words semantics (§2.4) through the real
       Hugging Face tokenizers library (Rust, via node, see encode_words.js)
    -> words_mask (the 0.2.27 counter, §2.5), text_lengths [B,1] (§2.6),
       span_idx / span_mask (§3), batch padding (§8)
    -> logits (the fixture's torch forward; any callable works)
    -> sigmoid (torch float32), thresholds (strict >, compared in float32 like
       torch), candidate spans (§5.1) or token-level spans (§5.4), greedy
       search flat / nested / multi-label (§5.2), character offsets (§5.3).

Offsets: every entity carries code-point offsets (Python string indices, the
reference's own unit) and UTF-8 byte offsets.

Only the standard library, numpy and torch are used; the tokenizer is the Hugging
Face tokenizers library itself (npm @anush008/tokenizers, a Node binding of the
Rust crate), installed in tools/oracle.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

try:  # torch is only needed for sigmoid parity and the fixture forward.
    import torch
except ImportError:  # pragma: no cover - the Debian python3-torch is expected
    torch = None

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# §1.1: the default "whitespace" splitter of GLiNER, Python `re`, str pattern,
# default flags (Unicode \w = L* ∪ N* ∪ "_", offsets in code points).
WORD_PATTERN = r"\w+(?:[-_]\w+)*|\S"
_WORD_RE = re.compile(WORD_PATTERN)


# ---------------------------------------------------------------------------
# §1, §2.1 words, valid texts, labels, truncation
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Word:
    """One regex word: its text and code-point offsets [start, end)."""

    text: str
    start: int
    end: int


def split_words(text: str) -> List[Word]:
    """§1.1 WhitespaceTokenSplitter: re.finditer over the raw text."""
    return [Word(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def is_valid_text(text) -> bool:
    """§2.1 step 1: texts that are not str or are empty after str.strip() are dropped.

    str.strip() strips exactly the characters for which str.isspace() is true.
    """
    return isinstance(text, str) and text.strip() != ""


def dedup_labels(labels: Union[str, Sequence[str]]) -> List[str]:
    """§2.1 step 2: a str becomes [str]; de-duplicate preserving first occurrence."""
    if isinstance(labels, str):
        labels = [labels]
    return list(dict.fromkeys(labels))


def truncate_words(words: List[Word], max_len: int) -> List[Word]:
    """§2.1 step 4: keep the first max_len words (no chunking)."""
    if len(words) > max_len:
        return words[:max_len]
    return words


def build_prompt(labels: Sequence[str], ent_token: str = "<<ENT>>", sep_token: str = "<<SEP>>") -> List[str]:
    """§2.3: [ENT, l1, ENT, l2, ..., SEP]; a multi-word label is one element."""
    prompt: List[str] = []
    for label in labels:
        prompt += [ent_token, label]
    prompt.append(sep_token)
    return prompt


# ---------------------------------------------------------------------------
# §2.4 sub-word tokenization (is_split_into_words=True semantics)
# ---------------------------------------------------------------------------

VERY_LARGE_INTEGER = int(1e30)  # transformers' model_max_length when none is configured


class HFTokenizer:
    """A Hugging Face tokenizer.json run through the real Rust library.

    The Rust `encode` with a pre-tokenized input runs, for each word on its own,
    added-token extraction, the normalizer, the pre-tokenizer and the model, and
    gives all of that word's tokens word id = the word's index; then the
    post-processor adds the special tokens.  The Node binding has no
    pre-tokenized input, so encode_words.js encodes every word separately
    without special tokens (exactly the per-word step above) and this class
    applies the post-processor template, truncation (`truncation=True`, i.e. to
    model_max_length, from the right) and padding (`padding="longest"`, right).
    """

    def __init__(self, tokenizer_json: str, model_max_length: Optional[int] = None,
                 pad_token: Optional[str] = None, node: str = "node"):
        self.path = os.path.abspath(tokenizer_json)
        with open(self.path, encoding="utf-8") as f:
            self.spec = json.load(f)
        self.node = node
        self.model_max_length = model_max_length if model_max_length else VERY_LARGE_INTEGER
        self.prefix_ids, self.suffix_ids = self._template()
        vocab = self._vocab()
        pad_token = pad_token or "[PAD]"
        if pad_token not in vocab:
            raise ValueError(f"pad token {pad_token!r} not in tokenizer")
        self.pad_id = vocab[pad_token]
        self._vocab_map = vocab

    @classmethod
    def from_folder(cls, folder: str, tokenizer_json: Optional[str] = None, **kw) -> "HFTokenizer":
        """Load tokenizer.json (or the given file) plus tokenizer_config.json if present."""
        tj = tokenizer_json or os.path.join(folder, "tokenizer.json")
        mml, pad = None, None
        cfg = os.path.join(folder, "tokenizer_config.json")
        if os.path.exists(cfg):
            with open(cfg, encoding="utf-8") as f:
                c = json.load(f)
            mml = c.get("model_max_length")
            p = c.get("pad_token")
            pad = p.get("content") if isinstance(p, dict) else p
        stm = os.path.join(folder, "special_tokens_map.json")
        if pad is None and os.path.exists(stm):
            with open(stm, encoding="utf-8") as f:
                p = json.load(f).get("pad_token")
            pad = p.get("content") if isinstance(p, dict) else p
        return cls(tj, model_max_length=mml, pad_token=pad, **kw)

    def _vocab(self) -> Dict[str, int]:
        model = self.spec["model"]
        vocab: Dict[str, int] = {}
        if model.get("type") == "Unigram" or isinstance(model.get("vocab"), list):
            for i, (piece, _score) in enumerate(model["vocab"]):
                vocab.setdefault(piece, i)
        else:
            vocab.update(model["vocab"])
        for t in self.spec.get("added_tokens", []):
            vocab[t["content"]] = t["id"]
        return vocab

    def token_id(self, token: str) -> Optional[int]:
        return self._vocab_map.get(token)

    def _template(self) -> Tuple[List[int], List[int]]:
        """Special-token ids the post-processor puts around a single sequence."""
        pp = self.spec.get("post_processor")
        if pp is None:
            return [], []
        t = pp["type"]
        if t == "TemplateProcessing":
            pre: List[int] = []
            post: List[int] = []
            seen_seq = False
            for item in pp["single"]:
                if "Sequence" in item:
                    seen_seq = True
                    continue
                ids = pp["special_tokens"][item["SpecialToken"]["id"]]["ids"]
                (post if seen_seq else pre).extend(ids)
            return pre, post
        if t in ("BertProcessing", "RobertaProcessing"):
            return [pp["cls"][1]], [pp["sep"][1]]
        raise ValueError(f"unsupported post_processor {t}")

    def encode_words_raw(self, batch: List[List[str]]) -> List[List[List[int]]]:
        """Ids of every word of every sequence, each word encoded alone without specials.

        Words are encoded independently of each other, so results are cached per
        word; one node process encodes all words not seen before."""
        self.prefetch(batch)
        return [[self._word_cache[w] for w in ws] for ws in batch]

    def prefetch(self, batch: List[List[str]]) -> None:
        """Encode (in one node call) every word of the batch not in the cache."""
        if not hasattr(self, "_word_cache"):
            self._word_cache: Dict[str, List[int]] = {}
        todo = list(dict.fromkeys(w for ws in batch for w in ws if w not in self._word_cache))
        if not todo:
            return
        script = os.path.join(HERE, "encode_words.js")
        payload = "".join(json.dumps({"words": todo[i:i + 512]}, ensure_ascii=False) + "\n"
                          for i in range(0, len(todo), 512))
        env = dict(os.environ)
        env["NODE_PATH"] = os.path.join(REPO, "tools", "oracle", "node_modules")
        out = subprocess.run([self.node, script, self.path], input=payload.encode("utf-8"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        if out.returncode != 0:
            raise RuntimeError("encode_words.js failed: " + out.stderr.decode("utf-8", "replace"))
        got = [ids for l in out.stdout.decode("utf-8").splitlines() for ids in json.loads(l)["ids"]]
        if len(got) != len(todo):
            raise RuntimeError(f"encode_words.js returned {len(got)} encodings for {len(todo)} words")
        self._word_cache.update(zip(todo, got))

    def encode_pretokenized(self, batch: List[List[str]]) -> List[Tuple[List[int], List[Optional[int]]]]:
        """(ids, word_ids) per sequence, with special tokens and truncation, unpadded."""
        res = []
        n_special = len(self.prefix_ids) + len(self.suffix_ids)
        for word_ids_per_word in self.encode_words_raw(batch):
            ids: List[int] = []
            wids: List[Optional[int]] = []
            for wi, toks in enumerate(word_ids_per_word):
                ids.extend(toks)
                wids.extend([wi] * len(toks))
            budget = self.model_max_length - n_special
            if len(ids) > budget:  # truncation=True: cut the sequence, keep the specials
                ids, wids = ids[:max(budget, 0)], wids[:max(budget, 0)]
            ids = self.prefix_ids + ids + self.suffix_ids
            wids = [None] * len(self.prefix_ids) + wids + [None] * len(self.suffix_ids)
            res.append((ids, wids))
        return res


def words_mask_from_word_ids(word_ids: Sequence[Optional[int]], prompt_len: int) -> List[int]:
    """§2.5 prepare_word_mask (0.2.27): a counter of distinct word ids, not the word id."""
    prev = None
    seen = 0
    mask = []
    for wid in word_ids:
        if wid is None:
            mask.append(0)
        elif wid != prev:
            seen += 1
            mask.append(0 if seen <= prompt_len else seen - prompt_len)
        else:
            mask.append(0)
        prev = wid
    return mask


def span_candidates(n: int, max_width: int) -> Tuple[List[Tuple[int, int]], List[bool]]:
    """§3 prepare_span_idx: n*K rows, row s*K+k = (s, s+k); valid iff s+k <= n-1."""
    idx = [(s, s + k) for s in range(n) for k in range(max_width)]
    mask = [s + k <= n - 1 for s in range(n) for k in range(max_width)]
    return idx, mask


# ---------------------------------------------------------------------------
# Batch building (§2, §3, §8)
# ---------------------------------------------------------------------------

@dataclass
class Config:
    """The gliner_config.json fields the pipeline uses (§7)."""

    max_len: int = 384
    max_width: int = 12
    ent_token: str = "<<ENT>>"
    sep_token: str = "<<SEP>>"
    class_token_index: int = -1
    span_mode: str = "markerV0"

    @classmethod
    def load(cls, path: str) -> "Config":
        with open(path, encoding="utf-8") as f:
            c = json.load(f)
        out = cls()
        for k in ("max_len", "max_width", "ent_token", "sep_token", "class_token_index", "span_mode"):
            if k in c and c[k] is not None:
                setattr(out, k, c[k])
        return out

    @property
    def token_level(self) -> bool:
        return self.span_mode == "token_level"


@dataclass
class Prepared:
    """One valid text after word splitting and truncation."""

    text: str
    words: List[Word]            # after truncation
    n_words_before_trunc: int


@dataclass
class Batch:
    """Padded model inputs (numpy int64 / bool) plus what decoding needs."""

    items: List[Prepared]
    labels: List[str]
    input_ids: np.ndarray        # [B, T] int64
    attention_mask: np.ndarray   # [B, T] int64
    words_mask: np.ndarray       # [B, T] int64
    text_lengths: np.ndarray     # [B, 1] int64
    span_idx: Optional[np.ndarray] = None   # [B, W*K, 2] int64 (span models)
    span_mask: Optional[np.ndarray] = None  # [B, W*K] bool
    unpadded: List[dict] = field(default_factory=list)  # per text: ids, mask, words_mask

    def feeds(self) -> Dict[str, np.ndarray]:
        d = {"input_ids": self.input_ids, "attention_mask": self.attention_mask,
             "words_mask": self.words_mask, "text_lengths": self.text_lengths}
        if self.span_idx is not None:
            d["span_idx"] = self.span_idx
            d["span_mask"] = self.span_mask
        return d


def prepare_text(text: str, cfg: Config) -> Prepared:
    words = split_words(text)
    return Prepared(text=text, words=truncate_words(words, cfg.max_len), n_words_before_trunc=len(words))


def build_batch(items: List[Prepared], labels: List[str], tok: HFTokenizer, cfg: Config) -> Batch:
    """Tokenize one batch of valid texts (labels already de-duplicated) and pad it."""
    prompt = build_prompt(labels, cfg.ent_token, cfg.sep_token)
    seqs = [prompt + [w.text for w in it.words] for it in items]
    enc = tok.encode_pretokenized(seqs)
    unpadded = []
    for (ids, wids), it in zip(enc, items):
        wm = words_mask_from_word_ids(wids, len(prompt))
        unpadded.append({"input_ids": ids, "attention_mask": [1] * len(ids), "words_mask": wm})
    B = len(items)
    T = max(len(u["input_ids"]) for u in unpadded)
    input_ids = np.full((B, T), tok.pad_id, dtype=np.int64)
    attn = np.zeros((B, T), dtype=np.int64)
    wmask = np.zeros((B, T), dtype=np.int64)
    for b, u in enumerate(unpadded):
        L = len(u["input_ids"])
        input_ids[b, :L] = u["input_ids"]
        attn[b, :L] = 1
        wmask[b, :L] = u["words_mask"]
    lengths = np.array([[len(it.words)] for it in items], dtype=np.int64)
    batch = Batch(items=items, labels=list(labels), input_ids=input_ids, attention_mask=attn,
                  words_mask=wmask, text_lengths=lengths, unpadded=unpadded)
    if not cfg.token_level:
        K = cfg.max_width
        W = int(lengths.max())
        sidx = np.zeros((B, W * K, 2), dtype=np.int64)
        smask = np.zeros((B, W * K), dtype=bool)
        for b, it in enumerate(items):
            idx, m = span_candidates(len(it.words), K)
            if idx:
                sidx[b, :len(idx)] = idx
                smask[b, :len(m)] = m
        batch.span_idx, batch.span_mask = sidx, smask
    return batch


# ---------------------------------------------------------------------------
# Decoding (§5)
# ---------------------------------------------------------------------------

@dataclass
class Span:
    """A decoded span: inclusive word indices, class column, float32 score widened."""

    start: int
    end: int
    cls: int
    score: float


def sigmoid32(logits: np.ndarray) -> np.ndarray:
    """torch.sigmoid on the float32 logits (the reference's exact float32 results)."""
    x = np.array(logits, dtype=np.float32, copy=True, order="C")
    if torch is not None:
        return torch.sigmoid(torch.from_numpy(x)).numpy()
    return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)  # pragma: no cover


def thresholds_for(labels: Sequence[str], threshold: Union[float, Dict[str, float]], default: float = 0.5) -> np.ndarray:
    """Per-class thresholds as float32 (torch compares a float32 tensor with a
    Python float scalar in float32).  A dict gives per-label thresholds; labels
    missing from it use `default`."""
    if isinstance(threshold, dict):
        vals = [threshold.get(l, default) for l in labels]
    else:
        vals = [threshold] * len(labels)
    return np.array(vals, dtype=np.float32)


def _overlap_flat(a: Span, b: Span, multi_label: bool) -> bool:
    """decoding/utils.py has_overlapping (word indices, ends inclusive)."""
    if a.start == b.start and a.end == b.end:
        return not multi_label
    if a.start > b.end or b.start > a.end:
        return False
    return True


def _overlap_nested(a: Span, b: Span, multi_label: bool) -> bool:
    """decoding/utils.py has_overlapping_nested."""
    if a.start == b.start and a.end == b.end:
        return not multi_label
    if a.start > b.end or b.start > a.end:
        return False
    nested = (a.start <= b.start and a.end >= b.end) or (b.start <= a.start and b.end >= a.end)
    return not nested


def greedy_search(spans: List[Span], flat_ner: bool, multi_label: bool) -> List[Span]:
    """§5.2: stable sort by -score, keep spans without conflict, stable sort by start."""
    conflict = _overlap_flat if flat_ner else _overlap_nested
    kept: List[Span] = []
    for sp in sorted(spans, key=lambda s: -s.score):
        if not any(conflict(sp, q, multi_label) for q in kept):
            kept.append(sp)
    kept.sort(key=lambda s: s.start)
    return kept


def span_candidates_above(probs: np.ndarray, n_words: int, thr: np.ndarray) -> List[Span]:
    """§5.1 for one text: probs [W, K, C] float32; (s, k, c) row-major, p > thr[c]
    (strict, float32), drop spans ending beyond the text (s + k + 1 > n)."""
    W, K, C = probs.shape
    C_use = min(C, len(thr))  # columns beyond the text's labels are ignored (§5.1 note)
    out: List[Span] = []
    hit = probs[:, :, :C_use] > thr[None, None, :C_use]
    for s, k, c in zip(*np.nonzero(hit)):  # np.nonzero is row-major like torch.where
        s, k, c = int(s), int(k), int(c)
        if s + k + 1 > n_words:
            continue
        out.append(Span(s, s + k, c, float(probs[s, k, c])))
    return out


def decode_span_item(logits: np.ndarray, n_words: int, labels: Sequence[str],
                     threshold: Union[float, Dict[str, float]] = 0.5,
                     flat_ner: bool = True, multi_label: bool = False) -> List[Span]:
    """Span model, one text: logits [W, K, C] -> kept spans (sorted by start)."""
    probs = sigmoid32(logits)
    thr = thresholds_for(labels, threshold)
    return greedy_search(span_candidates_above(probs, n_words, thr), flat_ner, multi_label)


def token_logits_to_bwc3(logits: np.ndarray, layout: str) -> np.ndarray:
    """§4.3: 'BWC3' (gliner >= 0.2.21) is returned as is; '3BWC' (<= 0.2.20) is permuted."""
    if layout == "BWC3":
        return logits
    if layout == "3BWC":
        return np.transpose(logits, (1, 2, 3, 0))
    raise ValueError(f"unknown token layout {layout}")


def decode_token_item(logits_wc3: np.ndarray, n_words: int, labels: Sequence[str],
                      threshold: Union[float, Dict[str, float]] = 0.5,
                      flat_ner: bool = True, multi_label: bool = False) -> List[Span]:
    """§5.4 TokenDecoder for one text: logits [W, C, 3] (start, end, inside).

    start/end use p > thr (strict), inside rejects any p < thr (so >= passes),
    score = min(inside ∪ {start, end}) in float32.  Word positions >= n_words
    (batch padding) are not considered (the reference would fail on them).
    """
    probs = sigmoid32(logits_wc3)[:n_words]
    C = min(probs.shape[1], len(labels))
    thr = thresholds_for(labels, threshold)[:C]
    ps, pe, pi = probs[:, :C, 0], probs[:, :C, 1], probs[:, :C, 2]
    starts = list(zip(*[a.tolist() for a in np.nonzero(ps > thr[None, :])]))
    ends = list(zip(*[a.tolist() for a in np.nonzero(pe > thr[None, :])]))
    spans: List[Span] = []
    for st, c in starts:
        for ed, c2 in ends:
            if ed >= st and c == c2:
                ins = pi[st:ed + 1, c]
                if (ins < thr[c]).any():
                    continue
                combined = np.concatenate([ins, ps[st:st + 1, c], pe[ed:ed + 1, c]]).astype(np.float32)
                spans.append(Span(st, ed, c, float(combined.min())))
    return greedy_search(spans, flat_ner, multi_label)


# ---------------------------------------------------------------------------
# §5.3 entities
# ---------------------------------------------------------------------------

def byte_offset(text: str, cp: int) -> int:
    return len(text[:cp].encode("utf-8"))


def spans_to_entities(spans: List[Span], item: Prepared, labels: Sequence[str]) -> List[dict]:
    ents = []
    for sp in spans:
        s = item.words[sp.start].start
        e = item.words[sp.end].end
        ents.append({
            "start": s, "end": e,
            "start_byte": byte_offset(item.text, s), "end_byte": byte_offset(item.text, e),
            "text": item.text[s:e], "label": labels[sp.cls], "score": sp.score,
            "word_start": sp.start, "word_end": sp.end,
        })
    return ents


# ---------------------------------------------------------------------------
# Whole pipeline
# ---------------------------------------------------------------------------

Forward = Callable[[Batch], np.ndarray]  # returns logits (span [B,W,K,C]; token [B,W,C,3] or [3,B,W,C])


@dataclass
class Setting:
    """A decoding setting of the goldens."""

    name: str
    threshold: Union[float, Dict[str, float]]
    flat_ner: bool
    multi_label: bool


def decode_batch(batch: Batch, logits: np.ndarray, setting: Setting, cfg: Config,
                 token_layout: str = "BWC3") -> List[List[dict]]:
    out = []
    if cfg.token_level:
        logits = token_logits_to_bwc3(logits, token_layout)
    for b, it in enumerate(batch.items):
        n = len(it.words)
        if cfg.token_level:
            spans = decode_token_item(logits[b], n, batch.labels, setting.threshold,
                                      setting.flat_ner, setting.multi_label)
        else:
            spans = decode_span_item(logits[b], n, batch.labels, setting.threshold,
                                     setting.flat_ner, setting.multi_label)
        out.append(spans_to_entities(spans, it, batch.labels))
    return out


def predict(texts: Sequence, labels, tok: HFTokenizer, cfg: Config, forward: Forward,
            settings: Sequence[Setting], batch_size: int = 8, token_layout: str = "BWC3"):
    """inference(): returns {setting.name: [entities per original text]} and the batches.

    Invalid texts get [] (§2.1); valid ones are processed in order in batches of
    batch_size, each padded on its own (§8).
    """
    labels = dedup_labels(labels)
    results = {s.name: [[] for _ in texts] for s in settings}
    valid = [i for i, t in enumerate(texts) if is_valid_text(t)]
    batches = []
    if not labels:
        return results, batches
    for off in range(0, len(valid), batch_size):
        idxs = valid[off:off + batch_size]
        items = [prepare_text(texts[i], cfg) for i in idxs]
        batch = build_batch(items, labels, tok, cfg)
        logits = forward(batch)
        batches.append((idxs, batch, logits))
        for s in settings:
            for i, ents in zip(idxs, decode_batch(batch, logits, s, cfg, token_layout)):
                results[s.name][i] = ents
    return results, batches
