"""Unit tests of the training examples: prompts with every known type, the
masked loss, casing augmentation, and the devel sentences used for training
(run by make test).

    /usr/bin/python3 -m unittest discover -s tools/train -t . -p 'test_*.py'
"""

import os
import random
import unittest

import torch

from tools.train import augment as A
from tools.train import data as D
from tools.train.test_inputs import FakeTok
from tools.train.train import load_training, span_loss

TYPES = ["disease", "chemical", "gene"]


def ncbi_sentence():
    return D.Sentence(["aspirin", "caused", "cystic", "fibrosis", "."], [(2, 3, "disease")], ["disease"],
                      "ncbi-disease")


class PromptTest(unittest.TestCase):
    def test_all_types_prompted_and_only_annotated_ones_known(self):
        for seed in range(30):
            rng = random.Random(seed)
            words, labels, spans, known = D.make_example(ncbi_sentence(), rng, 12, prompt_types=TYPES)
            types = [t for l in labels for t in TYPES if l in D.PHRASINGS[t]]
            self.assertEqual(sorted(set(types)), sorted(TYPES), labels)
            for l, k in zip(labels, known):
                if l in D.NEGATIVES:
                    self.assertTrue(k, "negative labels are fully supervised")
                elif l in D.PHRASINGS["disease"]:
                    self.assertTrue(k)
                elif l in D.PHRASINGS["chemical"] or l in D.PHRASINGS["gene"]:
                    self.assertFalse(k, l)
            self.assertEqual(len(spans), 1)
            s, e, c = spans[0]
            self.assertEqual((s, e), (2, 3))
            self.assertIn(labels[c], D.PHRASINGS["disease"])

    def test_without_prompt_types_the_stream_is_unchanged(self):
        # The fixture and default-v1 presets must draw the same examples as before.
        a = D.make_example(ncbi_sentence(), random.Random(5), 12)
        rng = random.Random(5)
        ph = D.PHRASINGS["disease"]
        p = ph[0] if rng.random() < 0.5 else rng.choice(ph)
        negs = rng.sample(D.NEGATIVES, rng.randint(0, 3))
        self.assertEqual(sorted(a[1]), sorted([p] + negs))
        self.assertTrue(all(a[3]))

    def test_evaluation_scores_only_the_corpus_types(self):
        labels = [D.CANONICAL[t] for t in TYPES]
        words, got, spans, scored = D.make_example(ncbi_sentence(), random.Random(0), 12, train=False,
                                                   canonical_labels=labels)
        self.assertEqual(got, labels)
        self.assertEqual(scored, [True, False, False])
        self.assertEqual(spans, [(2, 3, 0)])


class MaskedLossTest(unittest.TestCase):
    def test_unannotated_type_supervised_only_on_other_types_gold_spans(self):
        tok = FakeTok()
        # labels: disease (known), gene (not known), person (negative, known)
        ex = (["aspirin", "caused", "cystic", "fibrosis"], ["disease", "gene", "person"], [(2, 3, 0)],
              [True, False, True])
        d = D.encode([ex], tok, 3)
        self.assertEqual(d["class_known"].tolist(), [[True, False, True]])
        self.assertTrue(bool(d["gold_any"][0, 2, 1]))
        self.assertEqual(int(d["gold_any"].sum()), 1)
        base = torch.zeros(1, 4, 3, 3)
        loss0 = span_loss(base, d)
        for (s, k, c), counted in {(0, 0, 1): False, (1, 1, 1): False, (2, 1, 1): True, (0, 0, 0): True,
                                   (0, 0, 2): True, (3, 2, 0): False}.items():
            lg = base.clone()
            lg[0, s, k, c] = 5.0
            changed = abs(float(span_loss(lg, d)) - float(loss0)) > 1e-6
            self.assertEqual(changed, counted, (s, k, c))

    def test_three_tuples_are_fully_known(self):
        d = D.encode([(["aspirin"], ["chemical"], [(0, 0, 0)])], FakeTok(), 2)
        self.assertTrue(bool(d["class_known"].all()))


class CasingTest(unittest.TestCase):
    def test_words(self):
        self.assertEqual(A.title_word("alpha-synuclein"), "Alpha-Synuclein")
        self.assertEqual(A.title_word("p53"), "P53")
        self.assertEqual(A.initial_word("metformin"), "Metformin")

    def test_title_and_upper_touch_only_mentions(self):
        words = ["we", "gave", "cystic", "fibrosis", "patients", "tnf", "."]
        spans = [(2, 3, "disease"), (5, 5, "gene")]
        w, s = A.recase(words, spans, random.Random(0), {"title": 1.0})
        self.assertEqual(w, ["we", "gave", "Cystic", "Fibrosis", "patients", "Tnf", "."])
        self.assertEqual(s, spans)
        w, s = A.recase(words, spans, random.Random(0), {"upper": 1.0})
        self.assertEqual(w, ["we", "gave", "cystic", "fibrosis", "patients", "TNF", "."], "upper: one short word")

    def test_initial_crops_to_a_mention(self):
        words = ["patients", "took", "aspirin", "for", "asthma", "."]
        spans = [(2, 2, "chemical"), (4, 4, "disease")]
        for seed in range(10):
            w, s = A.recase(words, spans, random.Random(seed), {"initial": 1.0})
            self.assertEqual(s[0][0], 0)
            self.assertTrue(w[0][0].isupper(), w)
            self.assertEqual(w[s[0][0]:s[0][1] + 1][0].lower(), words[spans[0][0] if w[0] == "Aspirin" else 4])
            for st, en, t in s:
                self.assertTrue(0 <= st <= en < len(w))

    def test_no_mentions_no_change(self):
        words = ["nothing", "here"]
        self.assertEqual(A.recase(words, [], random.Random(0), {"title": 1.0, "initial": 1.0}), (words, []))


SHARED = os.environ.get("GLINER_SHARED_DIR", "testdata/shared")


class DevelTrainTest(unittest.TestCase):
    def test_selection_sentences_are_never_trained_on(self):
        P = dict(train=dict(ncbi_disease=0), repeat=dict(ncbi_disease=2), devel_limit=100, devel_shuffle=True)
        base, _ = load_training(P, None, SHARED, say=lambda m: None)
        P["devel_train"] = True
        train, dv = load_training(P, None, SHARED, say=lambda m: None)
        whole = D.load_corpus(SHARED, "ncbi-disease", "devel")
        n_devel = len(whole)
        # selection: the first sentences in file order (whole abstracts), not a shuffled sample
        self.assertEqual([s.words for s in dv["ncbi-disease"]], [s.words for s in whole[:100]])
        # the rest of devel joins the training data, repeated like the corpus's train split
        self.assertEqual(len(train), len(base) + 2 * (n_devel - 100))
        held = {id(s) for s in dv["ncbi-disease"]}
        self.assertFalse(any(id(s) in held for s in train))
        key = lambda s: (tuple(s.words), tuple(s.spans))
        extra = [key(s) for s in train[len(base):]]
        self.assertFalse(set(key(s) for s in dv["ncbi-disease"]) & set(extra) -
                         set(key(s) for s in base))


if __name__ == "__main__":
    unittest.main()
