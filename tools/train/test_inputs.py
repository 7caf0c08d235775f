"""Unit tests of the input tables (case folding, hashed buckets, word shapes,
affixes) and of an exported model that uses them (run by make test).

    /usr/bin/python3 -m unittest discover -s tools/train -t . -p 'test_*.py'
"""

import os
import tempfile
import unittest

import torch

from tools.train import inputs as I
from tools.train.model import GLiNER


class FakeTok:
    """A 40-id SentencePiece-like vocabulary: 0-3 [PAD] [CLS] [SEP] [UNK],
    then pieces, then the added tokens <<ENT>>=38 and <<SEP>>=39."""

    model_name = "fake"
    kind = "fake"
    PIECES = ["[PAD]", "[CLS]", "[SEP]", "[UNK]", "▁aspirin", "▁Aspirin", "▁ASPIRIN", "▁cystic", "▁Cystic",
              "▁fibrosis", "▁BRCA", "1", "▁CF", "TR", "▁mRNA", "▁was", "▁given", "▁Was", "irin", "▁asp",
              "▁Asp", "▁p53", "▁disease", "▁chemical", "▁gene", "▁person", "."]

    def __init__(self):
        self.vocab = {p: i for i, p in enumerate(self.PIECES)}
        self.vocab_size = 40
        self.added = {"<<ENT>>": 38, "<<SEP>>": 39}
        self.pad_id, self.cls_id, self.sep_id, self.unk_id = 0, 1, 2, 3
        self.ent_id = 38

    def special_ids(self):
        return [0, 1, 2, 3, 38, 39]

    def pieces(self):
        return enumerate(self.PIECES)

    def piece_id(self, piece):
        return self.vocab.get(piece)

    def shape_of(self, piece):
        return I.piece_shape(piece)

    def parts_of(self, piece):
        return I.piece_parts(piece)

    def encode_word(self, w):
        if w in self.added:
            return [self.added[w]]
        p = "▁" + w
        return [self.vocab[p]] if p in self.vocab else [30 + (sum(map(ord, w)) % 8)]

    def save(self, out_dir):
        open(os.path.join(out_dir, "fake_tokenizer.txt"), "w").close()


def tables(min_count=2, n_buckets=16, counts=None, affix_buckets=0):
    tok = FakeTok()
    counts = counts if counts is not None else {4: 5, 5: 1, 7: 1, 8: 1, 9: 3, 15: 9, 11: 1}
    return tok, I.input_tables(tok, counts, min_count, n_buckets, extra_keep=[22], affix_buckets=affix_buckets)


class ShapeTest(unittest.TestCase):
    def test_piece_shapes(self):
        cases = {"▁aspirin": ("lower", True, False), "▁Aspirin": ("title", True, False),
                 "▁BRCA": ("upper", True, False), "1": ("none", False, True), "▁mRNA": ("mixed", True, False),
                 "TR": ("upper", False, False), "▁p53": ("lower", True, True), "▁A": ("title", True, False)}
        seen = set()
        for piece, (case, start, digit) in cases.items():
            want = 1 + (int(start) * len(I.CASES) + I.CASES.index(case)) * 2 + int(digit)
            got = I.piece_shape(piece)
            self.assertEqual(got, want, piece)
            self.assertTrue(0 < got < I.N_SHAPES, piece)
            seen.add((case, start, digit))
        self.assertEqual(I.piece_shape("##Ab", continuation_marker="##"), 1 + (0 + 2) * 2)
        self.assertEqual(I.piece_shape("Ab", continuation_marker="##"), 1 + (len(I.CASES) + 2) * 2)


class InputTablesTest(unittest.TestCase):
    def test_case_folding_shares_rows_and_keeps_the_case_in_the_shape(self):
        tok, t = tables()
        remap, shape = t["remap"], t["shape"]
        # ▁Aspirin and ▁ASPIRIN fold onto ▁aspirin (counted 5 + 1 times): one row.
        self.assertEqual(int(remap[5]), int(remap[4]))
        self.assertEqual(int(remap[6]), int(remap[4]))
        self.assertNotEqual(int(shape[5]), int(shape[4]))
        self.assertNotEqual(int(shape[6]), int(shape[5]))
        # ▁cystic (1) + ▁Cystic (1) reach min_count 2 together.
        self.assertEqual(int(remap[7]), int(remap[8]))
        self.assertLess(int(remap[7]), t["n_rows"] - 16, "cystic should have its own row, not a bucket")

    def test_unseen_ids_get_distinct_bucket_rows(self):
        tok, t = tables(n_buckets=16)
        remap, n_rows = t["remap"], t["n_rows"]
        first_bucket = n_rows - 16
        unseen = [i for i in range(4, 38) if i not in (4, 5, 6, 7, 8, 9, 15, 22, 17)]
        rows = [int(remap[i]) for i in unseen]
        self.assertTrue(all(first_bucket <= r < n_rows for r in rows), rows)
        self.assertGreater(len(set(rows)), len(rows) // 2, "unseen ids collapse onto few rows: %s" % rows)
        self.assertEqual(int(remap[3]), 0, "[UNK] keeps the UNK row")
        self.assertEqual(int(remap[11]), int(t["bucket_rows"][11]), "an id seen once is in its bucket")

    def test_specials_labels_and_bucket_rows(self):
        tok, t = tables()
        remap, bucket_rows = t["remap"], t["bucket_rows"]
        special = [int(remap[i]) for i in (0, 1, 2, 38, 39)]
        self.assertEqual(sorted(special), t["special_rows"])
        self.assertEqual(len(set(special)), 5)
        for i in (0, 1, 2, 38, 39):
            self.assertEqual(int(bucket_rows[i]), int(remap[i]), "row dropout must not move specials")
            self.assertEqual(int(t["shape"][i]), I.SHAPE_SPECIAL)
        self.assertLess(int(remap[22]), t["n_rows"] - 16, "label words keep their own row")
        # Every id's bucket row is in the bucket range, except specials and [UNK].
        first_bucket = t["n_rows"] - 16
        for i in range(4, 38):
            self.assertTrue(first_bucket <= int(bucket_rows[i]) < t["n_rows"], i)

    def test_deterministic(self):
        _, a = tables()
        _, b = tables()
        for k in ("remap", "bucket_rows", "shape"):
            self.assertTrue(torch.equal(a[k], b[k]), k)


class AffixTest(unittest.TestCase):
    def test_affixes_of_a_piece(self):
        self.assertEqual(I.piece_parts("▁Fluconazole"), (True, "Fluconazole"))
        self.assertEqual(I.piece_parts("##zole", continuation_marker="##"), (False, "zole"))
        got = I.affixes(True, "Fluconazole")
        self.assertEqual(got, ["s2:le", "s3:ole", "s4:zole", "s5:azole", "s6:nazole", "p3^:flu", "p4^:fluc"])
        self.assertEqual(I.affixes(False, "itis")[:4], ["s2:is", "s3:tis", "s4:itis", None])
        self.assertEqual(I.affixes(False, "itis")[5], "p3:iti", "inner pieces' prefixes differ from word starts'")
        self.assertEqual(I.affixes(True, "2,3"), [None] * I.AFFIX_SLOTS, "no letters, no affixes")

    def test_table(self):
        tok, t = tables(affix_buckets=64)
        a = t["affix"]
        self.assertEqual(a.dtype, torch.int16)
        self.assertEqual(tuple(a.shape), (40, I.AFFIX_SLOTS))
        for i in tok.special_ids():
            self.assertEqual(a[i].tolist(), [0] * I.AFFIX_SLOTS)
        self.assertTrue(((a >= 0) & (a <= 64)).all())
        # Case does not matter: ▁Aspirin and ▁aspirin have the same affixes; "▁asp" and "irin" share none.
        self.assertEqual(a[4].tolist(), a[5].tolist())
        self.assertEqual(a[4].tolist()[2], I.affix_bucket("s4:irin", 64))
        self.assertNotIn("affix", tables()[1], "no affix table unless asked")


def tiny_cfg():
    return dict(span_mode="markerV0", max_width=3, hidden_size=8, class_token_index=38, num_rnn_layers=1,
                dropout=0.0, max_len=384, max_types=25, embed_ent_token=False, word_pool="mean",
                input_tables=True, hash_buckets=16,
                encoder=dict(emb_dim=8, d_model=8, n_layers=1, n_heads=2, ffn_dim=16, dropout=0.0))


class ModelWithTablesTest(unittest.TestCase):
    cfg = staticmethod(tiny_cfg)

    def model(self):
        cfg = self.cfg()
        tok, t = tables(affix_buckets=cfg.get("affix_buckets", 0))
        torch.manual_seed(0)
        m = GLiNER(cfg, t["remap"], t["n_rows"], 0, t["special_rows"], t)
        return tok, t, m

    def test_shape_embedding_changes_the_input(self):
        tok, t, m = self.model()
        enc = m.token_rep_layer.eval()
        mask = torch.ones(1, 3, dtype=torch.long)
        lower = enc(torch.tensor([[1, 4, 2]]), mask)
        title = enc(torch.tensor([[1, 5, 2]]), mask)
        self.assertFalse(torch.allclose(lower, title), "same row, different shape: must differ")

    def test_row_dropout_uses_bucket_rows(self):
        tok, t, m = self.model()
        enc = m.token_rep_layer.train()
        enc.row_dropout = 1.0
        seen = []
        hook = enc.emb.register_forward_hook(lambda mod, args, out: seen.append(args[0].clone()))
        try:
            enc(torch.tensor([[1, 4, 9, 2]]), torch.ones(1, 4, dtype=torch.long))
        finally:
            hook.remove()
        rows = seen[0][0].tolist()
        self.assertEqual(rows[0], int(t["remap"][1]), "special row dropped")
        self.assertEqual(rows[1:3], [int(t["bucket_rows"][4]), int(t["bucket_rows"][9])])

    def test_export_keeps_the_published_contract(self):
        import onnx

        from tools.train import export as E
        tok, t, m = self.model()
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "ck.pt")
            torch.save(dict(cfg=self.cfg(), n_rows=t["n_rows"], unk_row=0, tokenizer="fake", name="tiny",
                            state_dict=m.state_dict()), ck)
            back, _ = E.load_checkpoint(ck)
            self.assertIsNotNone(back.token_rep_layer.shape_emb)
            out = os.path.join(d, "model")
            path = E.export(ck, out, tok=tok)  # runs check_onnx: names, dtypes, ranks
            g = onnx.load(path).graph
            self.assertEqual([i.name for i in g.input], E.SPAN_INPUTS)
            self.assertEqual([o.name for o in g.output], ["logits"])
            # The torch model in eval mode and the exported inputs agree on a batch.
            args = E.dummy_inputs(tok, True, 3, texts=["aspirin was given .", "Aspirin"], labels=["chemical", "gene"])
            with torch.no_grad():
                logits = back(*args)
            self.assertEqual(tuple(logits.shape), (2, 4, 3, 2))
            if self.cfg().get("affix_buckets"):
                self.assertIsNotNone(back.token_rep_layer.affix_emb)
                affix = [x for x in g.initializer if x.data_type == onnx.TensorProto.INT16]
                self.assertEqual([tuple(x.dims) for x in affix], [(40, I.AFFIX_SLOTS)], "the affix table is int16")


def tiny_affix_cfg():
    return dict(tiny_cfg(), affix_buckets=64)


class ModelWithAffixesTest(ModelWithTablesTest):
    """The same tests with the affix embedding, plus its own."""
    cfg = staticmethod(tiny_affix_cfg)

    def test_affixes_change_unseen_ids(self):
        tok, t, m = self.model()
        enc = m.token_rep_layer.eval()
        mask = torch.ones(1, 3, dtype=torch.long)
        # The affix embedding is part of every non-special input.
        self.assertIsNotNone(enc.affix_emb)
        with torch.no_grad():
            self.assertEqual(float(enc.affix_emb.weight[0].abs().sum()), 0.0, "row 0 (no affix) is zero")
            enc.affix_emb.weight[1:].normal_()
            x = enc(torch.tensor([[1, 4, 2]]), mask)
            enc.affix_emb.weight[1:].zero_()
            y = enc(torch.tensor([[1, 4, 2]]), mask)
        self.assertFalse(torch.allclose(x, y))


if __name__ == "__main__":
    unittest.main()
