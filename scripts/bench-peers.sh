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
# graph at the same batch size, p50 latency, peak RSS, share of time outside
# ONNX Runtime, and the entity agreement with the full graph (texts whose
# entities are identical). Labels: disease, chemical, gene; threads: 2.
# GLiNER.js is not part of this run (see README, Benchmarks).
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
			--threads "$THREADS" --span-kernel "$kernel" --json >> "$OUT/results.jsonl"
		bin/gliner extract "$TEXTS" --model "$MODEL" --labels "$LABELS" --batch "$batch" \
			--span-kernel "$kernel" > "$OUT/entities-$kernel-$batch.jsonl"
	done
done
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
rows = [json.loads(l) for l in open(out + "/results.jsonl")]
def ents(kernel, batch):
    return [json.loads(l)["entities"] for l in open("%s/entities-%s-%d.jsonl" % (out, kernel, batch))]
def same(a, b):
    key = lambda e: (e["start"], e["end"], e["label"])
    return [key(x) for x in a] == [key(x) for x in b] and all(abs(x["score"] - y["score"]) <= 1e-5 for x, y in zip(a, b))
print("| kernel | batch | texts/s | vs graph | p50 ms/text | peak RSS MB | outside ORT | entities = graph |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    g = [x for x in rows if x["batch"] == r["batch"] and x["span_kernel"] == "graph"][0]
    a, b = ents(r["span_kernel"], r["batch"]), ents("graph", r["batch"])
    agree = sum(same(x, y) for x, y in zip(a, b))
    print("| %s | %d | %.2f | %.2fx | %.0f | %.0f | %.1f%% | %d/%d |" % (
        r["span_kernel"], r["batch"], r["texts_per_s"], r["texts_per_s"] / g["texts_per_s"], r["p50_ms"],
        r["peak_rss_mb"], 100 * r["outside_ort_share"], agree, len(a)))
PY
