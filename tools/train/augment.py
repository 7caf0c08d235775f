"""Casing augmentation of training sentences.

PubMed text writes most drug and disease names in lower case, so a model
trained on it sees "aspirin" far more often than "Aspirin" opening a
sentence or "Cystic Fibrosis" in a title. recase() rewrites the gold
mentions of a sentence (and only the letters: words and spans keep their
positions) in one of these casings, each with its own probability:

  title    every word of the mention Title Case      cystic fibrosis -> Cystic Fibrosis
  lower    the mention in lower case                 Metformin -> metformin
  upper    a one-word mention of at most 6 letters   tnf -> TNF (acronym style)
           in capitals
  initial  the sentence cut to start at a mention,   ... with aspirin for -> Aspirin for ...
           whose first letter becomes upper case

A mention that already is in the chosen casing is left alone. Words outside
mentions are not changed, except that "initial" drops the words before the
mention.
"""

CASINGS = ("title", "lower", "upper", "initial")


def title_word(w):
    out, up = [], True
    for ch in w:
        out.append(ch.upper() if up else ch)
        up = not ch.isalnum()
    return "".join(out)


def initial_word(w):
    return w[:1].upper() + w[1:]


def _mention_recase(words, spans, rng, p, fn, one_word_max=None):
    words = list(words)
    for s, e, _ in spans:
        if rng.random() >= p:
            continue
        if one_word_max is not None and (e != s or sum(c.isalpha() for c in words[s]) > one_word_max):
            continue
        for i in range(s, e + 1):
            words[i] = fn(words[i])
    return words


def crop_to_mention(words, spans, rng):
    """Cut the sentence so that it starts at a random mention (not the first
    word already) and make that mention's first letter upper case."""
    later = [sp for sp in spans if sp[0] > 0]
    if not later:
        return words, spans
    s0 = rng.choice(later)[0]
    words = list(words[s0:])
    words[0] = initial_word(words[0])
    spans = [(s - s0, e - s0, t) for s, e, t in spans if s >= s0]
    return words, spans


def recase(words, spans, rng, probs):
    """Apply the casings of `probs` ({casing: probability}; "title", "lower"
    and "upper" per mention, "initial" per sentence) to a sentence's words
    (list of str) and spans ([(start, end, type)], inclusive); returns new
    (words, spans). The random stream is used in a fixed order."""
    if not spans:
        return words, spans
    words = _mention_recase(words, spans, rng, probs.get("title", 0.0), title_word)
    words = _mention_recase(words, spans, rng, probs.get("lower", 0.0), str.lower)
    words = _mention_recase(words, spans, rng, probs.get("upper", 0.0), str.upper, one_word_max=6)
    if rng.random() < probs.get("initial", 0.0):
        words, spans = crop_to_mention(words, spans, rng)
    return words, spans
