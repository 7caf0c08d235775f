#!/usr/bin/python3
"""Build a DeBERTa-v2/v3 tokenizer.json from a SentencePiece spm.model.

Usage:
    /usr/bin/python3 scripts/spm_to_tokenizer_json.py SPM_MODEL OUT_JSON \
        [--add-tokens "[FLERT],<<ENT>>,<<SEP>>"] [--do-lower-case] [--split-by-punct]

Needs only Debian's python3-sentencepiece (for sentencepiece_model_pb2); the
Hugging Face `tokenizers` and `transformers` packages are not needed.

The output is what `DebertaV2TokenizerFast.from_pretrained(folder_with_spm_model)`
followed by `save_pretrained` writes, i.e. what
`transformers.convert_slow_tokenizer.DebertaV2Converter` (a subclass of
SpmConverter) builds, serialised the way the Rust `tokenizers` library
(0.19 ... 0.22) serialises it:

- model: Unigram with every spm piece and its score, unk_id from
  trainer_spec.unk_id, and byte_fallback false: SpmConverter only honours
  byte fallback when `handle_byte_fallback` is set, which DebertaV2Converter
  does not set (it warns instead). So characters missing from the vocabulary
  become [UNK] (fused runs), where sentencepiece itself emits <0x..> bytes.
- normalizer: Sequence[Lowercase (only with do_lower_case), Strip(left and
  right), Precompiled(precompiled_charsmap), Replace(Regex(" {2,}") -> " ")]
  (DebertaV2Converter.normalizer).
- pre_tokenizer: Sequence[Punctuation(isolated) (only with split_by_punct),
  Metaspace(replacement "▁", prepend_scheme "always", split true)]
  (DebertaV2Converter.pre_tokenizer; prepend scheme from _get_prepend_scheme
  with add_prefix_space=True and no `legacy` attribute -> "always").
- post_processor: TemplateProcessing "[CLS]:0 $A:0 [SEP]:0" and
  "[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1" with the ids of [CLS] and [SEP].
- decoder: Metaspace with the same settings (SpmConverter.decoder).
- added tokens: the spm CONTROL pieces (type 3, here [PAD] [CLS] [SEP]) as
  special, normalized=false (SpmConverter.tokenizer); then the slow
  tokenizer's special tokens that the fast tokenizer registers: [UNK] (its
  spm id; DebertaV2Tokenizer wraps unk_token as AddedToken(normalized=True,
  special=True)) and [MASK] (not in the spm vocabulary, so it gets the next
  id, 128000 for DeBERTa-v3), special, normalized=false.
- --add-tokens appends tokens the way GLiNER's `tokenizer.add_tokens([...])`
  does: plain (non-special) added tokens, normalized=true, no strip flags, ids
  continuing after the last id ([FLERT]=128001, <<ENT>>=128002,
  <<SEP>>=128003 for DeBERTa-v3, as in gliner_small-v2.1's
  tokenizer_config.json added_tokens_decoder).
- truncation and padding: null.

Converter source read: huggingface/transformers
src/transformers/convert_slow_tokenizer.py at commit 00111b31e662 (v5
series). The DebertaV2Converter normalizer / pre_tokenizer / post_processor
are the same as in transformers 4.3x-4.4x, which saved the GLiNER DeBERTa-v3
tokenizers on the Hugging Face Hub.
"""

import argparse
import base64
import json
import sys

from sentencepiece import sentencepiece_model_pb2

CONTROL = 3
USER_DEFINED = 4
UNIGRAM = 1


def added(id_, content, special, normalized):
    # Field order as tokenizers serialises AddedToken.
    return {
        "id": id_,
        "content": content,
        "single_word": False,
        "lstrip": False,
        "rstrip": False,
        "normalized": normalized,
        "special": special,
    }


def build(model_bytes, add_tokens=(), do_lower_case=False, split_by_punct=False):
    m = sentencepiece_model_pb2.ModelProto()
    m.ParseFromString(model_bytes)
    if m.trainer_spec.model_type != UNIGRAM:
        raise SystemExit(
            "spm_to_tokenizer_json: model_type %d is not Unigram; DebertaV2Converter builds Unigram only"
            % m.trainer_spec.model_type
        )
    pieces = [(p.piece, p.score) for p in m.pieces]
    vocab_ids = {p: i for i, (p, _) in enumerate(pieces)}

    def piece_id(tok):
        if tok not in vocab_ids:
            raise SystemExit("spm_to_tokenizer_json: %r is not in the spm vocabulary" % tok)
        return vocab_ids[tok]

    # SpmConverter.tokenizer: CONTROL (special) and USER_DEFINED (not special) pieces.
    tokens = []
    seen = set()
    for i, p in enumerate(m.pieces):
        if p.type in (CONTROL, USER_DEFINED):
            tokens.append(added(i, p.piece, p.type == CONTROL, False))
            seen.add(p.piece)
    # PreTrainedTokenizerFast registers the slow tokenizer's special tokens.
    next_id = len(pieces)
    unk = "[UNK]"
    if unk not in seen:
        tokens.append(added(piece_id(unk), unk, True, True))
        seen.add(unk)
    for tok in ("[PAD]", "[CLS]", "[SEP]"):
        if tok not in seen:
            tokens.append(added(piece_id(tok), tok, True, False))
            seen.add(tok)
    mask = "[MASK]"
    if mask not in seen:
        mid = vocab_ids.get(mask)
        if mid is None:
            mid = next_id
            next_id += 1
        tokens.append(added(mid, mask, True, False))
        seen.add(mask)
    # GLiNER's tokenizer.add_tokens(...): plain added tokens.
    for tok in add_tokens:
        if tok in seen:
            continue
        tid = vocab_ids.get(tok)
        if tid is None:
            tid = next_id
            next_id += 1
        tokens.append(added(tid, tok, False, True))
        seen.add(tok)
    tokens.sort(key=lambda t: t["id"])

    normalizers = []
    if do_lower_case:
        normalizers.append({"type": "Lowercase"})
    normalizers.append({"type": "Strip", "strip_left": True, "strip_right": True})
    charsmap = m.normalizer_spec.precompiled_charsmap
    if charsmap:
        normalizers.append(
            {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")}
        )
    normalizers.append({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "})

    metaspace = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    pretok = []
    if split_by_punct:
        pretok.append({"type": "Punctuation", "behavior": "Isolated"})
    pretok.append(dict(metaspace))

    cls_id, sep_id = piece_id("[CLS]"), piece_id("[SEP]")

    def special(tok, type_id):
        return {"SpecialToken": {"id": tok, "type_id": type_id}}

    def seq(name, type_id):
        return {"Sequence": {"id": name, "type_id": type_id}}

    post = {
        "type": "TemplateProcessing",
        "single": [special("[CLS]", 0), seq("A", 0), special("[SEP]", 0)],
        "pair": [special("[CLS]", 0), seq("A", 0), special("[SEP]", 0), seq("B", 1), special("[SEP]", 1)],
        "special_tokens": {
            "[CLS]": {"id": "[CLS]", "ids": [cls_id], "tokens": ["[CLS]"]},
            "[SEP]": {"id": "[SEP]", "ids": [sep_id], "tokens": ["[SEP]"]},
        },
    }

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": tokens,
        "normalizer": {"type": "Sequence", "normalizers": normalizers},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": pretok},
        "post_processor": post,
        "decoder": dict(metaspace),
        "model": {
            "type": "Unigram",
            "unk_id": m.trainer_spec.unk_id,
            "vocab": [[p, s] for p, s in pieces],
            "byte_fallback": False,
        },
    }


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spm_model")
    ap.add_argument("out_json")
    ap.add_argument("--add-tokens", default="", help='comma-separated plain added tokens, e.g. "[FLERT],<<ENT>>,<<SEP>>"')
    ap.add_argument("--do-lower-case", action="store_true")
    ap.add_argument("--split-by-punct", action="store_true")
    a = ap.parse_args(argv)
    with open(a.spm_model, "rb") as f:
        data = f.read()
    extra = [t for t in a.add_tokens.split(",") if t] if a.add_tokens else []
    tj = build(data, extra, a.do_lower_case, a.split_by_punct)
    with open(a.out_json, "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
