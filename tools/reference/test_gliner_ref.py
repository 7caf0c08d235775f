"""Unit tests of gliner_ref.py on synthetic inputs (no model needed).

Run: /usr/bin/python3 -m unittest discover -s tools/reference -p 'test_*.py'
The tokenizer tests need node and tools/oracle/node_modules (make deps); they
are skipped when those are missing.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gliner_ref as g  # noqa: E402

SHARED = os.environ.get("GLINER_SHARED_DIR", os.path.join(g.REPO, "testdata", "shared"))
BERT_TOK = os.path.join(SHARED, "data", "tokenizers", "bert-base-uncased.tokenizer.json")
SPM = os.path.join(SHARED, "data", "tokenizers", "deberta-v3.spm.model")
ORACLE = os.path.join(g.REPO, "tools", "oracle", "node_modules", "@anush008", "tokenizers")


def have_oracle():
    return shutil.which("node") is not None and os.path.isdir(ORACLE)


def logit(p):
    """float32 logit whose float32 sigmoid is p (approximately)."""
    return np.float32(np.log(p / (1 - p)))


class WordsTest(unittest.TestCase):
    def test_spec_examples(self):
        w = lambda t: [x.text for x in g.split_words(t)]
        self.assertEqual(w("e-mail co-op_x"), ["e-mail", "co-op_x"])
        self.assertEqual(w("3.14 U.S.A."), ["3", ".", "14", "U", ".", "S", ".", "A", "."])
        self.assertEqual(w("don't"), ["don", "'", "t"])
        self.assertEqual(w("nai\u0308ve"), ["nai", "\u0308", "ve"])
        self.assertEqual(len(g.split_words("हिन्दी")), 6)
        self.assertEqual(w("a\u200bb"), ["a", "\u200b", "b"])  # U+200B is not whitespace
        self.assertEqual(w("a\u00a0b\u3000c"), ["a", "b", "c"])

    def test_code_point_offsets(self):
        ws = g.split_words("café 😀 naïve")
        self.assertEqual([(x.start, x.end) for x in ws], [(0, 4), (5, 6), (7, 12)])
        self.assertEqual(g.byte_offset("café 😀 naïve", 7), 11)

    def test_valid_text(self):
        self.assertFalse(g.is_valid_text(""))
        self.assertFalse(g.is_valid_text(" \t\n\x1c\x1f\x85\u2028\u3000"))
        self.assertTrue(g.is_valid_text("\u200b"))
        self.assertFalse(g.is_valid_text(None))

    def test_labels_and_truncation(self):
        self.assertEqual(g.dedup_labels(["b", "a", "b", "c", "a"]), ["b", "a", "c"])
        self.assertEqual(g.dedup_labels("x"), ["x"])
        ws = g.split_words("a b c d e")
        self.assertEqual([x.text for x in g.truncate_words(ws, 3)], ["a", "b", "c"])
        self.assertEqual(g.build_prompt(["x y", "z"]), ["<<ENT>>", "x y", "<<ENT>>", "z", "<<SEP>>"])


class TensorTest(unittest.TestCase):
    def test_words_mask_counter(self):
        # prompt of 3 words (0..2), text words 3..6; word 4 produced no token.
        wids = [None, 0, 1, 1, 2, 3, 3, 5, 6, None]
        self.assertEqual(g.words_mask_from_word_ids(wids, 3), [0, 0, 0, 0, 0, 1, 0, 2, 3, 0])

    def test_span_candidates(self):
        idx, m = g.span_candidates(3, 2)
        self.assertEqual(idx, [(0, 0), (0, 1), (1, 1), (1, 2), (2, 2), (2, 3)])
        self.assertEqual(m, [True, True, True, True, True, False])


class GreedyTest(unittest.TestCase):
    S = g.Span

    def test_flat(self):
        sp = [self.S(0, 1, 0, 0.9), self.S(1, 2, 0, 0.8), self.S(3, 3, 1, 0.7), self.S(0, 1, 1, 0.6)]
        self.assertEqual([(s.start, s.end, s.cls) for s in g.greedy_search(sp, True, False)],
                         [(0, 1, 0), (3, 3, 1)])
        self.assertEqual([(s.start, s.end, s.cls) for s in g.greedy_search(sp, True, True)],
                         [(0, 1, 0), (0, 1, 1), (3, 3, 1)])

    def test_nested(self):
        sp = [self.S(0, 3, 0, 0.9), self.S(1, 2, 1, 0.8), self.S(2, 4, 0, 0.85), self.S(1, 2, 0, 0.7)]
        got = [(s.start, s.end, s.cls) for s in g.greedy_search(sp, False, False)]
        self.assertEqual(got, [(0, 3, 0), (1, 2, 1)])  # (2,4) crosses (0,3); (1,2,0) same span
        got = [(s.start, s.end, s.cls) for s in g.greedy_search(sp, False, True)]
        self.assertEqual(got, [(0, 3, 0), (1, 2, 1), (1, 2, 0)])

    def test_ties_keep_enumeration_order(self):
        sp = [self.S(2, 2, 0, 0.7), self.S(1, 2, 0, 0.7), self.S(0, 0, 0, 0.7)]
        self.assertEqual([(s.start, s.end) for s in g.greedy_search(sp, True, False)], [(0, 0), (2, 2)])


class DecodeTest(unittest.TestCase):
    def test_span_strict_threshold_and_length(self):
        W, K, C = 3, 2, 2
        lg = np.full((W, K, C), -10, dtype=np.float32)
        lg[0, 0, 0] = 0.0          # p = 0.5 exactly: not > 0.5
        lg[1, 0, 1] = 2.0          # kept
        lg[2, 1, 0] = 5.0          # (2,3) beyond 3 words: dropped
        sp = g.decode_span_item(lg, 3, ["a", "b"], 0.5)
        self.assertEqual([(s.start, s.end, s.cls) for s in sp], [(1, 1, 1)])
        # torch's float32 sigmoid may be 1 ulp off the correctly rounded value.
        self.assertAlmostEqual(sp[0].score, 1 / (1 + np.exp(-2.0)), delta=1.2e-7)
        self.assertEqual(sp[0].score, float(np.float32(sp[0].score)))

    def test_per_label_thresholds(self):
        lg = np.full((2, 1, 2), -10, dtype=np.float32)
        lg[0, 0, 0] = logit(0.45)
        lg[1, 0, 1] = logit(0.65)
        sp = g.decode_span_item(lg, 2, ["disease", "chemical"], {"disease": 0.4, "chemical": 0.7})
        self.assertEqual([(s.start, s.cls) for s in sp], [(0, 0)])

    def test_float32_threshold(self):
        # torch compares float32 probabilities with float32(threshold).
        p = np.float32(0.3)
        self.assertFalse(p > g.thresholds_for(["x"], 0.3)[0])

    def test_token_layouts_equal(self):
        rng = np.random.default_rng(0)
        W, C = 6, 2
        lg = rng.normal(0, 2, size=(W, C, 3)).astype(np.float32)
        lg[1, 0] = [4, -4, 4]
        lg[3, 0] = [-4, 4, 4]
        lg[2, 0, 2] = 4
        a = g.decode_token_item(lg, W, ["a", "b"], 0.5, flat_ner=False)
        old = np.transpose(lg[None], (3, 0, 1, 2))  # [3, B, W, C]
        b = g.decode_token_item(g.token_logits_to_bwc3(old, "3BWC")[0], W, ["a", "b"], 0.5, flat_ner=False)
        self.assertEqual([(s.start, s.end, s.cls, s.score) for s in a], [(s.start, s.end, s.cls, s.score) for s in b])
        self.assertIn((1, 3, 0), [(s.start, s.end, s.cls) for s in a])

    def test_token_min_score_and_inside(self):
        W, C = 3, 1
        lg = np.full((W, C, 3), -10, dtype=np.float32)
        lg[0, 0] = [3, -3, 1]
        lg[2, 0] = [-3, 2, 1.5]
        lg[1, 0, 2] = 0.0  # inside p = 0.5: >= 0.5 passes
        sp = g.decode_token_item(lg, W, ["a"], 0.5)
        self.assertEqual([(s.start, s.end) for s in sp], [(0, 2)])
        self.assertEqual(sp[0].score, 0.5)
        lg[1, 0, 2] = -0.01  # now below threshold
        self.assertEqual(g.decode_token_item(lg, W, ["a"], 0.5), [])


@unittest.skipUnless(have_oracle() and os.path.exists(BERT_TOK), "node tokenizers oracle or shared data missing")
class TokenizerTest(unittest.TestCase):
    def test_bert_zero_token_word_shifts_counter(self):
        tok = g.HFTokenizer(BERT_TOK)
        cfg = g.Config()
        it = g.prepare_text("Naïve \u200b patients", cfg)
        b = g.build_batch([it], ["disease"], tok, cfg)
        self.assertEqual(b.input_ids[0, 0], 101)
        wm = b.words_mask[0].tolist()
        self.assertEqual(sorted(x for x in wm if x), [1, 2])  # 3 words, one without tokens
        self.assertEqual(b.text_lengths.tolist(), [[3]])

    @unittest.skipUnless(os.path.exists(os.path.join(g.REPO, "tools", "oracle", "hf_encode.js")), "hf_encode.js missing")
    def test_same_as_hf_encode_oracle(self):
        """encode_pretokenized equals tools/oracle/hf_encode.js {"words": ...} (ids and word ids)."""
        tok = g.HFTokenizer(BERT_TOK)
        seqs = [["<<ENT>>", "disease", "<<SEP>>", "Naïve", "\u200b", "patients", "chemical compound", "CO2-induced"],
                ["a"], ["Famotidine", "-", "associated", "delirium", "."]]
        mine = tok.encode_pretokenized(seqs)
        inp = "".join(__import__("json").dumps({"words": s}) + "\n" for s in seqs)
        out = subprocess.run(["node", os.path.join(g.REPO, "tools", "oracle", "hf_encode.js"), BERT_TOK],
                             input=inp.encode(), stdout=subprocess.PIPE, check=True,
                             env=dict(os.environ, NODE_PATH=os.path.join(g.REPO, "tools", "oracle", "node_modules")))
        theirs = [__import__("json").loads(l) for l in out.stdout.decode().splitlines()]
        for (ids, wids), t in zip(mine, theirs):
            self.assertEqual(ids, t["ids"])
            self.assertEqual(wids, t["word_ids"])

    @unittest.skipUnless(os.path.exists(SPM), "spm.model missing")
    def test_deberta_worked_example(self):
        d = tempfile.mkdtemp()
        try:
            tj = os.path.join(d, "tokenizer.json")
            subprocess.run(["/usr/bin/python3", os.path.join(g.REPO, "scripts", "spm_to_tokenizer_json.py"),
                            SPM, tj, "--add-tokens", "[FLERT],<<ENT>>,<<SEP>>"], check=True)
            tok = g.HFTokenizer(tj)
            cfg = g.Config()
            b = g.build_batch([g.prepare_text("My name is James Bond", cfg),
                               g.prepare_text("The villain in the movie is Auric Goldfinger", cfg)],
                              ["movie character", "vehicle"], tok, cfg)
            self.assertEqual(b.input_ids[0].tolist()[:13],
                             [1, 128002, 1421, 1470, 128002, 1508, 128003, 573, 601, 269, 1749, 8728, 2])
            self.assertEqual(b.words_mask[0].tolist()[:13], [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0])
            self.assertEqual(b.words_mask[1].tolist()[-4:], [7, 0, 8, 0])
            self.assertEqual(b.attention_mask[0].tolist(), [1] * 13 + [0] * 4)
            self.assertEqual(b.text_lengths.tolist(), [[5], [8]])
            self.assertEqual(b.span_idx.shape, (2, 8 * 12, 2))
            self.assertFalse(b.span_mask[0, 5 * 12:].any())
        finally:
            shutil.rmtree(d)


GOLDEN = os.path.join(g.REPO, "testdata", "golden")


class GoldenFormatTest(unittest.TestCase):
    """The committed goldens are internally consistent (offsets, counts, shapes)."""

    def test_reference_goldens(self):
        import glob
        import gzip
        import json
        files = [f for f in glob.glob(os.path.join(GOLDEN, "*.jsonl.gz"))
                 if not os.path.basename(f).startswith(("glinerjs-", "bi-")) and ".batched." not in f]
        if not files:
            self.skipTest("no goldens")
        for path in files:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                recs = [json.loads(l) for l in f]
            head = recs[0]
            self.assertEqual(head["kind"], "header")
            names = [s["name"] for s in head["settings"]]
            for r in recs[1:]:
                text = r["text"]
                self.assertEqual(r["valid"], g.is_valid_text(text), r["id"])
                if not r["valid"]:
                    self.assertTrue(all(r["entities"][n] == [] for n in names))
                    continue
                self.assertEqual(r["text_lengths"], [[r["n_words"]]])
                self.assertEqual(r["n_words"], min(len(g.split_words(text)), head["max_len"]))
                self.assertEqual(len(r["input_ids"]), len(r["words_mask"]))
                if not head["token_level"]:
                    self.assertEqual(r["span_rows"], r["W"] * r["K"])
                labels = g.dedup_labels(r.get("labels", head["default_labels"]))
                for n in names:
                    starts = [e["start"] for e in r["entities"][n]]
                    self.assertEqual(starts, sorted(starts))
                    for e in r["entities"][n]:
                        self.assertIn(e["label"], labels)
                        self.assertEqual(e["start_byte"], len(text[:e["start"]].encode("utf-8")))
                        self.assertEqual(e["end_byte"], len(text[:e["end"]].encode("utf-8")))
                        self.assertTrue(0 < e["score"] <= 1)


if __name__ == "__main__":
    unittest.main()
