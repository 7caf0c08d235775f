"""Run GLiNER.js (tools/gliner-js/run.mjs) on the ASCII texts of a fixture's
golden file and list every difference from the Python reference, classified by
GLiNER.js's known deviations.  Writes testdata/golden/glinerjs-<fixture>.jsonl.gz.

    /usr/bin/python3 tools/reference/compare_js.py --fixture testdata/models/span-bert \
        [--golden testdata/golden] [--logit-texts 40]

How a difference is classified (each entity difference gets the first stage
of this chain at which it appears, R -> A -> A1 -> E, E being GLiNER.js):
  R  = reference entities (golden file: reference tensors, torch logits)
  A  = reference decoder (float32 sigmoid, strict >, word-index greedy) on
       GLiNER.js's logits and words           R->A: pre-processing / backend
  A1 = A with GLiNER.js's threshold test (float64 sigmoid, >=)   A->A1: "threshold-ge-f64"
  E  = A1 with GLiNER.js's greedy (conflicts on character offsets,
       exclusive ends: touching words conflict)                  A1->E: "greedy-char-offsets"
E must equal GLiNER.js's own entities exactly (else "UNEXPLAINED-emulation").
R->A differences take the class of the text's tensor differences:
  "no-max-len-truncation", "no-model-max-length-truncation" (sub-tokens beyond
  the tokenizer's model_max_length), "first-input-id-1" (input_ids[0]
  hard-coded to 1; BERT's [CLS] is 101), "tokenizer-difference",
  "words-mask-difference" (first that applies, in this order),
  and, when the tensors are equal up to the span-end clamp (which only changes
  logits of masked rows), "backend-numerics" (torch vs ONNX Runtime).
Tensor-level classes also listed per text: "span-end-clamped" (rows with
s+k >= n are (s, n-1) instead of (s, s+k)), "span-mask-all-true".
"""

import argparse
import base64
import gzip
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gliner_ref as g  # noqa: E402
from fixture import Fixture  # noqa: E402

JS_SETTINGS = [("flat_0.5", True, False, 0.5), ("nested_0.5", False, False, 0.5), ("flat_multi_0.3", True, True, 0.3)]
SCORE_EPS = 1e-6  # |score difference| above this is listed as a difference

CLASS_DOC = {
    "first-input-id-1": "GLiNER.js puts id 1 first in input_ids instead of the tokenizer's [CLS] id (101 for BERT)",
    "no-max-len-truncation": "GLiNER.js does not cut texts at max_len words",
    "no-model-max-length-truncation": "GLiNER.js does not cut sub-tokens at the tokenizer's model_max_length "
                                      "(512 for BERT; the reference tokenizer call has truncation=True)",
    "tokenizer-difference": "transformers.js gives other sub-word ids than Hugging Face tokenizers",
    "words-mask-difference": "words_mask differs although input_ids are equal",
    "span-end-clamped": "span_idx rows with s+k >= n hold (s, n-1) instead of (s, s+k)",
    "span-mask-all-true": "span_mask is true on rows with s+k >= n",
    "backend-numerics": "same tensors; torch (reference) and ONNX Runtime (GLiNER.js) logits differ slightly",
    "threshold-ge-f64": "GLiNER.js keeps prob >= threshold, prob = float64 sigmoid of the float32 logit",
    "greedy-char-offsets": "GLiNER.js's greedy search compares character offsets with exclusive ends, so touching words conflict",
    "UNEXPLAINED-emulation": "GLiNER.js's entities differ from the emulation of its documented behaviour",
    "UNEXPLAINED": "no known deviation explains the difference",
}


def is_ascii(s):
    return all(ord(c) < 128 for c in s)


def adapt_tokenizer_json_for_transformers_js(spec):
    """transformers.js 2.17 (used by GLiNER.js 0.0.19) reads two tokenizer.json
    fields only in their older spelling.  The same meaning is written in that
    spelling (hub files saved by tokenizers < 0.19 have it); Rust tokenizers
    behaviour is unchanged.  Returns the list of changes made.
    - Metaspace with prepend_scheme "always"/"first" needs "add_prefix_space": true,
      else transformers.js never prepends "▁" (every DeBERTa-v3 id differs).
    - a model without "type" is read as a whole-word "LegacyTokenizerModel";
      a WordPiece model (continuing_subword_prefix + max_input_chars_per_word)
      gets "type": "WordPiece"."""
    changes = []

    def fix_metaspace(node, where):
        if isinstance(node, dict):
            if node.get("type") == "Metaspace" and "add_prefix_space" not in node:
                node["add_prefix_space"] = node.get("prepend_scheme", "always") in ("always", "first")
                changes.append(f"{where}: Metaspace add_prefix_space={node['add_prefix_space']}")
            for k, v in node.items():
                fix_metaspace(v, where)
        elif isinstance(node, list):
            for v in node:
                fix_metaspace(v, where)

    fix_metaspace(spec.get("pre_tokenizer"), "pre_tokenizer")
    fix_metaspace(spec.get("decoder"), "decoder")
    m = spec.get("model", {})
    if "type" not in m and "continuing_subword_prefix" in m and "max_input_chars_per_word" in m:
        m["type"] = "WordPiece"
        changes.append("model: type=WordPiece")
    return changes


def js_tokenizer_folder(fx, tmp):
    """A folder transformers.js can load: tokenizer.json + tokenizer_config.json."""
    d = os.path.join(tmp, fx.name + "-tok")
    os.makedirs(d, exist_ok=True)
    with open(fx.tokenizer_json, encoding="utf-8") as f:
        spec = json.load(f)
    changes = adapt_tokenizer_json_for_transformers_js(spec)
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(spec, f, ensure_ascii=False)
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        p = os.path.join(fx.dir, name)
        if os.path.exists(p):
            shutil.copy(p, os.path.join(d, name))
    if not os.path.exists(os.path.join(d, "tokenizer_config.json")):
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump({"cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                       "unk_token": "[UNK]", "mask_token": "[MASK]"}, f)
        changes.append("tokenizer_config.json written (cls/sep/pad/unk/mask tokens)")
    return d, changes


def find_onnx(model_dir):
    for p in ("model.onnx", "onnx/model.onnx"):
        if os.path.exists(os.path.join(model_dir, p)):
            return os.path.join(model_dir, p)
    raise FileNotFoundError(model_dir + ": no model.onnx")


def run_js(fx, texts, labels, tmp):
    tokdir, changes = js_tokenizer_folder(fx, tmp)
    inp = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in texts)
    js = os.path.join(g.REPO, "tools", "gliner-js", "run.mjs")
    settings = ",".join(f"{'flat_multi' if m else ('flat' if fl else 'nested')}:{t}" for _, fl, m, t in JS_SETTINGS)
    cmd = ["node", js, "--tokenizer", tokdir, "--onnx", find_onnx(fx.dir), "--labels", ",".join(labels),
           "--max-width", str(fx.cfg.max_width), "--settings", settings]
    out = subprocess.run(cmd, input=inp.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         cwd=os.path.dirname(js))
    if out.returncode != 0:
        raise RuntimeError("GLiNER.js runner failed: " + out.stderr.decode("utf-8", "replace")[-3000:])
    return [json.loads(l) for l in out.stdout.decode().splitlines() if l.strip()], changes


def decode_logits(b64, dims):
    return np.frombuffer(base64.b64decode(b64), dtype="<f4").reshape(dims)


def js_candidates(logits, n, thr):
    """GLiNER.js SpanDecoder: prob = 1/(1+exp(-x)) in float64, prob >= thr."""
    W, K, C = logits.shape
    p = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
    out = []
    for s, k, c in zip(*np.nonzero(p >= thr)):
        s, k, c = int(s), int(k), int(c)
        if s < n and s + k < n:
            out.append(g.Span(s, s + k, c, float(p[s, k, c])))
    return out


def js_greedy(spans, words, flat, multi):
    """GLiNER.js greedySearch: like the reference but on character offsets [start, end)."""
    def key(sp):
        return (words[sp.start].start, words[sp.end].end)

    def overlap(a, b):
        if a == b:
            return not multi
        if a[0] > b[1] or b[0] > a[1]:
            return False
        if not flat and ((a[0] <= b[0] and a[1] >= b[1]) or (b[0] <= a[0] and b[1] >= a[1])):
            return False
        return True

    kept = []
    for sp in sorted(spans, key=lambda s: -s.score):
        if not any(overlap(key(sp), key(q)) for q in kept):
            kept.append(sp)
    kept.sort(key=lambda s: words[s.start].start)
    return kept


def ekey(e):
    return (e["start"], e["end"], e["label"])


def ents(spans, item, labels):
    return g.spans_to_entities(spans, item, labels)


def tensor_diffs(js_in, ref, fx, n_js):
    """Classes of the differences between GLiNER.js's and the reference's tensors."""
    classes = []
    ji = js_in["input_ids"][0]
    ri = ref["input_ids"]
    if ref["n_words"] != n_js:
        classes.append("no-max-len-truncation")
    if ji[:1] != ri[:1]:
        if ji[0] == 1:
            classes.append("first-input-id-1")
        else:
            classes.append("tokenizer-difference")
    mml = fx.tok.model_max_length
    if ji[1:] != ri[1:] and "no-max-len-truncation" not in classes:
        if len(ri) == mml and len(ji) > mml and ji[1:mml - 1] == ri[1:mml - 1]:
            classes.append("no-model-max-length-truncation")
        else:
            classes.append("tokenizer-difference")
    if (not {"tokenizer-difference", "no-max-len-truncation", "no-model-max-length-truncation"} & set(classes)
            and js_in["words_mask"][0] != ref["words_mask"]):
        classes.append("words-mask-difference")
    if js_in["attention_mask"][0] != ref["attention_mask"] and \
            not {"tokenizer-difference", "no-max-len-truncation", "no-model-max-length-truncation"} & set(classes):
        classes.append("attention-mask-difference")
    n = n_js
    K = fx.cfg.max_width
    ridx, rmask = g.span_candidates(n, K)
    jidx = [tuple(x) for x in js_in["span_idx"][0]]
    jmask = [bool(x) for x in js_in["span_mask"][0]]
    if jidx != ridx:
        clamp = [(s, min(e, n - 1)) for s, e in ridx]
        classes.append("span-end-clamped" if jidx == clamp else "span-idx-difference")
    if jmask != rmask:
        classes.append("span-mask-all-true" if all(jmask) else "span-mask-difference")
    return classes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", required=True, help="model folder, e.g. testdata/models/span-bert")
    ap.add_argument("--golden", default=os.path.join(g.REPO, "testdata", "golden"))
    ap.add_argument("--logit-texts", type=int, default=40,
                    help="texts whose GLiNER.js input tensors and logits are stored (shortest-first mix)")
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    fx = Fixture(a.fixture)
    if fx.cfg.token_level:
        raise SystemExit("token-level fixtures are not compared (GLiNER.js reads the [3,B,W,C] layout only)")
    gpath = os.path.join(a.golden, fx.name + ".jsonl.gz")
    with gzip.open(gpath, "rt", encoding="utf-8") as f:
        recs = [json.loads(l) for l in f]
    header = recs[0]
    labels = header["default_labels"]
    texts = [r for r in recs[1:] if r["valid"] and "labels" not in r and is_ascii(r["text"])]
    if a.limit:
        texts = texts[:a.limit]
    tmp = tempfile.mkdtemp(prefix="gliner-js-cmp-")
    try:
        js_out, tok_changes = run_js(fx, [(r["id"], r["text"]) for r in texts], labels, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    by_id = {r["id"]: r for r in texts}
    # Texts whose tensors/logits are stored: short ones first, plus a few abstracts and the edge cases.
    order = sorted(texts, key=lambda r: len(r["input_ids"]))
    keep_logits = {r["id"] for r in order[:max(a.logit_texts - 6, 0)]}
    keep_logits |= {r["id"] for r in texts if r["id"].startswith("edge:")}
    keep_logits |= {r["id"] for r in order[len(order) // 2:len(order) // 2 + 3]}
    keep_logits |= {r["id"] for r in texts if r["id"].startswith("edge:long")}

    counts = Counter()
    tensor_counts = Counter()
    max_torch_vs_ort = 0.0
    max_score_diff_same = 0.0
    n_ent_js = Counter()
    out_path = os.path.join(a.golden, "glinerjs-" + fx.name + ".jsonl.gz")
    with gzip.GzipFile(out_path, "wb", mtime=0) as fo:
        def dump(o):
            fo.write((json.dumps(o, separators=(",", ":")) + "\n").encode())
        dump({"kind": "header", "fixture": fx.name, "peer": "npm gliner@0.0.19 (GLiNER.js) with onnxruntime-node 1.30.0",
              "labels": labels,
              "settings": [{"name": n, "threshold": t, "flat_ner": fl, "multi_label": m} for n, fl, m, t in JS_SETTINGS],
              "classes": CLASS_DOC, "score_eps": SCORE_EPS, "tokenizer_json_changes_for_transformers_js": tok_changes,
              "offsets": "GLiNER.js offsets are UTF-16 code units; all texts here are ASCII so they equal code points and bytes"})
        for jo in js_out:
            ref = by_id[jo["id"]]
            text = ref["text"]
            js_in = jo["inputs"]
            logits = decode_logits(jo["logits"]["f32le_b64"], jo["logits"]["dims"])[0]
            words_all = g.split_words(text)
            n_js = js_in["text_lengths"][0][0]
            tclasses = tensor_diffs(js_in, ref, fx, n_js)
            tensor_counts.update(tclasses)
            # torch forward on GLiNER.js's own tensors: compare with its ORT logits (valid rows).
            jb = g.Batch(items=[g.Prepared(text, words_all[:n_js], len(words_all))], labels=labels,
                         input_ids=np.array(js_in["input_ids"], dtype=np.int64),
                         attention_mask=np.array(js_in["attention_mask"], dtype=np.int64),
                         words_mask=np.array(js_in["words_mask"], dtype=np.int64),
                         text_lengths=np.array(js_in["text_lengths"], dtype=np.int64),
                         span_idx=np.array(js_in["span_idx"], dtype=np.int64),
                         span_mask=np.array(js_in["span_mask"], dtype=bool))
            tl = fx.forward(jb)[0]
            W, K = tl.shape[0], tl.shape[1]
            valid = np.array([[s + k < n_js for k in range(K)] for s in range(W)])
            diff = float(np.abs(tl - logits)[valid].max()) if valid.any() else 0.0
            max_torch_vs_ort = max(max_torch_vs_ort, diff)

            item = g.Prepared(text, words_all[:n_js], len(words_all))
            rec = {"kind": "text", "id": jo["id"], "tensor_classes": tclasses,
                   "torch_vs_ort_max_abs": diff, "n_entities": {}, "diffs": {}}
            js_entities = {}
            for name, flat, multi, thr in JS_SETTINGS:
                R = ref["entities"][name]
                A = ents(g.decode_span_item(logits, n_js, labels, thr, flat, multi), item, labels)
                A1 = ents(g.greedy_search(js_candidates(logits, n_js, thr), flat, multi), item, labels)
                E = ents(js_greedy(js_candidates(logits, n_js, thr), item.words, flat, multi), item, labels)
                J = jo["entities"][name]
                n_ent_js[name] += len(J)
                rec["n_entities"][name] = len(J)
                js_entities[name] = J
                emu_ok = [(ekey(e), e["text"]) for e in E] == [(ekey(e), e["text"]) for e in J] and \
                    all(abs(x["score"] - y["score"]) <= 1e-12 for x, y in zip(E, J))
                stages = [("pre", R), ("A", A), ("threshold-ge-f64", A1), ("greedy-char-offsets", E)]
                pre = ("no-max-len-truncation", "no-model-max-length-truncation", "first-input-id-1",
                       "tokenizer-difference", "words-mask-difference")
                if any(c in tclasses for c in pre):
                    pre_class = [c for c in pre if c in tclasses][0]
                else:
                    pre_class = "backend-numerics"
                stage_class = {"A": pre_class, "threshold-ge-f64": "threshold-ge-f64",
                               "greedy-char-offsets": "greedy-char-offsets"}
                diffs = []
                Rm = {ekey(e): e for e in R}
                Jm = {ekey(e): e for e in J}
                for k in sorted(set(Rm) | set(Jm)):
                    in_r, in_j = k in Rm, k in Jm
                    if in_r and in_j:
                        d = abs(Rm[k]["score"] - Jm[k]["score"])
                        max_score_diff_same = max(max_score_diff_same, d) if d <= SCORE_EPS else max_score_diff_same
                        if d <= SCORE_EPS:
                            continue
                        kind = "score"
                        cls = None
                        prev = Rm[k]["score"]
                        for st, lst in stages[1:]:
                            m = {ekey(e): e["score"] for e in lst}
                            if k in m and abs(m[k] - prev) > SCORE_EPS:
                                cls = stage_class[st]
                                break
                    else:
                        kind = "only_reference" if in_r else "only_glinerjs"
                        cls = None
                        for st, lst in stages[1:]:
                            present = any(ekey(e) == k for e in lst)
                            if present == in_j:
                                cls = stage_class[st]
                                break
                    if not emu_ok:
                        cls = "UNEXPLAINED-emulation"
                    cls = cls or "UNEXPLAINED"
                    counts[(name, cls)] += 1
                    diffs.append({"kind": kind, "start": k[0], "end": k[1], "label": k[2], "class": cls,
                                  "reference_score": Rm[k]["score"] if in_r else None,
                                  "glinerjs_score": Jm[k]["score"] if in_j else None})
                if not emu_ok and not diffs:
                    counts[(name, "UNEXPLAINED-emulation")] += 1
                    diffs.append({"kind": "emulation", "class": "UNEXPLAINED-emulation"})
                rec["diffs"][name] = diffs
            if jo["id"] in keep_logits:
                rec["text"] = text
                rec["entities"] = js_entities
                rec["inputs"] = js_in
                rec["logits"] = jo["logits"]
            dump(rec)
    summary = {"fixture": fx.name, "texts": len(js_out), "tokenizer_json_changes_for_transformers_js": tok_changes, "texts_with_tensors": len(keep_logits & set(by_id)),
               "glinerjs_entities": dict(n_ent_js),
               "tensor_classes": dict(tensor_counts),
               "entity_diffs": {f"{n}:{c}": v for (n, c), v in sorted(counts.items())},
               "max_abs_logit_torch_vs_ort_valid_rows": max_torch_vs_ort,
               "max_score_diff_matched_entities": max_score_diff_same,
               "file": os.path.relpath(out_path, g.REPO)}
    print(json.dumps(summary, indent=1))
    sp = os.path.join(a.golden, "glinerjs-stats.json")
    old = {}
    if os.path.exists(sp):
        with open(sp) as f:
            old = json.load(f)
    old[fx.name] = summary
    with open(sp, "w") as f:
        json.dump(old, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
