#!/bin/sh
# bench-variants.sh: the README's per-variant table. Every ONNX variant of
# the span-bert fixture (testdata/models/variants, made by
# testdata/models/gen_variants.py) is scored with `gliner eval` on the
# NCBI-disease test split (label "disease", strict matching), one process per
# run so that each peak RSS is its own; the variants run in turn, ROUNDS
# times, and the median texts/s of each is compared with fp32's of the same
# run.
#
# Usage: scripts/bench-variants.sh [ROUNDS]   (default 3)
# Needs: go, ONNX Runtime (make deps-run), /usr/bin/python3 (to print the
# table), ../shared/data (or GLINER_SHARED_DIR).
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-3}
shared=${GLINER_SHARED_DIR:-../shared}
data=$shared/data/conll/ncbi-disease/test.tsv
fixture=$PWD/testdata/models/span-bert
variants=$PWD/testdata/models/variants/span-bert
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/gliner" ./cmd/gliner

# One published-style folder per graph: the fixture's files plus the graph
# under the variant's file name.
folder() { # folder NAME GRAPH FILE
	mkdir -p "$tmp/$1/onnx"
	for f in gliner_config.json tokenizer.json tokenizer_config.json special_tokens_map.json added_tokens.json; do
		ln -s "$fixture/$f" "$tmp/$1/$f"
	done
	ln -s "$2" "$tmp/$1/$3"
}
folder fp32 "$fixture/model.onnx" model.onnx
folder fp16 "$variants/onnx/model_fp16.onnx" onnx/model_fp16.onnx
folder fp16io "$variants/fp16io/model_fp16.onnx" onnx/model_fp16.onnx
for v in int8 uint8 q4 q4f16 bnb4; do
	folder "$v" "$variants/onnx/model_$v.onnx" "onnx/model_$v.onnx"
done

# kind variant-name pairs, in table order
set -- fp32:fp32 fp16:fp16 fp16io:fp16 int8:int8 uint8:uint8 q4:q4 q4f16:q4f16 bnb4:bnb4
round=1
while [ "$round" -le "$rounds" ]; do
	for spec in "$@"; do
		kind=${spec%%:*}
		"$tmp/gliner" eval --model "$tmp/$kind" --variant "${spec#*:}" --data "$data" \
			--labels Disease=disease --report "$tmp/$kind.$round.json" >"$tmp/log" 2>&1 ||
			{ cat "$tmp/log"; exit 1; }
	done
	round=$((round + 1))
done

/usr/bin/python3 - "$tmp" "$rounds" "$@" <<'EOF'
import json, os, statistics, sys
tmp, rounds, specs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rows = []
for spec in specs:
    kind = spec.split(":")[0]
    reps = [json.load(open(os.path.join(tmp, "%s.%d.json" % (kind, r)))) for r in range(1, rounds + 1)]
    graph = os.path.realpath(os.path.join(tmp, kind, "model.onnx" if kind == "fp32" else
                                          "onnx/model_%s.onnx" % spec.split(":")[1]))
    rows.append(dict(kind=kind, f1=reps[0]["scores"]["micro"]["f1"],
                     tps=statistics.median(r["cost"]["texts_per_second"] for r in reps),
                     rss=statistics.median(r["cost"]["rss_peak_bytes"] for r in reps),
                     size=os.path.getsize(graph)))
base = rows[0]
print("| variant | graph file | size | strict F1 | F1 − fp32 | texts/s | vs fp32 | peak RSS |")
print("|---|---|---|---|---|---|---|---|")
names = {"fp32": "model.onnx", "fp16io": "model_fp16.onnx (float16 logits)"}
for r in rows:
    print("| %s | %s | %.2f MB | %.4f | %+.4f | %.0f | %.2f× | %.0f MB |" % (
        r["kind"], names.get(r["kind"], "model_%s.onnx" % r["kind"]), r["size"] / 1e6, r["f1"],
        r["f1"] - base["f1"], r["tps"], r["tps"] / base["tps"], r["rss"] / 2**20))
print("\n%d texts, %d rounds (median texts/s and RSS), load average %s" % (
    reps[0]["texts"], rounds, open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"))
EOF
