"""Export a trained checkpoint to a GLiNER model folder.

Writes model.onnx (TorchScript exporter, opset 17), gliner_config.json with the
fields of docs/reference.md §7 and their true values, the tokenizer files, and checks the
graph (onnx.checker, input/output names, dtypes, ranks).

    /usr/bin/python3 -m tools.train.export --checkpoint CKPT.pt --out DIR [--layout new|old]
"""

import argparse
import json
import os
import warnings

import torch

from . import tok as tokmod
from .model import GLiNER, OldTokenLayout

SPAN_INPUTS = ["input_ids", "attention_mask", "words_mask", "text_lengths", "span_idx", "span_mask"]
TOKEN_INPUTS = SPAN_INPUTS[:4]

SPAN_AXES = {
    "input_ids": {0: "batch_size", 1: "sequence_length"},
    "attention_mask": {0: "batch_size", 1: "sequence_length"},
    "words_mask": {0: "batch_size", 1: "sequence_length"},
    "text_lengths": {0: "batch_size", 1: "value"},
    "span_idx": {0: "batch_size", 1: "num_spans", 2: "idx"},
    "span_mask": {0: "batch_size", 1: "num_spans"},
    "logits": {0: "batch_size", 1: "sequence_length", 2: "num_spans", 3: "num_classes"},
}
# The reference names the token-level output axes the same way for both
# layouts (the names are stale for the ≥0.2.21 [B,W,C,3] layout).
TOKEN_AXES = {k: SPAN_AXES[k] for k in TOKEN_INPUTS}
TOKEN_AXES["logits"] = {0: "position", 1: "batch_size", 2: "sequence_length", 3: "num_classes"}


def load_checkpoint(path):
    """Load a checkpoint written by train.py; returns (model in eval mode, checkpoint dict)."""
    ck = torch.load(path, map_location="cpu")
    sd = ck["state_dict"]
    remap = sd["token_rep_layer.remap"]
    special = sd["token_rep_layer.special_rows"].tolist()
    tables = None
    if "token_rep_layer.shape" in sd:
        tables = dict(shape=sd["token_rep_layer.shape"], bucket_rows=sd["token_rep_layer.bucket_rows"])
        if "token_rep_layer.affix" in sd:
            tables["affix"] = sd["token_rep_layer.affix"]
    model = GLiNER(ck["cfg"], remap, ck["n_rows"], ck["unk_row"], special, tables)
    model.load_state_dict(sd)
    model.eval()
    return model, ck


def gliner_config(ck, tok):
    cfg = ck["cfg"]
    enc = cfg["encoder"]
    return {
        "model_name": tok.model_name,
        "name": ck.get("name", "gliner-go"),
        "encoder_config": {
            "model_type": "gliner-go-transformer",
            "note": "small Transformer encoder trained from scratch by tools/train (not %s weights); "
                    "only the tokenizer is %s's" % (tok.model_name, tok.model_name),
            "hidden_size": enc["d_model"], "embedding_size": enc["emb_dim"], "num_hidden_layers": enc["n_layers"],
            "num_attention_heads": enc["n_heads"], "intermediate_size": enc["ffn_dim"],
            "vocab_size": tok.vocab_size, "embedding_rows": ck["n_rows"],
            # How the graph pools a word's sub-tokens inside (the inputs stay
            # the reference's: words_mask marks first sub-tokens, hence
            # subtoken_pooling "first" below).
            "word_pooling": cfg.get("word_pool", "first"),
            # In-graph input tables (tools/train/inputs.py): case folding,
            # hashed buckets for unseen ids and a word-shape embedding.
            "hash_buckets": cfg.get("hash_buckets", 0),
            "case_folding_and_shape": bool(cfg.get("input_tables", False)),
            "affix_buckets": cfg.get("affix_buckets", 0),
        },
        "labels_encoder": None,
        "labels_encoder_config": None,
        "labels_decoder": None,
        "decoder_mode": None,
        "relations_layer": None,
        "span_mode": cfg["span_mode"],
        "max_width": cfg["max_width"],
        "max_len": cfg.get("max_len", 384),
        "hidden_size": cfg["hidden_size"],
        "dropout": cfg.get("dropout", 0.4),
        "ent_token": tokmod.ENT_TOKEN,
        "sep_token": tokmod.SEP_TOKEN,
        "class_token_index": cfg["class_token_index"],
        "embed_ent_token": cfg.get("embed_ent_token", True),
        "vocab_size": tok.vocab_size,
        "words_splitter_type": "whitespace",
        "num_rnn_layers": cfg.get("num_rnn_layers", 1),
        "fuse_layers": False,
        "post_fusion_schema": "",
        "num_post_fusion_layers": 1,
        "subtoken_pooling": "first",
        "represent_spans": False,
        "neg_spans_ratio": 1.0,
        "precomputed_prompts_mode": None,
        "id_to_classes": None,
        "max_types": cfg.get("max_types", 25),
        "model_type": "gliner_uni_encoder_token" if cfg["span_mode"] == "token_level" else "gliner_uni_encoder_span",
        "encoder_hidden_size": enc["d_model"],
        "gliner_go_export": {
            "exporter": "tools/train/export.py (torch %s, TorchScript exporter, opset 17)" % torch.__version__,
            "token_logits_layout": ck.get("layout"),
        },
    }


def dummy_inputs(tok, span, max_width, texts=None, labels=None):
    from .data import WORD_RE, encode
    texts = texts or ["ONNX export dummy input."]
    labels = labels or ["person", "organization", "country"]
    ex = [([m.group(0) for m in WORD_RE.finditer(t)], labels, []) for t in texts]
    d = encode(ex, tok, max_width, with_targets=False)
    names = SPAN_INPUTS if span else TOKEN_INPUTS
    return tuple(d[n] for n in names)


def export(ckpt_path, out_dir, layout="new", tok=None, shared_dir=None, opset=17):
    model, ck = load_checkpoint(ckpt_path)
    if tok is None:
        tok = tokmod.load(ck["tokenizer"], shared_dir)
    os.makedirs(out_dir, exist_ok=True)
    span = ck["cfg"]["span_mode"] != "token_level"
    ck["layout"] = None if span else layout
    net = model if (span or layout == "new") else OldTokenLayout(model)
    args = dummy_inputs(tok, span, ck["cfg"]["max_width"])
    names = SPAN_INPUTS if span else TOKEN_INPUTS
    axes = SPAN_AXES if span else TOKEN_AXES
    onnx_path = os.path.join(out_dir, "model.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, args, onnx_path, input_names=names, output_names=["logits"], dynamic_axes=axes,
                          opset_version=opset, do_constant_folding=True)
    check_onnx(onnx_path, names, span)
    tok.save(out_dir)
    with open(os.path.join(out_dir, "gliner_config.json"), "w") as f:
        json.dump(gliner_config(ck, tok), f, indent=2)
    return onnx_path


def check_onnx(path, names, span):
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    got = [i.name for i in m.graph.input]
    if got != names:
        raise RuntimeError("onnx inputs %s, want %s" % (got, names))
    want_types = {"span_mask": onnx.TensorProto.BOOL}
    ranks = {"input_ids": 2, "attention_mask": 2, "words_mask": 2, "text_lengths": 2, "span_idx": 3, "span_mask": 2}
    for i in m.graph.input:
        tt = i.type.tensor_type
        if tt.elem_type != want_types.get(i.name, onnx.TensorProto.INT64):
            raise RuntimeError("input %s has elem type %d" % (i.name, tt.elem_type))
        if len(tt.shape.dim) != ranks[i.name]:
            raise RuntimeError("input %s has rank %d" % (i.name, len(tt.shape.dim)))
        for d in tt.shape.dim[:1]:
            if d.dim_param != "batch_size":
                raise RuntimeError("input %s axis 0 is not dynamic batch_size" % i.name)
    outs = [o.name for o in m.graph.output]
    if outs != ["logits"]:
        raise RuntimeError("onnx outputs %s" % outs)
    o = m.graph.output[0].type.tensor_type
    if o.elem_type != onnx.TensorProto.FLOAT or len(o.shape.dim) != 4:
        raise RuntimeError("logits must be float32 rank 4")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--layout", default="new", choices=["new", "old"],
                    help="token-level output layout: new = [B,W,C,3] (gliner>=0.2.21), old = [3,B,W,C]")
    ap.add_argument("--shared", default=os.environ.get("GLINER_SHARED_DIR", ""))
    a = ap.parse_args()
    print(export(a.checkpoint, a.out, a.layout, shared_dir=a.shared))


if __name__ == "__main__":
    main()
