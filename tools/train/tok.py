"""Sub-word tokenizers used for training, and the tokenizer files of a model folder.

Both follow GLiNER's `is_split_into_words=True` semantics: every pre-split word
(prompt tokens, label strings, text words) is encoded on its own and the pieces
are concatenated between [CLS] and [SEP].

* DebertaTokenizer: the real DeBERTa-v3 spm.model through python3-sentencepiece
  (per word `sp.encode(word)`, which prepends "▁" as HF's Metaspace does) plus
  the GLiNER added tokens [MASK]=128000, [FLERT]=128001, <<ENT>>=128002,
  <<SEP>>=128003. The folder ships spm.model + added_tokens.json.
* BertTokenizer: bert-base-uncased WordPiece (BertNormalizer lowercase + accent
  stripping, BertPreTokenizer, greedy longest-match-first with "##") with
  [FLERT]=30522, <<ENT>>=30523, <<SEP>>=30524 appended; the folder ships a
  tokenizer.json.

Training only needs ids that are close to the Go tokenizer's; exact parity is
the Go side's business (it is tested against the Rust tokenizers oracle). An id
the model never saw maps to the UNK row of the embedding anyway.
"""

import json
import os
import shutil
import unicodedata

ENT_TOKEN = "<<ENT>>"
SEP_TOKEN = "<<SEP>>"


class _AddedTokens:
    """The ids of GLiNER's added prompt tokens (self.added: token -> id)."""

    @property
    def ent_id(self):
        return self.added[ENT_TOKEN]

    @property
    def sep_token_id(self):
        return self.added[SEP_TOKEN]


class DebertaTokenizer(_AddedTokens):
    kind = "deberta-v3"
    model_name = "microsoft/deberta-v3-base"

    def __init__(self, spm_path):
        import sentencepiece as spm

        self.spm_path = spm_path
        self.sp = spm.SentencePieceProcessor(model_file=spm_path)
        n = self.sp.get_piece_size()  # 128000
        self.added = {"[MASK]": n, "[FLERT]": n + 1, ENT_TOKEN: n + 2, SEP_TOKEN: n + 3}
        self.vocab_size = n + 4
        self.pad_id, self.cls_id, self.sep_id, self.unk_id = 0, 1, 2, 3
        self.cache = {}

    def encode_word(self, word):
        if word in self.added:
            return [self.added[word]]
        ids = self.cache.get(word)
        if ids is None:
            ids = self.sp.encode(word)
            self.cache[word] = ids
        return ids

    def special_ids(self):
        return [self.pad_id, self.cls_id, self.sep_id, self.unk_id] + list(self.added.values())

    def pieces(self):
        """Yield (id, piece string) for every SentencePiece id."""
        for i in range(self.sp.get_piece_size()):
            yield i, self.sp.id_to_piece(i)

    def piece_id(self, piece):
        """The id of a piece string, or None when it is not in the vocabulary."""
        i = self.sp.piece_to_id(piece)
        return None if i == self.unk_id and piece != self.sp.id_to_piece(self.unk_id) else i

    def shape_of(self, piece):
        from .inputs import piece_shape
        return piece_shape(piece, word_start_marker="\u2581")

    def parts_of(self, piece):
        from .inputs import piece_parts
        return piece_parts(piece, word_start_marker="\u2581")

    def save(self, out_dir):
        shutil.copyfile(self.spm_path, os.path.join(out_dir, "spm.model"))
        with open(os.path.join(out_dir, "added_tokens.json"), "w") as f:
            json.dump(self.added, f)
        with open(os.path.join(out_dir, "special_tokens_map.json"), "w") as f:
            json.dump({"bos_token": "[CLS]", "cls_token": "[CLS]", "eos_token": "[SEP]", "mask_token": "[MASK]",
                       "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"}, f, indent=2)
        added_dec = {}
        for i, t in enumerate(["[PAD]", "[CLS]", "[SEP]", "[UNK]"]):
            added_dec[str(i)] = _added(t, True)
        for t, i in self.added.items():
            added_dec[str(i)] = _added(t, t == "[MASK]")
        cfg = {
            "added_tokens_decoder": added_dec,
            "bos_token": "[CLS]", "cls_token": "[CLS]", "eos_token": "[SEP]", "mask_token": "[MASK]",
            "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]",
            "do_lower_case": False, "split_by_punct": False, "vocab_type": "spm",
            "model_max_length": 1000000000000000019884624838656,
            "tokenizer_class": "DebertaV2Tokenizer", "sp_model_kwargs": {}, "clean_up_tokenization_spaces": True,
        }
        with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
            json.dump(cfg, f, indent=2)


def _added(content, special):
    return {"content": content, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
            "special": special}


def _is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF
            or 0x2F800 <= cp <= 0x2FA1F)


class BertTokenizer(_AddedTokens):
    kind = "bert-wordpiece"
    model_name = "bert-base-uncased"

    def __init__(self, tokenizer_json):
        with open(tokenizer_json) as f:
            self.tj = json.load(f)
        self.vocab = self.tj["model"]["vocab"]
        n = len(self.vocab)  # 30522
        self.added = {"[FLERT]": n, ENT_TOKEN: n + 1, SEP_TOKEN: n + 2}
        self.vocab_size = n + 3
        self.pad_id, self.cls_id, self.sep_id, self.unk_id = (self.vocab["[PAD]"], self.vocab["[CLS]"],
                                                              self.vocab["[SEP]"], self.vocab["[UNK]"])
        self.cache = {}

    def special_ids(self):
        return [self.pad_id, self.cls_id, self.sep_id, self.unk_id, self.vocab["[MASK]"]] + list(self.added.values())

    def pieces(self):
        """Yield (id, piece string) for every WordPiece id."""
        for piece, i in self.vocab.items():
            yield i, piece

    def piece_id(self, piece):
        """The id of a piece string, or None when it is not in the vocabulary."""
        return self.vocab.get(piece)

    def shape_of(self, piece):
        from .inputs import piece_shape
        return piece_shape(piece, continuation_marker="##")

    def parts_of(self, piece):
        from .inputs import piece_parts
        return piece_parts(piece, continuation_marker="##")

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
        if word in self.added:
            return [self.added[word]]
        ids = self.cache.get(word)
        if ids is None:
            ids = []
            for w in self._basic(word):
                ids.extend(self._wordpiece(w))
            self.cache[word] = ids
        return ids

    def save(self, out_dir):
        tj = json.loads(json.dumps(self.tj))
        for t, i in self.added.items():
            tj["added_tokens"].append({"id": i, "special": True, "content": t, "single_word": False, "lstrip": False,
                                       "rstrip": False, "normalized": False})
        with open(os.path.join(out_dir, "tokenizer.json"), "w") as f:
            json.dump(tj, f, ensure_ascii=False)
        with open(os.path.join(out_dir, "added_tokens.json"), "w") as f:
            json.dump(self.added, f)
        with open(os.path.join(out_dir, "special_tokens_map.json"), "w") as f:
            json.dump({"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]",
                       "unk_token": "[UNK]"}, f, indent=2)
        cfg = {"do_lower_case": True, "model_max_length": 512, "tokenizer_class": "BertTokenizer",
               "cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]",
               "unk_token": "[UNK]", "strip_accents": None, "tokenize_chinese_chars": True}
        with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
            json.dump(cfg, f, indent=2)


def load(kind, shared_dir):
    if kind == "deberta-v3":
        return DebertaTokenizer(os.path.join(shared_dir, "data", "tokenizers", "deberta-v3.spm.model"))
    if kind == "bert":
        return BertTokenizer(os.path.join(shared_dir, "data", "tokenizers", "bert-base-uncased.tokenizer.json"))
    raise ValueError("unknown tokenizer kind %r" % kind)
