"""Texts the goldens are computed over: the NCBI-disease and BC5CDR test sets
(PubTator files of the shared data folder; titles and abstracts as separate
texts, in file order) and a fixed list of edge cases."""

import os
from typing import List, Tuple


def read_pubtator(path: str, corpus: str) -> List[Tuple[str, str]]:
    """(id, text) for every title and abstract: ids "<corpus>:<pmid>:t" / ":a"."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            for tag in ("t", "a"):
                sep = f"|{tag}|"
                i = line.find(sep)
                if i > 0 and line[:i].isdigit():
                    out.append((f"{corpus}:{line[:i]}:{tag}", line[i + len(sep):]))
                    break
    return out


def corpus_texts(shared_data: str) -> List[Tuple[str, str]]:
    p = os.path.join(shared_data, "pubtator")
    return (read_pubtator(os.path.join(p, "ncbi-disease.test.pubtator.txt"), "ncbi-disease")
            + read_pubtator(os.path.join(p, "bc5cdr.test.pubtator.txt"), "bc5cdr"))


def edge_cases(corpus: List[Tuple[str, str]], max_len: int) -> List[dict]:
    """Edge-case records: {"id", "text", optional "labels"} (labels override the default set)."""
    abstracts = [t for i, t in corpus if i.endswith(":a")]
    long_text = ""
    k = 0
    # More regex words than max_len (about 1.6 x), so truncation is exercised.
    while len(long_text.split()) < int(max_len * 1.6) + 10:
        long_text += (" " if long_text else "") + abstracts[k % len(abstracts)]
        k += 1
    return [
        {"id": "edge:empty", "text": ""},
        {"id": "edge:spaces", "text": "   \t\n  "},
        {"id": "edge:python-space", "text": "\x1c\x1d\x1e\x1f \x85\u2028\u3000\u00a0"},
        {"id": "edge:one-char", "text": "a"},
        {"id": "edge:punct", "text": "..."},
        {"id": "edge:nonascii",
         "text": "Naïve patients with Crohn’s disease received 5 µg/kg naloxone — no hépatite or “cardiac arrest”."},
        {"id": "edge:combining",
         "text": "Nai\u0308ve cafe\u0301 workers with leuka\u0308mia and acute hepatitis after paracetamol."},
        {"id": "edge:cjk-emoji",
         "text": "患者 had 糖尿病 and 😀 severe hypertension after cisplatin 🙂 treatment."},
        {"id": "edge:zero-width",
         "text": "Patients\u200bwith breast\u00adcancer and \u200b diabetes took \ufeffmetformin."},
        {"id": "edge:odd-space",
         "text": "cisplatin\u00a0induced\u2009nephrotoxicity\u3000and\u2028renal failure\r\nin\tmice"},
        {"id": "edge:joiners",
         "text": "anti-TNF_alpha therapy, co-trimoxazole-induced hepatitis and 5-fluorouracil_toxicity in BRCA1-positive women."},
        {"id": "edge:leading-trailing-space",
         "text": "  \n Lithium-induced nephrogenic diabetes insipidus in a 34-year-old man.  \n"},
        {"id": "edge:long", "text": long_text},
        {"id": "edge:dup-labels", "text": "Cisplatin nephrotoxicity and ovarian cancer in BRCA1 carriers.",
         "labels": ["disease", "chemical", "disease", "gene", "chemical"]},
        {"id": "edge:multiword-label", "text": "Cisplatin nephrotoxicity and ovarian cancer in BRCA1 carriers.",
         "labels": ["chemical compound", "disease", "gene or protein"]},
        {"id": "edge:one-label", "text": "Famotidine-associated delirium in elderly patients with renal failure.",
         "labels": ["disease"]},
    ]
