#!/usr/bin/python3
"""Generate the oracle files for tokenize.SplitWords from CPython's `re`.

Usage:
    /usr/bin/python3 scripts/gen_words_oracle.py [OUT_DIR]   (default tokenize/testdata)

Writes, deterministically for a given CPython/Unicode version:

- words_oracle.jsonl.gz: a first line {"meta": {...}} with the Python and
  Unicode versions and the pattern, then one line per random string:
  {"text": str, "words": [[start, end], ...]} with code-point offsets from
  re.finditer(r"\\w+(?:[-_]\\w+)*|\\S", text) -- GLiNER's
  WhitespaceTokenSplitter, and "strip": [a, b] with text.strip() == text[a:b]
  (code points). Strings that contain invalid UTF-8 are written as
  {"hex": bytes, "words": ...}: the bytes were decoded with
  errors="surrogateescape", so each invalid byte is one lone surrogate (one
  code point) for the regex.
- python_word_classes.json: for every code point (surrogates excluded), as
  sorted inclusive [lo, hi] ranges, which ones Python's \\w and \\s match and
  which are unassigned (category Cn) in Python's Unicode database, so the Go
  test can check its character classes exhaustively on every code point both
  databases assign.

The random strings mix ASCII, Latin-1, combining marks, Devanagari, CJK,
Hiragana, emoji with ZWJ and variation selectors, numerals of all kinds (Nd,
Nl, No), every str.isspace() character, U+200B, U+FEFF, U+00AD, U+180E,
hyphen/underscore joins, random assigned code points from all planes and
(in some strings) invalid UTF-8 bytes.
"""

import gzip
import json
import os
import random
import re
import sys
import unicodedata

PATTERN = r"\w+(?:[-_]\w+)*|\S"
SEED = 20240601
N_STRINGS = 6000

SPACES = [chr(c) for c in range(0x110000) if chr(c).isspace()]
ODD = ["\u200b", "\ufeff", "\u00ad", "\u180e", "\u200c", "\u200d", "\u2060", "\ufffd", "\u0000", "\u007f"]
NUMERALS = list("0123456789²³¹¼½¾٠١٢٣٤٥٦٧٨٩০১২৩४५६७०१२३௰௱ⅠⅡⅢⅣⅫↀ〇〡〢①②⑳⓪０１２３𝟎𝟏𝟘𝟙")
ASCII_WORD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ASCII_PUNCT = "!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~"


def rand_range(rng, lo, hi):
    return chr(rng.randint(lo, hi))


def rand_assigned(rng):
    while True:
        c = rng.randint(0, 0x10FFFF)
        if 0xD800 <= c <= 0xDFFF:
            continue
        ch = chr(c)
        if unicodedata.category(ch) not in ("Cn", "Cs", "Co"):
            return ch


def rand_char(rng):
    k = rng.random()
    if k < 0.30:
        return rng.choice(ASCII_WORD)
    if k < 0.38:
        return rng.choice(ASCII_PUNCT)
    if k < 0.44:
        return rng.choice("-_-_")
    if k < 0.52:
        return rng.choice(SPACES) if rng.random() < 0.5 else " "
    if k < 0.56:
        return rng.choice(ODD)
    if k < 0.61:
        return rand_range(rng, 0xA0, 0xFF)
    if k < 0.66:
        return rand_range(rng, 0x300, 0x36F)  # combining marks
    if k < 0.71:
        return rand_range(rng, 0x900, 0x97F)  # Devanagari
    if k < 0.75:
        return rand_range(rng, 0x4E00, 0x9FFF)  # CJK
    if k < 0.77:
        return rand_range(rng, 0x3041, 0x309F)  # Hiragana
    if k < 0.81:
        return rng.choice(["\U0001F600", "\U0001F9EC", "\U0001F468\u200d\U0001F469", "\u2764\ufe0f", "\U0001F44D\U0001F3FD"])
    if k < 0.87:
        return rng.choice(NUMERALS)
    return rand_assigned(rng)


def rand_invalid(rng):
    return bytes(rng.choice([0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF, rng.randint(0x80, 0xFF)])
                 for _ in range(rng.randint(1, 3)))


def rand_text(rng, invalid):
    n = rng.choice([0, 1, 2, 3, 5, 8, 13, 21, 34, 60])
    parts = []
    for _ in range(n):
        if invalid and rng.random() < 0.15:
            parts.append(rand_invalid(rng))
        else:
            parts.append(rand_char(rng).encode("utf-8", "surrogatepass"))
    return b"".join(parts)


def words(text):
    return [[m.start(), m.end()] for m in re.finditer(PATTERN, text)]


def ranges(pred):
    out = []
    start = None
    for c in range(0x110001):
        ok = c < 0x110000 and not (0xD800 <= c <= 0xDFFF) and pred(chr(c))
        if ok and start is None:
            start = c
        elif not ok and start is not None:
            out.append([start, c - 1])
            start = None
    return out


def main(argv):
    out_dir = argv[0] if argv else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tokenize", "testdata")
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(SEED)
    meta = {
        "python": sys.version.split()[0],
        "unidata_version": unicodedata.unidata_version,
        "pattern": PATTERN,
        "seed": SEED,
    }
    lines = [json.dumps({"meta": meta}, ensure_ascii=False)]
    for i in range(N_STRINGS):
        b = rand_text(rng, invalid=(i % 5 == 4))
        text = b.decode("utf-8", "surrogateescape")
        lead = len(text) - len(text.lstrip())
        rec = {"words": words(text), "strip": [lead, max(lead, len(text.rstrip()))]}
        try:
            b.decode("utf-8")
            rec = {"text": text, **rec}
        except UnicodeDecodeError:
            rec = {"hex": b.hex(), **rec}
        lines.append(json.dumps(rec, ensure_ascii=False))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with open(os.path.join(out_dir, "words_oracle.jsonl.gz"), "wb") as f:
        # mtime=0 keeps the file byte-identical across runs.
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
            gz.write(data)

    word_re, space_re = re.compile(r"\w"), re.compile(r"\s")
    classes = {
        "meta": meta,
        "word": ranges(lambda ch: word_re.fullmatch(ch) is not None),
        "space": ranges(lambda ch: space_re.fullmatch(ch) is not None),
        "unassigned": ranges(lambda ch: unicodedata.category(ch) == "Cn"),
    }
    with open(os.path.join(out_dir, "python_word_classes.json"), "w", encoding="utf-8") as f:
        json.dump(classes, f, separators=(",", ":"))
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
