"""A small BERT-shaped token classifier trained from scratch (no pretrained weights).

    input_ids -> Gather(remap) -> word embedding rows
              + learned position embedding (max_position_embeddings rows)
              + token type embedding (type_vocab_size rows, from token_type_ids)
              -> LayerNorm -> N post-LN Transformer layers (BERT's layout)
              -> Linear -> logits [batch, sequence, tags]

`remap` (int64 [tokenizer vocab]) maps the real tokenizer ids to the rows of a
small embedding matrix (ids seen at least twice in training plus the special
tokens; every other id -> the [UNK] row) so the graph takes the real
bert-base-uncased ids while the file stays a few MB.

Everything is plain torch ops, exportable by torch.onnx.export (opset 14) with
dynamic batch and sequence axes; all three contract inputs are used.
"""

import math

import torch
from torch import nn


class Layer(nn.Module):
    """BERT encoder layer (post-LayerNorm) written with plain ops."""

    def __init__(self, d, heads, ffn, dropout):
        super().__init__()
        self.heads, self.hd = heads, d // heads
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.ln1 = nn.LayerNorm(d, eps=1e-12)
        self.ff1 = nn.Linear(d, ffn)
        self.ff2 = nn.Linear(ffn, d)
        self.ln2 = nn.LayerNorm(d, eps=1e-12)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, bias):
        B, T, D = x.shape
        qkv = self.qkv(x).view(B, T, 3, self.heads, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.hd)) + bias, dim=-1)
        ctx = torch.matmul(self.drop(att), v).permute(0, 2, 1, 3).reshape(B, T, D)
        x = self.ln1(x + self.drop(self.out(ctx)))
        return self.ln2(x + self.drop(self.ff2(nn.functional.gelu(self.ff1(x)))))


class TokenClassifier(nn.Module):
    def __init__(self, remap, n_rows, n_tags, d=128, layers=2, heads=4, ffn=512, max_pos=128, types=2,
                 dropout=0.1):
        super().__init__()
        self.register_buffer("remap", remap.clone().long())
        self.word = nn.Embedding(n_rows, d)
        self.pos = nn.Embedding(max_pos, d)
        self.typ = nn.Embedding(types, d)
        for e in (self.word, self.pos, self.typ):
            nn.init.normal_(e.weight, std=0.02)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.drop = nn.Dropout(dropout)
        self.layers = nn.ModuleList([Layer(d, heads, ffn, dropout) for _ in range(layers)])
        self.cls = nn.Linear(d, n_tags)

    def forward(self, input_ids, attention_mask, token_type_ids, unk_row=None, row_dropout=0.0):
        rows = self.remap[input_ids]
        if self.training and row_dropout > 0 and unk_row is not None:
            # Teach the [UNK] row: replace some real rows (not specials) by it.
            drop = (torch.rand(rows.shape) < row_dropout) & (attention_mask > 0) & (rows > 4)
            rows = torch.where(drop, torch.full_like(rows, unk_row), rows)
        # Positions 0..T-1 from the input (cumsum keeps the sequence axis dynamic).
        pos = torch.cumsum(torch.ones_like(input_ids), dim=1) - 1
        x = self.word(rows) + self.pos(pos) + self.typ(token_type_ids)
        x = self.drop(self.ln(x))
        bias = (1.0 - attention_mask.to(x.dtype)).unsqueeze(1).unsqueeze(2) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return self.cls(x)
