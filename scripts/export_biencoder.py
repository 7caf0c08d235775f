#!/usr/bin/env python3
"""Export a bi-encoder GLiNER checkpoint to the two-graph folder that the Go
library loads (package gliner, "Bi-encoder models" in its documentation).

    # a real checkpoint, with the `gliner` Python package (0.2.23+) and its dependencies:
    python3 scripts/export_biencoder.py --model Ihor/gliner-biomed-bi-small-v1.0 --out ./bi-small
    # this project's fixture checkpoint (tools/biencoder), no `gliner` package needed:
    /usr/bin/python3 scripts/export_biencoder.py --fixture CKPT.pt --shared testdata/shared --out DIR

Writes into --out:

    gliner_config.json            the checkpoint's config (labels_encoder set)
    tokenizer files               the text tokenizer (tokenizer.json, or spm.model + added_tokens.json)
    labels_tokenizer/             the label encoder's tokenizer (tokenizer.json + tokenizer_config.json):
                                  the reference loads it from the hub id in labels_encoder, so the
                                  folder ships it to work offline
    labels_encoder.onnx           label graph: labels_input_ids, labels_attention_mask int64 [C, L] ->
                                    label_vectors    float32 [C, D]  (matched shape), or
                                    labels_embeddings float32 [C, D] (fused shape)
    text_encoder.onnx             text graph: input_ids, attention_mask, words_mask int64 [B, T],
                                  text_lengths int64 [B, 1], span_idx int64 [B, W*K, 2], span_mask bool [B, W*K] ->
                                    span_reps float32 [B, W, K, D]              (matched shape), or, with the
                                    extra input labels_embeddings float32 [C, D], logits float32 [B, W, K, C]
                                    (fused shape; token-level models have no span inputs and give [B, W, C, 3])
    model.onnx (--one-graph)      the reference's own one-graph layout (docs/reference.md §4.4): text inputs plus
                                  labels_input_ids / labels_attention_mask -> logits

Matched shape (span models without post-fusion layers): the label graph is
token_rep_layer.encode_labels (label encoder -> labels_projection -> masked mean
pooling over every token, [CLS]/[SEP] included) followed by prompt_rep_layer,
so its output is what logits are computed against; the text graph stops at the
span representations, and logits = span_reps · label_vectorsᵀ are computed by
the Go matching kernel. Fused shape (post_fusion_schema set, or token-level
models, or --shape fused): the label graph stops at encode_labels and the text
graph takes those embeddings as an input and returns logits, because the
fusion layers mix labels into the text.

Opset 17, TorchScript exporter; every input is used (the exporter would drop an
unused one). A numerical self-check compares span_reps · label_vectorsᵀ (or the
fused text graph's torch module) with the model's own forward in torch.
"""

import argparse
import json
import os
import shutil
import sys
import warnings

import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TEXT_AXES = {
    "input_ids": {0: "batch_size", 1: "sequence_length"},
    "attention_mask": {0: "batch_size", 1: "sequence_length"},
    "words_mask": {0: "batch_size", 1: "sequence_length"},
    "text_lengths": {0: "batch_size", 1: "value"},
    "span_idx": {0: "batch_size", 1: "num_spans", 2: "idx"},
    "span_mask": {0: "batch_size", 1: "num_spans"},
}
LABEL_AXES = {"labels_input_ids": {0: "num_labels", 1: "label_seq_length"},
              "labels_attention_mask": {0: "num_labels", 1: "label_seq_length"}}
DUMMY_TEXT = ["ONNX", "export", "dummy", "input", "."]
DUMMY_LABELS = ["organization", "person", "country"]


def _logits(out):
    return out.logits if hasattr(out, "logits") else out[0]


class LabelGraph(torch.nn.Module):
    def __init__(self, core, matched):
        super().__init__()
        self.core, self.matched = core, matched

    def forward(self, labels_input_ids, labels_attention_mask):
        emb = self.core.token_rep_layer.encode_labels(labels_input_ids, labels_attention_mask)
        if self.matched:
            emb = self.core.prompt_rep_layer(emb)
        return emb


class MatchedTextGraph(torch.nn.Module):
    """Text inputs -> span representations [B, W, K, D] (no labels involved)."""

    def __init__(self, core, hidden, max_width):
        super().__init__()
        self.core, self.hidden, self.max_width = core, hidden, max_width

    def forward(self, input_ids, attention_mask, words_mask, text_lengths, span_idx, span_mask):
        # labels_embeds given -> the label encoder is skipped (BaseBiEncoderModel.get_representations);
        # the placeholder feeds nothing that is returned.
        placeholder = torch.zeros(1, self.hidden)
        _, _, words, mask = self.core.get_representations(input_ids, attention_mask, placeholder, None, None,
                                                          text_lengths, words_mask)
        W = span_idx.size(1) // self.max_width
        if hasattr(self.core, "_fit_length"):
            words, mask = self.core._fit_length(words, mask, W)
        span_idx = span_idx * span_mask.unsqueeze(-1).long()
        return self.core.span_rep_layer(words, span_idx)


class FusedTextGraph(torch.nn.Module):
    """Text inputs + label embeddings -> logits (post-fusion or token-level models)."""

    def __init__(self, core, span):
        super().__init__()
        self.core, self.span = core, span

    def forward(self, input_ids, attention_mask, words_mask, text_lengths, *rest):
        if self.span:
            span_idx, span_mask, labels_embeddings = rest
            out = self.core(input_ids=input_ids, attention_mask=attention_mask, labels_embeds=labels_embeddings,
                            words_mask=words_mask, text_lengths=text_lengths, span_idx=span_idx, span_mask=span_mask)
        else:
            (labels_embeddings,) = rest
            out = self.core(input_ids=input_ids, attention_mask=attention_mask, labels_embeds=labels_embeddings,
                            words_mask=words_mask, text_lengths=text_lengths)
        return _logits(out)


class OneGraph(torch.nn.Module):
    """The reference's one-graph export: both encoders, logits out (docs/reference.md §4.4)."""

    def __init__(self, core, span):
        super().__init__()
        self.core, self.span = core, span

    def forward(self, input_ids, attention_mask, words_mask, text_lengths, *rest):
        kw = {}
        if self.span:
            kw["span_idx"], kw["span_mask"] = rest[0], rest[1]
            rest = rest[2:]
        out = self.core(input_ids=input_ids, attention_mask=attention_mask, labels_input_ids=rest[0],
                        labels_attention_mask=rest[1], words_mask=words_mask, text_lengths=text_lengths, **kw)
        return _logits(out)


# ---------------------------------------------------------------------------
# Sources: a real gliner checkpoint, or the project's fixture.
# ---------------------------------------------------------------------------

class Source:
    """core (the torch model), config dict, encode_words(words) -> (ids, word_ids),
    encode_labels(labels) -> (ids, mask) tensors, save_tokenizers(out)."""


def real_source(name):
    from gliner import GLiNER  # the reference package; not needed for --fixture
    g = GLiNER.from_pretrained(name)
    g.eval()
    src = Source()
    src.core = g.model
    cfg = g.config.to_dict() if hasattr(g.config, "to_dict") else dict(vars(g.config))
    for k in ("encoder_config", "labels_encoder_config"):
        v = cfg.get(k)
        if v is not None and hasattr(v, "to_dict"):
            cfg[k] = v.to_dict()
    src.config = cfg
    ttok = g.data_processor.transformer_tokenizer
    ltok = g.data_processor.labels_tokenizer

    def encode_words(words):
        enc = ttok([words], is_split_into_words=True, truncation=True)
        return enc["input_ids"][0], enc.word_ids(0)

    def encode_labels(labels):
        enc = ltok(labels, padding="longest", truncation=True, return_tensors="pt")
        return enc["input_ids"], enc["attention_mask"]

    def save_tokenizers(out):
        ttok.save_pretrained(out)
        ltok.save_pretrained(os.path.join(out, "labels_tokenizer"))

    src.encode_words, src.encode_labels, src.save_tokenizers = encode_words, encode_labels, save_tokenizers
    return src


def fixture_source(ckpt, shared):
    sys.path.insert(0, REPO)
    from tools.biencoder.model import load_checkpoint
    from tools.biencoder.train import LABEL_TOKENIZER, LabelTokenizer
    from tools.train import tok as tokmod
    core, ck = load_checkpoint(ckpt)
    ttok = tokmod.load(ck["text_tokenizer"], shared)
    ltok = LabelTokenizer(shared)
    src = Source()
    src.core = core
    c = ck["cfg"]
    src.config = {
        "model_name": ttok.model_name,
        "name": "gliner-go-bi-fixture",
        "encoder_config": {"model_type": "gliner-go-transformer", "hidden_size": c["encoder"]["d_model"],
                           "note": "small Transformer trained from scratch by tools/biencoder; only the tokenizer "
                                   "is %s's" % ttok.model_name},
        "labels_encoder": "sentence-transformers/all-MiniLM-L6-v2",
        "labels_encoder_config": {"model_type": "gliner-go-transformer", "hidden_size": c["labels_encoder"]["d_model"],
                                  "note": "small Transformer trained from scratch; only the tokenizer is "
                                          "all-MiniLM-L6-v2's (uncased BERT WordPiece)"},
        "labels_decoder": None, "decoder_mode": None, "relations_layer": None,
        "span_mode": c["span_mode"], "max_width": c["max_width"], "max_len": c["max_len"],
        "hidden_size": c["hidden_size"], "dropout": c["dropout"],
        "ent_token": tokmod.ENT_TOKEN, "sep_token": tokmod.SEP_TOKEN, "class_token_index": ttok.ent_id,
        "embed_ent_token": True, "vocab_size": ttok.vocab_size, "words_splitter_type": "whitespace",
        "num_rnn_layers": 0, "fuse_layers": False, "post_fusion_schema": "", "num_post_fusion_layers": 1,
        "subtoken_pooling": "first", "precomputed_prompts_mode": None, "id_to_classes": None, "max_types": 25,
        "model_type": "gliner_bi_encoder_span",
        "gliner_go_fixture": {"trained_steps": ck.get("steps"), "devel": ck.get("devel"),
                              "generator": "tools/biencoder/train.py + scripts/export_biencoder.py"},
    }

    def encode_words(words):
        ids, wids = [ttok.cls_id], [None]
        for i, w in enumerate(words):
            p = ttok.encode_word(w)
            ids += p
            wids += [i] * len(p)
        return ids + [ttok.sep_id], wids + [None]

    def save_tokenizers(out):
        ttok.save(out)
        ld = os.path.join(out, "labels_tokenizer")
        os.makedirs(ld, exist_ok=True)
        shutil.copyfile(os.path.join(shared, "data", "tokenizers", LABEL_TOKENIZER), os.path.join(ld, "tokenizer.json"))
        with open(os.path.join(ld, "tokenizer_config.json"), "w") as f:
            json.dump({"do_lower_case": True, "model_max_length": 512, "tokenizer_class": "BertTokenizer",
                       "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
                       "mask_token": "[MASK]"}, f, indent=2)

    src.encode_words, src.encode_labels, src.save_tokenizers = encode_words, ltok.batch, save_tokenizers
    return src


# ---------------------------------------------------------------------------

def text_inputs(src, max_width, token_level):
    ids, wids = src.encode_words(DUMMY_TEXT)
    wm, prev, seen = [], None, 0
    for w in wids:  # docs/reference.md §2.5 with no prompt: words numbered from 1
        if w is not None and w != prev:
            seen += 1
            wm.append(seen)
        else:
            wm.append(0)
        prev = w
    n, K = len(DUMMY_TEXT), max_width
    t = dict(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
             words_mask=torch.tensor([wm]), text_lengths=torch.tensor([[n]]))
    if not token_level:
        s = torch.arange(n).repeat_interleave(K)
        k = torch.arange(K).repeat(n)
        t["span_idx"] = torch.stack([s, s + k], -1).unsqueeze(0)
        t["span_mask"] = ((s + k) < n).unsqueeze(0)
    return t


def export_graph(module, args, names, outputs, axes, path, opset):
    module.eval()  # torch.onnx.export restores the wrapper's mode afterwards, recursively
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, tuple(args), path, input_names=names, output_names=outputs, dynamic_axes=axes,
                          opset_version=opset, do_constant_folding=True)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    got = [i.name for i in m.graph.input]
    if got != names:
        raise RuntimeError("%s: inputs %s, want %s (the exporter drops unused inputs)" % (path, got, names))


def export(src, out, shape="auto", one_graph=False, opset=17):
    cfg = src.config
    core = src.core
    core.eval()
    token_level = cfg.get("span_mode") == "token_level"
    fused = bool(cfg.get("post_fusion_schema")) or token_level or hasattr(core, "cross_fuser")
    if shape == "fused":
        fused = True
    elif shape == "matched" and fused:
        raise SystemExit("export_biencoder: this model mixes labels into the text (post-fusion or token-level): "
                         "only the fused shape is possible")
    os.makedirs(out, exist_ok=True)
    D, K = cfg["hidden_size"], cfg["max_width"]
    t = text_inputs(src, K, token_level)
    tnames = ["input_ids", "attention_mask", "words_mask", "text_lengths"] + ([] if token_level else ["span_idx", "span_mask"])
    targs = [t[n] for n in tnames]
    lids, lmask = src.encode_labels(DUMMY_LABELS)
    lnames = ["labels_input_ids", "labels_attention_mask"]
    with torch.no_grad():
        ref = _logits(core(input_ids=t["input_ids"], attention_mask=t["attention_mask"], labels_input_ids=lids,
                           labels_attention_mask=lmask, words_mask=t["words_mask"], text_lengths=t["text_lengths"],
                           **({} if token_level else {"span_idx": t["span_idx"], "span_mask": t["span_mask"]})))
        lab = LabelGraph(core, not fused).eval()
        lout = "labels_embeddings" if fused else "label_vectors"
        export_graph(lab, [lids, lmask], lnames, [lout], dict(LABEL_AXES, **{lout: {0: "num_labels"}}),
                     os.path.join(out, "labels_encoder.onnx"), opset)
        emb = lab(lids, lmask)
        if fused:
            txt = FusedTextGraph(core, not token_level).eval()
            axes = dict(TEXT_AXES, labels_embeddings={0: "num_labels"},
                        logits={0: "batch_size", 1: "sequence_length", 2: "num_spans", 3: "num_classes"})
            export_graph(txt, targs + [emb], tnames + ["labels_embeddings"], ["logits"],
                         {k: v for k, v in axes.items() if k in tnames + ["labels_embeddings", "logits"]},
                         os.path.join(out, "text_encoder.onnx"), opset)
            got = txt(*targs, emb)
        else:
            txt = MatchedTextGraph(core, D, K).eval()
            axes = dict(TEXT_AXES, span_reps={0: "batch_size", 1: "num_words"})
            export_graph(txt, targs, tnames, ["span_reps"], axes, os.path.join(out, "text_encoder.onnx"), opset)
            got = torch.einsum("BLKD,CD->BLKC", txt(*targs), emb)
        diff = float((got - ref).abs().max())
        if diff > 1e-4:
            raise RuntimeError("two-graph decomposition differs from the model's forward by %g" % diff)
        if one_graph:
            og = OneGraph(core, not token_level).eval()
            axes = dict(TEXT_AXES, **LABEL_AXES,
                        logits={0: "batch_size", 1: "sequence_length", 2: "num_spans", 3: "num_classes"})
            names = tnames + lnames
            export_graph(og, targs + [lids, lmask], names, ["logits"], {k: v for k, v in axes.items()
                                                                      if k in names + ["logits"]},
                         os.path.join(out, "model.onnx"), opset)
    src.save_tokenizers(out)
    with open(os.path.join(out, "gliner_config.json"), "w") as f:
        json.dump(cfg, f, indent=2, default=str)
        f.write("\n")
    return {"shape": "fused" if fused else "matched", "self_check_max_abs_diff": diff}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--model", help="a gliner bi-encoder checkpoint (hub id or folder), loaded with gliner.GLiNER")
    g.add_argument("--fixture", help="a tools/biencoder/train.py checkpoint (.pt)")
    ap.add_argument("--shared", default=os.environ.get("GLINER_SHARED_DIR", os.path.join(REPO, "testdata", "shared")),
                    help="the shared folder (tokenizers of the fixture)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--shape", choices=["auto", "matched", "fused"], default="auto",
                    help="auto: matched unless the model has post-fusion layers or is token-level")
    ap.add_argument("--one-graph", action="store_true", help="also write model.onnx, the reference's one-graph layout")
    ap.add_argument("--opset", type=int, default=17)
    a = ap.parse_args()
    torch.set_num_threads(1)
    src = real_source(a.model) if a.model else fixture_source(a.fixture, a.shared)
    print(json.dumps(export(src, a.out, a.shape, a.one_graph, a.opset)))


if __name__ == "__main__":
    main()
