#!/bin/sh
# bench-peers.sh: time this library's factorised span kernel against the full
# graph on a gliner_small-sized random-weight span model, same texts, same
# ONNX Runtime, same threads, one configuration at a time.
#
#   scripts/bench-peers.sh [TEXTS]     (make bench-peers)
#
# Builds the model under .cache/bench-model on first use
# (tools/train/bench_model.py: DeBERTa-v3 vocabulary, 6 layers, hidden 768,
# BiLSTM, markerV0 head exported the reference's way, max_width 12; ~3 min,
# 650 MB, python3-torch). TEXTS: one text per line (default: gliner bench's
# 20 built-in NCBI-disease abstracts). For each batch size (1 and 8) and
# kernel (factorised, graph) it runs `gliner bench` (warm-up, then 3 passes)
# and `gliner extract`, and prints one table: texts/s, the ratio to the full
# graph at the same batch size and to a bare Run of the full graph (the graph
# rows' texts over their time inside ONNX Runtime's Run alone), p50 latency,
# peak RSS while loading and while extracting, share of time outside ONNX
# Runtime, and the entity agreement with the full graph (texts whose
# entities are identical). The span kernel cache is off, so that every
# factorised row parses and rewrites the graph as a first run does. Labels: disease, chemical, gene; threads: 2.
# Then the peer GLiNER.js (npm gliner@0.0.19, tools/gliner-js/bench.mjs, same
# ONNX Runtime 1.30.0, intra-op threads set to THREADS, flat NER, threshold
# 0.5) at batch 1 and 8, one process per batch size: its rows give the ratio
# of this library's factorised kernel at the same batch size over GLiNER.js's
# best setting, and the texts whose entities (UTF-16 offsets, label, score
# within 1e-4) equal the factorised kernel's, as GLiNER.js returns them and
# with its one documented decoding deviation undone (an untimed extra pass
# whose greedy search treats character ends as exclusive; GLiNER.js's own
# check makes touching spans conflict). Set NO_GLINERJS=1 to skip it.
set -eu
cd "$(dirname "$0")/.."
MODEL=${BENCH_MODEL:-.cache/bench-model}
THREADS=${THREADS:-2}
LABELS=disease,chemical,gene
OUT=.cache/bench-peers
mkdir -p "$OUT"
if [ ! -f "$MODEL/model.onnx" ]; then
	/usr/bin/python3 -m tools.train.bench_model --out "$MODEL"
fi
go build -o bin/gliner ./cmd/gliner
TEXTS=${1:-}
if [ -z "$TEXTS" ]; then
	TEXTS=cmd/gliner/benchdata/ncbi-disease-test-20.txt
fi
: > "$OUT/results.jsonl"
for batch in 1 8; do
	for kernel in factorised graph; do
		bin/gliner bench --model "$MODEL" --texts "$TEXTS" --labels "$LABELS" --batch "$batch" \
			--threads "$THREADS" --span-kernel "$kernel" --span-kernel-cache "" --json >> "$OUT/results.jsonl"
		bin/gliner extract "$TEXTS" --model "$MODEL" --labels "$LABELS" --batch "$batch" \
			--span-kernel "$kernel" --span-kernel-cache "" --offsets utf16 > "$OUT/entities-$kernel-$batch.jsonl"
	done
done
if [ -z "${NO_GLINERJS:-}" ]; then
	if [ ! -d tools/gliner-js/node_modules/gliner ]; then
		(cd tools/gliner-js && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund)
	fi
	# transformers.js (GLiNER.js's tokenizer) reads tokenizer.json only: build
	# it from spm.model, with the Metaspace pre-tokenizer in the legacy
	# spelling transformers.js 2.17 understands (add_prefix_space).
	TOK="$OUT/glinerjs-tokenizer"
	mkdir -p "$TOK"
	/usr/bin/python3 scripts/spm_to_tokenizer_json.py "$MODEL/spm.model" "$TOK/tokenizer.json" \
		--add-tokens "[FLERT],<<ENT>>,<<SEP>>"
	/usr/bin/python3 - "$TOK/tokenizer.json" <<'PY'
import json, sys
p = sys.argv[1]
spec = json.load(open(p, encoding="utf-8"))
def legacy(node):
    if isinstance(node, dict):
        if node.get("type") == "Metaspace" and "add_prefix_space" not in node:
            node["add_prefix_space"] = node.get("prepend_scheme", "always") in ("always", "first")
        for v in node.values():
            legacy(v)
    elif isinstance(node, list):
        for v in node:
            legacy(v)
legacy(spec.get("pre_tokenizer"))
legacy(spec.get("decoder"))
json.dump(spec, open(p, "w", encoding="utf-8"), ensure_ascii=False)
PY
	cp "$MODEL/tokenizer_config.json" "$MODEL/special_tokens_map.json" "$TOK/"
	for batch in 1 8; do
		node tools/gliner-js/bench.mjs --tokenizer "$TOK" --onnx "$MODEL/model.onnx" --texts "$TEXTS" \
			--labels "$LABELS" --batch "$batch" --threads "$THREADS" --threshold 0.5 \
			--entities "$OUT/entities-glinerjs-$batch.jsonl" \
			--entities-fixed "$OUT/entities-glinerjs-fixed-$batch.jsonl" >> "$OUT/results.jsonl"
	done
fi
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
all_rows = [json.loads(l) for l in open(out + "/results.jsonl")]
rows = [r for r in all_rows if "peer" not in r]
js = [r for r in all_rows if r.get("peer") == "GLiNER.js"]
def ents(kernel, batch):
    return [json.loads(l)["entities"] for l in open("%s/entities-%s-%d.jsonl" % (out, kernel, batch))]
def same(a, b, eps=1e-5):
    key = lambda e: (e["start"], e["end"], e["label"])
    return [key(x) for x in a] == [key(x) for x in b] and all(abs(x["score"] - y["score"]) <= eps for x, y in zip(a, b))
print("| kernel | batch | texts/s | vs graph | vs bare Run | p50 ms/text | peak RSS MB: load / extract | outside ORT | entities = graph |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    g = [x for x in rows if x["batch"] == r["batch"] and x["span_kernel"] == "graph"][0]
    a, b = ents(r["span_kernel"], r["batch"]), ents("graph", r["batch"])
    agree = sum(same(x, y) for x, y in zip(a, b))
    print("| %s | %d | %.2f | %.2fx | %.2fx | %.0f | %.0f / %.0f | %.1f%% | %d/%d |" % (
        r["span_kernel"], r["batch"], r["texts_per_s"], r["texts_per_s"] / g["texts_per_s"],
        r["texts_per_s"] / g["ort_texts_per_s"], r["p50_ms"], r["load_peak_rss_mb"], r.get("run_peak_rss_mb", 0),
        100 * r["outside_ort_share"], agree, len(a)))
bare = max((x for x in rows if x["span_kernel"] == "graph"), key=lambda x: x["ort_texts_per_s"])
fbest = max((x for x in rows if x["span_kernel"] == "factorised"), key=lambda x: x["texts_per_s"])
print()
print("bare Run of the full graph (graph rows, time inside Run only): best batch %d, %.2f texts/s; "
      "factorised best (batch %d) %.2f texts/s = %.2fx" % (bare["batch"], bare["ort_texts_per_s"], fbest["batch"],
      fbest["texts_per_s"], fbest["texts_per_s"] / bare["ort_texts_per_s"]))
if js:
    best = max(js, key=lambda r: r["texts_per_s"])
    print()
    print("| GLiNER.js | batch | texts/s | factorised / GLiNER.js (same batch) | peak RSS MB | entities = factorised | same, exclusive-end greedy |")
    print("|---|---|---|---|---|---|---|")
    for r in js:
        f = [x for x in rows if x["batch"] == r["batch"] and x["span_kernel"] == "factorised"][0]
        b = ents("factorised", r["batch"])
        agree = []
        for kind in ("glinerjs", "glinerjs-fixed"):
            a = [json.loads(l)["entities"] for l in open("%s/entities-%s-%d.jsonl" % (out, kind, r["batch"]))]
            agree.append("%d/%d" % (sum(same(x, y, 1e-4) for x, y in zip(a, b)), len(b)))
        print("| GLiNER.js | %d | %.2f | %.2fx | %.0f | %s | %s |" % (
            r["batch"], r["texts_per_s"], f["texts_per_s"] / r["texts_per_s"], r["peak_rss_mb"], agree[0], agree[1]))
    fb = max((x for x in rows if x["span_kernel"] == "factorised"), key=lambda x: x["texts_per_s"])
    print()
    print("factorised best (batch %d) %.2f texts/s / GLiNER.js best (batch %d) %.2f texts/s = %.2fx" % (
        fb["batch"], fb["texts_per_s"], best["batch"], best["texts_per_s"], fb["texts_per_s"] / best["texts_per_s"]))
PY
