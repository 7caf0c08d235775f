"""Input representation: constant tables over the whole tokenizer id space.

The exported graph keeps the published inputs (real tokenizer ids); what a
sub-word id becomes inside is decided by constant int64 tables indexed by
that id, so no table lookup happens outside the graph:

* case folding: an id whose piece has a lower-case twin in the vocabulary
  ("▁Cystic" -> "▁cystic") shares that twin's embedding row; the case is
  not lost, it goes to the shape feature below.
* embedding rows (`remap`): every folded id seen at least `min_count` times
  in training, the special and added tokens, and the label phrasings get a
  row of their own; every other id gets one of `n_buckets` hashed bucket
  rows (a fixed multiplicative hash of the folded id), so two unseen ids
  are, most of the time, not the same input. Row 0 stays the UNK row (the
  tokenizer's own [UNK] id).
* word shape (`shape`): a small id per piece from its characters: word start
  (the "▁" of SentencePiece, no "##" for WordPiece) x letter case (none,
  lower, Capitalised, ALL CAPS, mixed) x has a digit, and one shape for the
  special and added tokens. Its embedding is added to the row embedding.

* affixes (`affix`, optional): the hashed buckets of a piece's lower-case
  suffixes (2 to 6 letters) and prefixes (3 and 4 letters, apart for
  word-start and inner pieces), int16 [vocab, AFFIX_SLOTS], 0 where the
  piece is too short. The mean of their embeddings is added as well, so an
  id never seen in training still says what it ends with: DeBERTa-v3 has
  whole-word pieces such as "▁fluconazole" or "▁uveitis" that the training
  corpora never contain, and "-azole" or "-itis" say what they are.

During training, "row dropout" replaces a kept id's row by its own bucket
row (not the UNK row), so the bucket rows learn what unseen ids look like.
"""

import zlib

import torch

SHAPE_SPECIAL = 0
CASES = ("none", "lower", "title", "upper", "mixed")
N_SHAPES = 1 + 2 * len(CASES) * 2

# Knuth's multiplicative hash constant (2^32 / golden ratio).
_HASH_MUL = 2654435761


def letter_case(s):
    """One of CASES for the letters of s."""
    letters = [c for c in s if c.isalpha()]
    if not letters:
        return "none"
    up = [c.isupper() for c in letters]
    if not any(up):
        return "lower"
    if all(up):
        return "upper" if len(letters) > 1 else "title"
    if up[0] and not any(up[1:]):
        return "title"
    return "mixed"


def piece_parts(piece, word_start_marker="▁", continuation_marker=None):
    """(starts a word, body without the marker) of a sub-word piece string:
    SentencePiece marks a word start ("▁"), WordPiece a continuation ("##")."""
    if continuation_marker is not None:
        start = not piece.startswith(continuation_marker)
        return start, (piece if start else piece[len(continuation_marker):])
    start = piece.startswith(word_start_marker)
    return start, (piece[len(word_start_marker):] if start else piece)


def piece_shape(piece, word_start_marker="▁", continuation_marker=None):
    """The shape id (1..N_SHAPES-1) of a sub-word piece string."""
    start, body = piece_parts(piece, word_start_marker, continuation_marker)
    digit = any(c.isdigit() for c in body)
    return 1 + (int(start) * len(CASES) + CASES.index(letter_case(body))) * 2 + int(digit)


SUFFIXES = (2, 3, 4, 5, 6)
PREFIXES = (3, 4)
AFFIX_SLOTS = len(SUFFIXES) + len(PREFIXES)


def affixes(start, body):
    """The affix strings of a piece, one per slot (None: too short); each is
    tagged with its kind so a suffix and a prefix of the same letters
    differ. Only pieces with letters have affixes."""
    b = body.lower()
    if not any(c.isalpha() for c in b):
        return [None] * AFFIX_SLOTS
    out = ["s%d:%s" % (n, b[-n:]) if len(b) >= n else None for n in SUFFIXES]
    out += ["p%d%s:%s" % (n, "^" if start else "", b[:n]) if len(b) >= n else None for n in PREFIXES]
    return out


def affix_bucket(affix, n_buckets):
    """The bucket (1..n_buckets) of an affix string; 0 stays "no affix"."""
    return 1 + zlib.crc32(affix.encode("utf-8")) % n_buckets


def affix_table(tok, n_buckets):
    """int16 tensor [vocab, AFFIX_SLOTS]: the affix buckets of every id (0 for
    none, and for the special and added tokens)."""
    assert n_buckets < 2 ** 15, "the table is int16"
    table = torch.zeros((tok.vocab_size, AFFIX_SLOTS), dtype=torch.int16)
    special = set(tok.special_ids())
    for i, piece in tok.pieces():
        if i in special:
            continue
        row = [affix_bucket(a, n_buckets) if a is not None else 0 for a in affixes(*tok.parts_of(piece))]
        table[i] = torch.tensor(row, dtype=torch.int16)
    return table


def bucket(i, n_buckets):
    """The hashed bucket (0..n_buckets-1) of a folded id."""
    return ((i * _HASH_MUL) & 0xFFFFFFFF) % n_buckets


def fold_table(tok):
    """LongTensor[vocab]: each id's lower-case twin id, or the id itself."""
    fold = torch.arange(tok.vocab_size, dtype=torch.long)
    special = set(tok.special_ids())
    for i, piece in tok.pieces():
        if i in special:
            continue
        low = piece.lower()
        if low != piece:
            j = tok.piece_id(low)
            if j is not None and j not in special:
                fold[i] = j
    return fold


def shape_table(tok):
    """LongTensor[vocab]: the shape id of every tokenizer id."""
    shape = torch.full((tok.vocab_size,), SHAPE_SPECIAL, dtype=torch.long)
    special = set(tok.special_ids())
    for i, piece in tok.pieces():
        if i not in special:
            shape[i] = tok.shape_of(piece)
    return shape


def input_tables(tok, counts, min_count, n_buckets, extra_keep=(), affix_buckets=0):
    """Build the constant tables from sub-word id counts of the training data.

    counts: {id: occurrences}; extra_keep: ids that get a row whatever their
    count (label phrasings). Returns a dict: remap, bucket_rows (LongTensor
    [vocab], each id's bucket row), shape (LongTensor[vocab]), n_rows,
    unk_row (0), special_rows, and with affix_buckets > 0 affix (affix_table).
    """
    fold = fold_table(tok)
    fl = fold.tolist()
    folded = {}
    for i, c in counts.items():
        f = fl[i]
        folded[f] = folded.get(f, 0) + c
    keep = set(f for f, c in folded.items() if c >= min_count)
    keep.update(fl[i] for i in extra_keep)
    special = sorted(set(tok.special_ids()))
    keep.difference_update(special)
    row_of = {}
    row = 1
    for i in special:
        if i != tok.unk_id:
            row_of[i] = row
            row += 1
    special_rows = list(range(1, row))
    for f in sorted(keep):
        row_of[f] = row
        row += 1
    first_bucket = row
    n_rows = row + n_buckets
    fl = fold.tolist()
    remap, bucket_rows = [0] * tok.vocab_size, [0] * tok.vocab_size
    for i in range(tok.vocab_size):
        if i in row_of and i in special:  # special and added tokens are never folded
            remap[i] = bucket_rows[i] = row_of[i]
        elif i != tok.unk_id:
            b = first_bucket + bucket(fl[i], n_buckets) if n_buckets else 0
            remap[i] = row_of.get(fl[i], b)
            bucket_rows[i] = b
    remap = torch.tensor(remap, dtype=torch.long)
    bucket_rows = torch.tensor(bucket_rows, dtype=torch.long)
    out = dict(remap=remap, bucket_rows=bucket_rows, shape=shape_table(tok), n_rows=n_rows, unk_row=0,
               special_rows=special_rows)
    if affix_buckets:
        out["affix"] = affix_table(tok, affix_buckets)
    return out
