"""bert-base-uncased WordPiece for training (a copy of tools/train/tok.py's BertTokenizer
without the GLiNER prompt tokens): BertNormalizer (lower case, accent stripping, CJK
spacing, control characters dropped), BertPreTokenizer (whitespace and punctuation),
greedy longest-match-first WordPiece with "##" continuations, [UNK] for words over
100 characters or with no match.

Training only needs the ids; exact parity with the Rust tokenizers is the Go tokenize
package's business (tested there), and the fixture's test compares Go's ids with
transformers.js's on the evaluation texts.
"""

import json
import unicodedata


def _is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF
            or 0x2F800 <= cp <= 0x2FA1F)


class BertTokenizer:
    kind = "bert-wordpiece"
    model_name = "bert-base-uncased"

    def __init__(self, tokenizer_json):
        with open(tokenizer_json) as f:
            self.tj = json.load(f)
        self.vocab = self.tj["model"]["vocab"]
        self.vocab_size = len(self.vocab)
        self.pad_id, self.cls_id, self.sep_id, self.unk_id = (self.vocab["[PAD]"], self.vocab["[CLS]"],
                                                              self.vocab["[SEP]"], self.vocab["[UNK]"])
        self.cache = {}

    def _basic(self, text):
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
                continue
            if _is_cjk(cp):
                out.append(" " + ch + " ")
            elif ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
                out.append(" ")
            else:
                out.append(ch)
        text = "".join(out).lower()
        text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        words = []
        for w in text.split():
            cur = ""
            for ch in w:
                if _is_punct(ch):
                    if cur:
                        words.append(cur)
                        cur = ""
                    words.append(ch)
                else:
                    cur += ch
            if cur:
                words.append(cur)
        return words

    def _wordpiece(self, w):
        if len(w) > 100:
            return [self.unk_id]
        ids, start = [], 0
        while start < len(w):
            end, cur = len(w), None
            while start < end:
                sub = w[start:end]
                if start > 0:
                    sub = "##" + sub
                if sub in self.vocab:
                    cur = self.vocab[sub]
                    break
                end -= 1
            if cur is None:
                return [self.unk_id]
            ids.append(cur)
            start = end
        return ids

    def encode_word(self, word):
        ids = self.cache.get(word)
        if ids is None:
            ids = []
            for w in self._basic(word):
                ids.extend(self._wordpiece(w))
            self.cache[word] = ids
        return ids
