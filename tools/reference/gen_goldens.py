"""Write testdata/golden/<fixture>.jsonl.gz and <fixture>.batched.jsonl.gz.

    /usr/bin/python3 tools/reference/gen_goldens.py --models testdata/models \
        --out testdata/golden [--shared testdata/shared] [FIXTURE ...]

Format: testdata/golden/README.md.  Every text is run alone (batch of one);
the batched file runs groups of three texts padded together and checks that
the entities equal the single-text ones.
"""

import argparse
import base64
import gzip
import hashlib
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpora  # noqa: E402
import gliner_ref as g  # noqa: E402
from fixture import Fixture  # noqa: E402

DEFAULT_LABELS = ["disease", "chemical", "gene"]
SETTINGS = [
    g.Setting("flat_0.5", 0.5, flat_ner=True, multi_label=False),
    g.Setting("nested_0.5", 0.5, flat_ner=False, multi_label=False),
    g.Setting("flat_multi_0.3", 0.3, flat_ner=True, multi_label=True),
    g.Setting("perlabel_flat", {"disease": 0.4, "chemical": 0.7, "gene": 0.5}, flat_ner=True, multi_label=False),
]
# Texts whose full float32 logits are stored (first texts of each corpus + short edge cases).
LOGIT_TEXTS = 2
LOGIT_EDGE_MAX_WORDS = 64
BATCH_GROUPS = 6


def setting_json(s):
    return {"name": s.name, "threshold": s.threshold, "flat_ner": s.flat_ner, "multi_label": s.multi_label}


def f32_shortest(x):
    """The float32 value x as the shortest decimal that parses back to the same
    float32 (scores are float32 probabilities; this is their exact value, in
    about 9 digits instead of 17)."""
    return float(np.format_float_positional(np.float32(x), unique=True))


def compact(e):
    """Entity as stored: offsets, label, score (text = text[start:end] in code points)."""
    d = {k: e[k] for k in ("start", "end", "start_byte", "end_byte", "label")}
    d["score"] = f32_shortest(e["score"])
    return d


def f32_b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def dump(f, obj):
    f.write((json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))


def near_threshold(logits, batch, setting, cfg, eps=1e-5):
    """Candidate scores within eps of their threshold (where a torch-vs-ORT
    difference of ~1e-7 could flip a decision); reported, not stored."""
    n = 0
    for b, it in enumerate(batch.items):
        thr = g.thresholds_for(batch.labels, setting.threshold).astype(np.float64)
        p = g.sigmoid32(logits[b]).astype(np.float64)
        if cfg.token_level:
            p = p[:len(it.words), :len(thr), :]
            n += int((np.abs(p - thr[None, :, None]) <= eps).sum())
        else:
            W = len(it.words)
            for s in range(W):
                row = p[s, :min(p.shape[1], W - s), :len(thr)]
                n += int((np.abs(row - thr[None, :]) <= eps).sum())
    return n


def find_onnx(model_dir):
    for p in ("model.onnx", os.path.join("onnx", "model.onnx")):
        if os.path.exists(os.path.join(model_dir, p)):
            return os.path.join(model_dir, p)
    return None


def ort_check(fx, items):
    """Run the fixture's ONNX file with onnxruntime-node on the reference
    tensors; compare logits with torch's and the decoded entities with the
    golden ones. items: (id, batch, torch_logits, entities_by_setting)."""
    import subprocess
    onnx = find_onnx(fx.dir)
    if onnx is None:
        return {"skipped": "no model.onnx"}
    lines = []
    for rid, batch, _, _ in items:
        lines.append(json.dumps({"id": rid, "feeds": {k: v.tolist() for k, v in batch.feeds().items()}}))
    js = os.path.join(g.REPO, "tools", "gliner-js", "ort_run.mjs")
    out = subprocess.run(["node", js, os.path.abspath(onnx)], input=("\n".join(lines) + "\n").encode(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=os.path.dirname(js))
    if out.returncode != 0:
        return {"error": out.stderr.decode("utf-8", "replace")[-2000:]}
    res = [json.loads(l) for l in out.stdout.decode().splitlines() if l.strip()]
    max_diff = 0.0
    differ = []
    for (rid, batch, tl, ents), r in zip(items, res):
        ol = np.frombuffer(base64.b64decode(r["f32le_b64"]), dtype="<f4").reshape(r["dims"])
        if fx.cfg.token_level and fx.token_layout == "3BWC":
            ol = np.ascontiguousarray(np.transpose(ol, (1, 2, 3, 0)))
        n = len(batch.items[0].words)
        if fx.cfg.token_level:
            d = float(np.abs(ol[0, :n] - tl[0, :n]).max())
        else:
            K = tl.shape[2]
            valid = np.array([[s + k < n for k in range(K)] for s in range(tl.shape[1])])
            d = float(np.abs(ol[0] - tl[0])[valid].max())
        max_diff = max(max_diff, d)
        for s in SETTINGS:
            e2 = g.decode_batch(batch, ol, s, fx.cfg)[0]
            e1 = ents[s.name]
            same = [(a["start"], a["end"], a["label"]) for a in e1] == [(b["start"], b["end"], b["label"]) for b in e2] \
                and all(abs(a["score"] - b["score"]) <= 1e-5 for a, b in zip(e1, e2))
            if not same:
                differ.append({"id": rid, "setting": s.name})
    return {"onnx": os.path.relpath(onnx, g.REPO), "texts": len(items), "max_abs_logit_diff_valid": max_diff,
            "entity_lists_differing": len(differ), "examples": differ[:10]}


def run_fixture(fx, texts, out_dir, stats, do_ort_check=False, aliases=()):
    """Write fx's goldens. aliases: fixtures with the same weights (e.g. the
    same token-level model exported in the other logits layout); they share
    fx's golden file and are only checked with ONNX Runtime against it."""
    cfg = fx.cfg
    recs = [dict(r) for r in texts]
    # One node call tokenizes every word of every text and every label set.
    seqs = []
    for r in recs:
        labels = g.dedup_labels(r.get("labels", DEFAULT_LABELS))
        words = [w.text for w in g.truncate_words(g.split_words(r["text"]), cfg.max_len)]
        seqs.append(g.build_prompt(labels, cfg.ent_token, cfg.sep_token) + words)
    fx.tok.prefetch(seqs)

    path = os.path.join(out_dir, fx.name + ".jsonl.gz")
    n_ent = {s.name: 0 for s in SETTINGS}
    n_valid = 0
    near = {s.name: 0 for s in SETTINGS}
    singles = {}
    logit_ids = set()
    seen = {}
    for r in recs:
        c = r["id"].split(":")[0]
        if (c == "edge" and len(g.split_words(r["text"])) <= LOGIT_EDGE_MAX_WORDS) or (c != "edge" and seen.get(c, 0) < LOGIT_TEXTS):
            logit_ids.add(r["id"])
        seen[c] = seen.get(c, 0) + 1
    layout_mismatch = 0
    ort_items = []
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        dump(f, {"kind": "header", "fixture": fx.name, "model_dir": "testdata/models/" + fx.name,
                 "model_dirs": ["testdata/models/" + x.name for x in (fx, *aliases)],
                 "default_labels": DEFAULT_LABELS, "settings": [setting_json(s) for s in SETTINGS],
                 "max_len": cfg.max_len, "max_width": cfg.max_width, "token_level": cfg.token_level,
                 "token_layouts_checked": ["BWC3", "3BWC"] if cfg.token_level else [],
                 "class_token_index": cfg.class_token_index, "pad_id": fx.tok.pad_id,
                 "model_max_length": fx.tok.model_max_length if fx.tok.model_max_length < g.VERY_LARGE_INTEGER else None,
                 "generator": "tools/reference/gen_goldens.py (torch %s)" % torch.__version__})
        for r in recs:
            labels_in = r.get("labels", DEFAULT_LABELS)
            res, batches = g.predict([r["text"]], labels_in, fx.tok, cfg, fx.forward, SETTINGS, batch_size=1)
            rec = {"kind": "text", "id": r["id"], "text": r["text"]}
            if "labels" in r:
                rec["labels"] = r["labels"]
            rec["valid"] = bool(batches)
            if batches:
                n_valid += 1
                _, batch, logits = batches[0]
                it = batch.items[0]
                rec["n_words"] = len(it.words)
                rec["n_words_total"] = it.n_words_before_trunc
                rec["input_ids"] = batch.input_ids[0].tolist()
                rec["attention_mask"] = batch.attention_mask[0].tolist()
                rec["words_mask"] = batch.words_mask[0].tolist()
                rec["text_lengths"] = batch.text_lengths.tolist()
                if not cfg.token_level:
                    rec["W"] = int(batch.text_lengths.max())
                    rec["K"] = cfg.max_width
                    rec["span_rows"] = int(batch.span_idx.shape[1])
                if r["id"] in logit_ids:
                    rec["logits"] = {"dims": list(logits.shape), "f32le_b64": f32_b64(logits)}
                if cfg.token_level:  # decode the other layout too: must be identical
                    old = np.ascontiguousarray(np.transpose(logits, (3, 0, 1, 2)))
                    for s in SETTINGS:
                        o = g.decode_batch(batch, old, s, cfg, token_layout="3BWC")[0]
                        if o != res[s.name][0]:
                            layout_mismatch += 1
                for s in SETTINGS:
                    near[s.name] += near_threshold(logits, batch, s, cfg)
                if do_ort_check or aliases:
                    ort_items.append((r["id"], batch, logits, {s.name: res[s.name][0] for s in SETTINGS}))
            rec["entities"] = {s.name: [compact(e) for e in res[s.name][0]] for s in SETTINGS}
            for s in SETTINGS:
                n_ent[s.name] += len(res[s.name][0])
            singles[r["id"]] = rec["entities"]
            dump(f, rec)
    if layout_mismatch:
        raise RuntimeError(f"{fx.name}: token layouts gave different entities in {layout_mismatch} cases")

    # Batched runs: groups of three valid texts of different lengths, padded together.
    valid = [r for r in recs if g.is_valid_text(r["text"]) and "labels" not in r]
    by_len = sorted(valid, key=lambda r: len(r["text"]))
    groups = []
    for i in range(BATCH_GROUPS):
        a = by_len[(i * 7) % len(by_len)]
        b = by_len[(len(by_len) // 2 + i * 5) % len(by_len)]
        c = by_len[(len(by_len) - 1 - i * 3) % len(by_len)]
        groups.append([a, b, c] if i % 2 == 0 else [c, a, b])
    edge = [r for r in valid if r["id"].startswith("edge:") and r["id"] in
            ("edge:nonascii", "edge:zero-width", "edge:long")]
    if len(edge) == 3:
        groups.append(edge)
    bpath = os.path.join(out_dir, fx.name + ".batched.jsonl.gz")
    max_diff = 0.0
    mism = 0
    with gzip.GzipFile(bpath, "wb", mtime=0) as f:
        dump(f, {"kind": "header", "fixture": fx.name, "settings": [setting_json(s) for s in SETTINGS],
                 "default_labels": DEFAULT_LABELS, "batch_size": 3})
        for grp in groups:
            res, batches = g.predict([r["text"] for r in grp], DEFAULT_LABELS, fx.tok, cfg, fx.forward, SETTINGS, batch_size=3)
            _, batch, logits = batches[0]
            rec = {"kind": "batch", "ids": [r["id"] for r in grp], "texts": [r["text"] for r in grp],
                   "input_ids": batch.input_ids.tolist(), "attention_mask": batch.attention_mask.tolist(),
                   "words_mask": batch.words_mask.tolist(), "text_lengths": batch.text_lengths.tolist()}
            if not cfg.token_level:
                rec["W"] = int(batch.text_lengths.max())
                rec["K"] = cfg.max_width
                rec["span_rows"] = int(batch.span_idx.shape[1])
            rec["entities"] = {s.name: [[compact(e) for e in ents] for ents in res[s.name]] for s in SETTINGS}
            # Compare with the single-text runs.
            same = True
            for s in SETTINGS:
                for r, ents in zip(grp, res[s.name]):
                    one = singles[r["id"]][s.name]
                    key = lambda e: (e["start"], e["end"], e["label"])
                    if [key(e) for e in ents] != [key(e) for e in one]:
                        same = False
                    else:
                        for e1, e2 in zip(ents, one):
                            max_diff = max(max_diff, abs(e1["score"] - e2["score"]))
            if not same:
                mism += 1
            rec["equal_to_single_runs"] = same
            dump(f, rec)
    stats[fx.name] = {"texts": len(recs), "valid": n_valid, "entities": n_ent, "near_threshold_1e-5": near,
                      "batch_groups": len(groups), "batch_groups_differing": mism,
                      "batch_max_score_diff": max_diff,
                      "ort_check": ort_check(fx, ort_items) if do_ort_check else None,
                      "aliases": {x.name: ort_check(x, ort_items) for x in aliases},
                      "files": [os.path.relpath(path, g.REPO), os.path.relpath(bpath, g.REPO)]}


def is_uni_encoder(model_dir):
    """Uni-encoder span or token GLiNER folders (the reference covers only these)."""
    p = os.path.join(model_dir, "gliner_config.json")
    if not os.path.exists(p):
        return False
    with open(p) as f:
        c = json.load(f)
    return not c.get("labels_encoder") and not c.get("relations_layer") and not c.get("labels_decoder")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.path.join(g.REPO, "testdata", "models"))
    ap.add_argument("--out", default=os.path.join(g.REPO, "testdata", "golden"))
    ap.add_argument("--shared", default=os.environ.get("GLINER_SHARED_DIR", os.path.join(g.REPO, "testdata", "shared")))
    ap.add_argument("--limit", type=int, default=0, help="only the first N corpus texts (for quick checks)")
    ap.add_argument("--ort-check", action="store_true",
                    help="also run model.onnx with onnxruntime-node (tools/gliner-js) on the reference tensors and report differences")
    ap.add_argument("fixtures", nargs="*")
    a = ap.parse_args()
    torch.set_num_threads(1)
    corpus = corpora.corpus_texts(os.path.join(a.shared, "data"))
    if a.limit:
        corpus = corpus[:a.limit]
    names = a.fixtures or sorted(d for d in os.listdir(a.models) if is_uni_encoder(os.path.join(a.models, d)))
    os.makedirs(a.out, exist_ok=True)
    stats = {}
    # Fixtures with byte-identical checkpoints (same weights, other ONNX layout)
    # share the golden of the first one.
    groups = {}
    for name in names:
        fx = Fixture(os.path.join(a.models, name))
        with open(fx.checkpoint, "rb") as f:
            h = hashlib.sha256(f.read()).hexdigest()
        groups.setdefault(h, []).append(fx)
    for fxs in groups.values():
        fx, aliases = fxs[0], fxs[1:]
        texts = [{"id": i, "text": t} for i, t in corpus] + corpora.edge_cases(corpus, fx.cfg.max_len)
        run_fixture(fx, texts, a.out, stats, a.ort_check, aliases)
        for al in aliases:
            if al.cfg.__dict__ != fx.cfg.__dict__:
                raise RuntimeError(f"{al.name} shares weights with {fx.name} but not its config")
            chk = stats[fx.name]["aliases"][al.name]
            if chk.get("entity_lists_differing") != 0:
                raise RuntimeError(f"{al.name}: ONNX Runtime entities differ from {fx.name}'s golden: {chk}")
        print(json.dumps({fx.name: stats[fx.name]}), flush=True)
    sp = os.path.join(a.out, "stats.json")
    old = {}
    if os.path.exists(sp):
        with open(sp) as f:
            old = json.load(f)
    old.update(stats)
    with open(sp, "w") as f:
        json.dump(old, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
