"""Unit tests of tools/train's model graph (run by make test).

    /usr/bin/python3 -m unittest discover -s tools/train -t . -p 'test_*.py'
"""

import unittest

import torch

from tools.train.model import GLiNER
from tools.train.train import Average, sync_grads


def tiny(word_pool):
    cfg = dict(span_mode="markerV0", max_width=3, hidden_size=8, class_token_index=5, num_rnn_layers=1,
               dropout=0.0, max_len=384, max_types=25, embed_ent_token=True, word_pool=word_pool,
               encoder=dict(emb_dim=8, d_model=8, n_layers=1, n_heads=2, ffn_dim=16, dropout=0.0))
    torch.manual_seed(0)
    remap = torch.arange(32)
    return GLiNER(cfg, remap, 32, 0, special_rows=()).eval()


# Two prompts "[CLS] <<ENT>> l <<SEP>> words... [SEP]" (id 5 = <<ENT>>, 6 =
# <<SEP>>, 1 = [CLS], 2 = [SEP], 0 = padding). Row 0: words of 1, 3 and 2
# sub-tokens; row 1: words of 2 and 1 sub-tokens, then padding.
INPUT_IDS = torch.tensor([[1, 5, 9, 6, 10, 11, 12, 13, 14, 15, 2],
                          [1, 5, 9, 6, 20, 21, 22, 2, 0, 0, 0]])
WORDS_MASK = torch.tensor([[0, 0, 0, 0, 1, 2, 0, 0, 3, 0, 0],
                           [0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0]])
ATTENTION = (INPUT_IDS != 0).long()
ATTENTION[0] = 1
LENGTHS = torch.tensor([[3], [2]])
WORD_TOKENS = [[[4], [5, 6, 7], [8, 9]], [[4, 5], [6]]]  # token positions of each word


class WordPoolingTest(unittest.TestCase):
    def words(self, model):
        tok = model.token_rep_layer(INPUT_IDS, ATTENTION)
        captured = {}
        def keep(mod, args):
            captured["words"] = args[0]  # returns None: the input is unchanged

        hook = model.rnn.register_forward_pre_hook(keep)
        try:
            model.representations(INPUT_IDS, ATTENTION, WORDS_MASK, LENGTHS, 3)
        finally:
            hook.remove()
        return tok, captured["words"]

    def test_mean_is_the_mean_of_each_words_sub_tokens(self):
        tok, words = self.words(tiny("mean"))
        for b, spans in enumerate(WORD_TOKENS):
            for w, pos in enumerate(spans):
                want = tok[b, pos].mean(dim=0)
                self.assertTrue(torch.allclose(words[b, w], want, atol=1e-6), (b, w))
        self.assertTrue(torch.equal(words[1, 2], torch.zeros(8)), "padding word not zero")

    def test_first_is_the_first_sub_token(self):
        tok, words = self.words(tiny("first"))
        for b, spans in enumerate(WORD_TOKENS):
            for w, pos in enumerate(spans):
                self.assertTrue(torch.equal(words[b, w], tok[b, pos[0]]), (b, w))


class SyncGradsTest(unittest.TestCase):
    def test_one_worker_keeps_gradients_and_flag(self):
        m = torch.nn.Linear(2, 1)
        m(torch.ones(1, 2)).sum().backward()
        g = m.weight.grad.clone()
        self.assertTrue(sync_grads(m, True))
        self.assertFalse(sync_grads(m, False))
        self.assertTrue(torch.equal(m.weight.grad, g))


class AverageTest(unittest.TestCase):
    def test_average_follows_the_weights_and_swaps_back(self):
        m = torch.nn.Linear(2, 1)
        m.register_buffer("ids", torch.arange(3))  # integer buffers are not averaged
        w0 = m.weight.detach().clone()
        avg = Average(m, 0.5)
        with torch.no_grad():
            m.weight.add_(1.0)
        avg.update()  # k=0: d = min(0.5, 1/10) = 0.1
        want = 0.1 * w0 + 0.9 * (w0 + 1.0)
        self.assertTrue(torch.allclose(avg.avg["weight"], want))
        self.assertNotIn("ids", avg.avg)
        trained = m.weight.detach().clone()
        with avg.swapped():
            self.assertTrue(torch.allclose(m.weight, want))
        self.assertTrue(torch.equal(m.weight, trained))
        for _ in range(100):
            avg.update()  # the decay reaches its cap: the average tends to the constant weights
        self.assertTrue(torch.allclose(avg.avg["weight"], trained, atol=1e-6))


if __name__ == "__main__":
    unittest.main()
