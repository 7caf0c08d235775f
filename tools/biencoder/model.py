"""Bi-encoder GLiNER modules with the reference's module structure.

Attribute and method names follow urchade/GLiNER 0.2.27
(gliner/modeling/encoder.py `BiEncoder`, gliner/modeling/base.py
`BaseBiEncoderModel`, `BiEncoderSpanModel`) so that
scripts/export_biencoder.py works unchanged on this fixture and on a real
`gliner` checkpoint (docs/reference.md §4.4, §6):

    core.token_rep_layer                 BiEncoder
        .bert_layer                      text encoder (here: tools/train TokenEncoder)
        .projection                      Linear(text hidden -> hidden_size), only if they differ
        .labels_encoder                  label encoder (here: TokenEncoder over BERT ids)
        .labels_projection               Linear(label hidden -> hidden_size), only if they differ
        .encode_text(ids, mask)          [B, T, D]
        .encode_labels(ids, mask)        [C, D]: encoder -> labels_projection -> masked mean
                                         pooling over all tokens incl. [CLS]/[SEP]
    core.span_rep_layer(words, span_idx)  SpanMarkerV0 -> [B, W, K, D]
    core.prompt_rep_layer                 Linear(D,4D) -> ReLU -> Dropout -> Linear(4D,D)
    core.get_representations(...)         (labels_embeds [B,C,D], labels_mask, words [B,W,D], mask)
    core(input_ids, attention_mask, labels_embeds=None, labels_input_ids=None,
         labels_attention_mask=None, words_mask=, text_lengths=, span_idx=, span_mask=).logits
                                          einsum("BLKD,BCD->BLKC") of span reps and prompt_rep_layer(labels)

No LSTM is applied (the reference's bi-encoder path has none) and there is no
cross-fusion (post_fusion_schema is empty), as in GLiNER-biomed's bi models.
"""

import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tools.train.model import SpanMarkerV0, TokenEncoder, create_projection_layer  # noqa: E402


class Output:
    """The fields of the reference's GLiNERBaseOutput that inference uses."""

    def __init__(self, logits, prompts_embedding=None, words_embedding=None, mask=None):
        self.logits = logits
        self.prompts_embedding = prompts_embedding
        self.words_embedding = words_embedding
        self.mask = mask


def _encoder(enc, remap, n_rows, unk_row, special_rows):
    return TokenEncoder(remap, n_rows, unk_row, enc["emb_dim"], enc["d_model"], enc["n_layers"], enc["n_heads"],
                        enc["ffn_dim"], enc["dropout"], special_rows)


class BiEncoder(nn.Module):
    """gliner.modeling.encoder.BiEncoder: a text encoder and a label encoder."""

    def __init__(self, cfg, text_vocab, label_vocab):
        super().__init__()
        D = cfg["hidden_size"]
        self.bert_layer = _encoder(cfg["encoder"], *text_vocab)
        if cfg["encoder"]["d_model"] != D:
            self.projection = nn.Linear(cfg["encoder"]["d_model"], D)
        self.labels_encoder = _encoder(cfg["labels_encoder"], *label_vocab)
        if cfg["labels_encoder"]["d_model"] != D:
            self.labels_projection = nn.Linear(cfg["labels_encoder"]["d_model"], D)

    def encode_text(self, input_ids, attention_mask, *args, **kwargs):
        tok = self.bert_layer(input_ids, attention_mask)
        if hasattr(self, "projection"):
            tok = self.projection(tok)
        return tok

    def mean_pooling(self, token_embeddings, attention_mask):
        m = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).float()
        return torch.sum(token_embeddings * m, 1) / torch.clamp(m.sum(1), min=1e-9)

    def encode_labels(self, input_ids, attention_mask, *args, **kwargs):
        emb = self.labels_encoder(input_ids, attention_mask)
        if hasattr(self, "labels_projection"):
            emb = self.labels_projection(emb)
        return self.mean_pooling(emb, attention_mask)

    def forward(self, input_ids, attention_mask, labels_input_ids=None, labels_attention_mask=None, *args, **kwargs):
        return self.encode_text(input_ids, attention_mask), self.encode_labels(labels_input_ids, labels_attention_mask)


def extract_word_embeddings(token_embeds, words_mask, text_lengths, W):
    """words[b, m-1] = token_embeds[b, t] where words_mask[b, t] = m > 0 (first
    sub-token of each word); mask = arange(W) < text_lengths (docs/reference.md §2.7 step 3)."""
    widx = torch.arange(W)
    onehot = ((words_mask.unsqueeze(-1) - 1) == widx.view(1, 1, -1)).to(token_embeds.dtype)  # [B,T,W]
    words = torch.matmul(onehot.transpose(1, 2), token_embeds)  # [B,W,D]
    mask = widx.view(1, -1) < text_lengths
    return words, mask


class BiEncoderSpanModel(nn.Module):
    """gliner.modeling.base.BiEncoderSpanModel (span_mode markerV0, no post-fusion)."""

    def __init__(self, cfg, text_vocab, label_vocab):
        super().__init__()
        self.cfg = dict(cfg)
        self.max_width = cfg["max_width"]
        D = cfg["hidden_size"]
        dropout = cfg.get("dropout", 0.1)
        self.token_rep_layer = BiEncoder(cfg, text_vocab, label_vocab)
        self.span_rep_layer = SpanMarkerV0(D, self.max_width, dropout)
        self.prompt_rep_layer = create_projection_layer(D, dropout)

    def _fit_length(self, emb, mask, target):
        # The reference pads/crops the word axis to span_idx's W; here text_lengths.max() == W always.
        return emb, mask

    def get_representations(self, input_ids=None, attention_mask=None, labels_embeds=None, labels_input_ids=None,
                            labels_attention_mask=None, text_lengths=None, words_mask=None, **kwargs):
        if labels_embeds is not None:
            token_embeds = self.token_rep_layer.encode_text(input_ids, attention_mask)
        else:
            token_embeds, labels_embeds = self.token_rep_layer(input_ids, attention_mask, labels_input_ids,
                                                               labels_attention_mask)
        B = token_embeds.shape[0]
        W = text_lengths.max()
        words_embedding, mask = extract_word_embeddings(token_embeds, words_mask, text_lengths, W)
        labels_embeds = labels_embeds.unsqueeze(0).expand(B, -1, -1)
        labels_mask = torch.ones(labels_embeds.shape[:-1], dtype=attention_mask.dtype)
        return labels_embeds.to(words_embedding.dtype), labels_mask, words_embedding, mask

    def forward(self, input_ids=None, attention_mask=None, labels_embeds=None, labels_input_ids=None,
                labels_attention_mask=None, words_mask=None, text_lengths=None, span_idx=None, span_mask=None,
                **kwargs):
        prompts, prompts_mask, words, mask = self.get_representations(
            input_ids, attention_mask, labels_embeds, labels_input_ids, labels_attention_mask, text_lengths,
            words_mask)
        span_idx = span_idx * span_mask.unsqueeze(-1).long()
        span_rep = self.span_rep_layer(words, span_idx)  # [B,W,K,D]
        prompts = self.prompt_rep_layer(prompts)
        scores = torch.einsum("BLKD,BCD->BLKC", span_rep, prompts)
        return Output(scores, prompts, words, mask)


def load_checkpoint(path):
    """(model in eval mode, checkpoint dict) from a tools/biencoder/train.py checkpoint."""
    ck = torch.load(path, map_location="cpu")
    sd = ck["state_dict"]
    tv = (sd["token_rep_layer.bert_layer.remap"], ck["text_rows"], ck["text_unk_row"],
          sd["token_rep_layer.bert_layer.special_rows"].tolist())
    lv = (sd["token_rep_layer.labels_encoder.remap"], ck["label_rows"], ck["label_unk_row"],
          sd["token_rep_layer.labels_encoder.special_rows"].tolist())
    model = BiEncoderSpanModel(ck["cfg"], tv, lv)
    model.load_state_dict(sd)
    model.eval()
    return model, ck
