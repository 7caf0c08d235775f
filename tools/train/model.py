"""GLiNER-architecture modules (uni-encoder span and token-level models).

The graph mirrors urchade/GLiNER (gliner/modeling/*) so that the exported ONNX
file has exactly the published contract (docs/reference.md §2.7, §3, §4.2, §4.3, §4.6):

    sub-word ids -> remap -> embedding -> Transformer encoder (trained from
    scratch) -> optional Linear projection -> label embeddings at the
    positions of <<ENT>> (class_token_index baked in) -> prompt_rep_layer MLP
    word embeddings at words_mask == m > 0 -> BiLSTM over words (lengths from
    text_lengths) -> SpanMarkerV0 -> einsum("BLKD,BCD->BLKC")

Token-level models replace SpanMarkerV0 + einsum by the reference Scorer.

Everything here is plain torch and traceable by torch.onnx.export (opset 14+).
"""

import math

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def create_projection_layer(hidden_size, dropout, out_dim=None):
    """Linear(in, 4*out) -> ReLU -> Dropout -> Linear(4*out, out) (GLiNER layers.py)."""
    if out_dim is None:
        out_dim = hidden_size
    return nn.Sequential(
        nn.Linear(hidden_size, out_dim * 4),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(out_dim * 4, out_dim),
    )


class SelfAttentionLayer(nn.Module):
    """Pre-LayerNorm Transformer encoder layer written with plain ops (exportable)."""

    def __init__(self, d_model, n_heads, ffn_dim, dropout):
        super().__init__()
        self.n_heads = n_heads
        self.head_dim = d_model // n_heads
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff1 = nn.Linear(d_model, ffn_dim)
        self.ff2 = nn.Linear(ffn_dim, d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, bias):
        # x [B,T,D]; bias [B,1,1,T] additive attention bias
        B, T, D = x.shape
        h = self.ln1(x)
        qkv = self.qkv(h).view(B, T, 3, self.n_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # [B,H,T,hd]
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.head_dim)) + bias
        attn = torch.softmax(scores, dim=-1)
        attn = self.drop(attn)
        ctx = torch.matmul(attn, v).permute(0, 2, 1, 3).reshape(B, T, D)
        x = x + self.drop(self.out(ctx))
        h = self.ln2(x)
        x = x + self.drop(self.ff2(self.drop(torch.nn.functional.gelu(self.ff1(h)))))
        return x


class TokenEncoder(nn.Module):
    """Small Transformer encoder over real tokenizer ids.

    `remap` (int64 [vocab]) maps the tokenizer's ids to rows of a small
    embedding matrix (ids seen in training + specials + added tokens; every
    other id -> the UNK row), so the graph takes the real ids while the file
    stays small: Gather(remap, input_ids) then Gather(emb, rows).

    With `tables` (tools/train/inputs.py: "shape" and "bucket_rows", int64
    [vocab]), a word-shape embedding of each id is added to its row's, and
    row dropout replaces a row by the id's hashed bucket row instead of the
    UNK row. Without them (the fixtures, the first built-in model) the
    module and its state dict are as before. With `tables["affix"]` (int16
    [vocab, slots], inputs.affix_table) and affix_buckets > 0, the mean
    embedding of each id's affix buckets (0 = none, a zero row) is added too.
    """

    def __init__(self, remap, n_rows, unk_row, emb_dim, d_model, n_layers, n_heads, ffn_dim, dropout,
                 special_rows=(), tables=None, affix_buckets=0):
        super().__init__()
        self.register_buffer("remap", remap.clone().long())
        self.shape_emb = None
        if tables is not None:
            from .inputs import N_SHAPES
            self.register_buffer("shape", tables["shape"].clone().long())
            self.register_buffer("bucket_rows", tables["bucket_rows"].clone().long())
            self.shape_emb = nn.Embedding(N_SHAPES, emb_dim)
            nn.init.normal_(self.shape_emb.weight, std=0.02)
        self.affix_emb = None
        if tables is not None and affix_buckets:
            self.register_buffer("affix", tables["affix"].clone().to(torch.int16))
            self.affix_emb = nn.Embedding(affix_buckets + 1, emb_dim, padding_idx=0)
            nn.init.normal_(self.affix_emb.weight, std=0.02)
            with torch.no_grad():
                self.affix_emb.weight[0].zero_()
        self.unk_row = unk_row
        self.emb = nn.Embedding(n_rows, emb_dim)
        nn.init.normal_(self.emb.weight, std=0.02)
        self.emb_proj = nn.Linear(emb_dim, d_model) if emb_dim != d_model else None
        self.layers = nn.ModuleList([SelfAttentionLayer(d_model, n_heads, ffn_dim, dropout) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d_model)
        self.drop = nn.Dropout(dropout)
        self.d_model = d_model
        self.row_dropout = 0.0
        self.register_buffer("special_rows", torch.tensor(sorted(special_rows), dtype=torch.long))

    def positions(self, T, dtype):
        # Sinusoidal absolute positions computed in-graph: no length limit.
        pos = torch.arange(T, dtype=torch.float32).unsqueeze(1)
        i = torch.arange(0, self.d_model, 2, dtype=torch.float32)
        inv = torch.exp(i * (-math.log(10000.0) / self.d_model))
        ang = pos * inv.unsqueeze(0)
        pe = torch.stack([torch.sin(ang), torch.cos(ang)], dim=-1).reshape(T, self.d_model)
        return pe.to(dtype)

    def forward(self, input_ids, attention_mask):
        rows = self.remap[input_ids]
        if self.training and self.row_dropout > 0:
            drop = torch.rand(rows.shape) < self.row_dropout
            keep_special = (rows.unsqueeze(-1) == self.special_rows).any(-1)
            other = self.bucket_rows[input_ids] if self.shape_emb is not None else torch.full_like(rows, self.unk_row)
            rows = torch.where(drop & ~keep_special, other, rows)
        x = self.emb(rows)
        if self.shape_emb is not None:
            x = x + self.shape_emb(self.shape[input_ids])
        if self.affix_emb is not None:
            a = self.affix[input_ids].long()  # [B, T, slots]; 0 = no affix (a zero row)
            n = (a > 0).sum(2, keepdim=True).clamp(min=1).to(x.dtype)
            x = x + self.affix_emb(a).sum(2) / n
        if self.emb_proj is not None:
            x = self.emb_proj(x)
        T = input_ids.size(1)
        x = x + self.positions(T, x.dtype).unsqueeze(0)
        x = self.drop(x)
        bias = (1.0 - attention_mask.to(x.dtype)).unsqueeze(1).unsqueeze(2) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return self.ln_f(x)


class LstmSeq2SeqEncoder(nn.Module):
    """BiLSTM over word embeddings (GLiNER layers.py), lengths from the word mask.

    Explicit zero initial states sized from the input keep the batch size
    dynamic in the exported graph.
    """

    def __init__(self, hidden_size, num_layers=1):
        super().__init__()
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size=hidden_size, hidden_size=hidden_size // 2, num_layers=num_layers,
                            bidirectional=True, batch_first=True)

    def forward(self, x, mask):
        B = x.size(0)
        lengths = mask.long().sum(dim=1)
        h0 = torch.zeros(2 * self.num_layers, B, self.lstm.hidden_size, dtype=x.dtype)
        c0 = torch.zeros(2 * self.num_layers, B, self.lstm.hidden_size, dtype=x.dtype)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed, (h0, c0))
        out, _ = pad_packed_sequence(out, batch_first=True)
        return out


def extract_elements(sequence, indices):
    B, L, D = sequence.size()
    indices = torch.clamp(indices, 0, L - 1)
    expanded = indices.unsqueeze(2).expand(-1, -1, D)
    return torch.gather(sequence, 1, expanded)


class _SpanClassProduct(torch.autograd.Function):
    """x [B,S,H] · q [B,C,H] -> [B,S,C]; same forward as matmul, with a backward
    for grad_x that avoids a BLAS product with inner size C (very slow here)."""

    @staticmethod
    def forward(ctx, x, q):
        ctx.save_for_backward(x, q)
        return torch.matmul(x, q.transpose(1, 2))

    @staticmethod
    def backward(ctx, g):
        x, q = ctx.saved_tensors
        C = q.shape[1]
        gx = g[:, :, 0:1] * q[:, 0:1, :]
        for c in range(1, C):
            gx.addcmul_(g[:, :, c:c + 1], q[:, c:c + 1, :])
        gq = torch.matmul(g.transpose(1, 2), x)
        return gx, gq


def span_class_product(x, q):
    if torch.is_grad_enabled() and (x.requires_grad or q.requires_grad):
        return _SpanClassProduct.apply(x, q)
    return torch.matmul(x, q.transpose(1, 2))


class SpanMarkerV0(nn.Module):
    """SpanMarkerV0 (GLiNER span_rep.py) with the same parameters.

    Reference: rep = out_project(relu(cat(start_mlp(h)[s], end_mlp(h)[e])))
    where out_project = Linear(2D,4D) -> ReLU -> Dropout -> Linear(4D,D), then
    logits = einsum("BLKD,BCD->BLKC", rep, prompts).

    Computed here as the same function with far fewer multiplications: the
    first Linear is split into its start and end halves and applied per word
    before the gather (W1·s + W2·e + b), and the last Linear is folded into the
    prompts (rep·p = hidden·(W3ᵀp) + b3·p), so no [B,W,K,D] tensor is built.
    """

    def __init__(self, hidden_size, max_width, dropout=0.4):
        super().__init__()
        self.max_width = max_width
        self.project_start = create_projection_layer(hidden_size, dropout)
        self.project_end = create_projection_layer(hidden_size, dropout)
        self.out_project = create_projection_layer(hidden_size * 2, dropout, hidden_size)

    def hidden(self, h, span_idx):
        """ReLU hidden layer of out_project for every span: [B, W*K, 4D]."""
        B, L, D = h.size()
        start_rep = torch.relu(self.project_start(h))
        end_rep = torch.relu(self.project_end(h))
        lin = self.out_project[0]
        a = torch.matmul(start_rep, lin.weight[:, :D].t())  # [B,L,4D]
        b = torch.matmul(end_rep, lin.weight[:, D:].t())
        x = extract_elements(a, span_idx[:, :, 0]) + extract_elements(b, span_idx[:, :, 1]) + lin.bias
        return self.out_project[2](torch.relu(x))

    def logits(self, h, span_idx, prompts):
        """einsum("BLKD,BCD->BLKC", out_project(...), prompts) -> [B, W, K, C]."""
        B, L, D = h.size()
        x = self.hidden(h, span_idx)  # [B,S,4D]
        last = self.out_project[3]
        q = torch.matmul(prompts, last.weight)  # [B,C,4D]
        qb = torch.matmul(prompts, last.bias)  # [B,C]
        out = span_class_product(x, q) + qb.unsqueeze(1)  # [B,S,C]
        return out.view(B, L, self.max_width, -1)

    def forward(self, h, span_idx):
        """Span representations [B, W, K, D] (reference output; not used by GLiNER.forward)."""
        B, L, D = h.size()
        return self.out_project[3](self.hidden(h, span_idx)).view(B, L, self.max_width, D)


class Scorer(nn.Module):
    """Token-level scorer (GLiNER scorers.py): [B,W,C,3] start/end/inside logits."""

    def __init__(self, hidden_size, dropout=0.1):
        super().__init__()
        self.proj_token = nn.Linear(hidden_size, hidden_size * 2)
        self.proj_label = nn.Linear(hidden_size, hidden_size * 2)
        self.out_mlp = nn.Sequential(
            nn.Linear(hidden_size * 3, hidden_size * 4),
            nn.Dropout(dropout),
            nn.ReLU(),
            nn.Linear(hidden_size * 4, 3),
        )

    def forward(self, token_rep, label_rep):
        batch_size, seq_len, hidden_size = token_rep.shape
        num_classes = label_rep.shape[1]
        token_rep = self.proj_token(token_rep).view(batch_size, seq_len, 1, 2, hidden_size)
        label_rep = self.proj_label(label_rep).view(batch_size, 1, num_classes, 2, hidden_size)
        token_rep = token_rep.expand(-1, -1, num_classes, -1, -1).permute(3, 0, 1, 2, 4)
        label_rep = label_rep.expand(-1, seq_len, -1, -1, -1).permute(3, 0, 1, 2, 4)
        cat = torch.cat([token_rep[0], label_rep[0], token_rep[1] * label_rep[1]], dim=-1)
        return self.out_mlp(cat)


class GLiNER(nn.Module):
    """Uni-encoder GLiNER core model (span markerV0 or token_level)."""

    def __init__(self, cfg, remap, n_rows, unk_row, special_rows=(), tables=None):
        super().__init__()
        self.cfg = dict(cfg)
        self.span_mode = cfg["span_mode"]
        self.max_width = cfg["max_width"]
        self.class_token_index = cfg["class_token_index"]
        self.embed_ent_token = cfg.get("embed_ent_token", True)
        # "first": a word is its first sub-token (the reference); "mean": the
        # mean of all its sub-tokens (same inputs, same ONNX contract).
        self.word_pool = cfg.get("word_pool", "first")
        D = cfg["hidden_size"]
        enc = cfg["encoder"]
        self.token_rep_layer = TokenEncoder(remap, n_rows, unk_row, enc["emb_dim"], enc["d_model"], enc["n_layers"],
                                            enc["n_heads"], enc["ffn_dim"], enc["dropout"], special_rows,
                                            tables, cfg.get("affix_buckets", 0))
        self.projection = nn.Linear(enc["d_model"], D) if enc["d_model"] != D else None
        self.rnn = LstmSeq2SeqEncoder(D, cfg.get("num_rnn_layers", 1))
        dropout = cfg.get("dropout", 0.4)
        if self.span_mode == "token_level":
            self.scorer = Scorer(D, dropout)
        else:
            self.span_rep_layer = SpanMarkerV0(D, self.max_width, dropout)
            # Dropout on the [B, W*K, 4D] span hidden layer is a training-only
            # choice (no effect on the exported graph); "span_dropout" sets it
            # apart from the other layers because it is the costliest one.
            self.span_rep_layer.out_project[2].p = cfg.get("span_dropout", dropout)
            self.prompt_rep_layer = create_projection_layer(D, dropout)

    def representations(self, input_ids, attention_mask, words_mask, text_lengths, W):
        tok = self.token_rep_layer(input_ids, attention_mask)
        if self.projection is not None:
            tok = self.projection(tok)
        # Label embeddings: k-th <<ENT>> position, zero padded to C = max count.
        is_ent = input_ids == self.class_token_index
        if not self.embed_ent_token:
            # embed_ent_token false: the label's embedding is the token just after <<ENT>>.
            is_ent = torch.cat([torch.zeros_like(is_ent[:, :1]), is_ent[:, :-1]], dim=1)
        rank = torch.cumsum(is_ent.long(), dim=1) - 1
        C = is_ent.long().sum(dim=1).max()
        cls = torch.arange(C)
        onehot = (is_ent.unsqueeze(-1) & (rank.unsqueeze(-1) == cls.view(1, 1, -1))).to(tok.dtype)  # [B,T,C]
        prompts = torch.matmul(onehot.transpose(1, 2), tok)  # [B,C,D]
        prompts_mask = (cls.view(1, -1) < is_ent.long().sum(dim=1, keepdim=True))
        widx = torch.arange(W)
        if self.word_pool == "mean":
            # Word embeddings: mean over all sub-tokens of each text word. A
            # word's sub-tokens run from its words_mask entry (1..n, in order)
            # up to the next word's; the cumulative count of word starts gives
            # every sub-token its word. The closing [SEP] (the last attended
            # token) belongs to no word.
            wid = torch.cumsum((words_mask > 0).long(), dim=1)  # [B,T]
            nxt = torch.cat([attention_mask[:, 1:], torch.zeros_like(attention_mask[:, :1])], dim=1)
            inword = (wid > 0) & (nxt > 0)
            wonehot = (((wid - 1).unsqueeze(-1) == widx.view(1, 1, -1)) & inword.unsqueeze(-1)).to(tok.dtype)
            count = wonehot.sum(dim=1).clamp(min=1.0)  # [B,W]
            words = torch.matmul(wonehot.transpose(1, 2), tok) / count.unsqueeze(-1)  # [B,W,D]
        else:
            # Word embeddings: first sub-token of each text word (words_mask = 1..n).
            wonehot = ((words_mask.unsqueeze(-1) - 1) == widx.view(1, 1, -1)).to(tok.dtype)  # [B,T,W]
            words = torch.matmul(wonehot.transpose(1, 2), tok)  # [B,W,D]
        mask = widx.view(1, -1) < text_lengths  # [B,W]
        words = self.rnn(words, mask)
        return words, mask, prompts, prompts_mask

    def forward(self, input_ids, attention_mask, words_mask, text_lengths, span_idx=None, span_mask=None):
        if self.span_mode == "token_level":
            W = text_lengths.max()
            words, mask, prompts, _ = self.representations(input_ids, attention_mask, words_mask, text_lengths, W)
            return self.scorer(words, prompts)  # [B,W,C,3]
        W = span_idx.size(1) // self.max_width
        words, mask, prompts, _ = self.representations(input_ids, attention_mask, words_mask, text_lengths, W)
        span_idx = span_idx * span_mask.unsqueeze(-1).long()
        prompts = self.prompt_rep_layer(prompts)
        return self.span_rep_layer.logits(words, span_idx, prompts)  # [B,W,K,C]


class OldTokenLayout(nn.Module):
    """Wrapper giving the ≤0.2.20 token-level layout [3,B,W,C]."""

    def __init__(self, core):
        super().__init__()
        self.core = core

    def forward(self, input_ids, attention_mask, words_mask, text_lengths):
        return self.core(input_ids, attention_mask, words_mask, text_lengths).permute(3, 0, 1, 2)
