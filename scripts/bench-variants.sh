#!/bin/sh
# bench-variants.sh: the README's per-variant table. Every ONNX variant of
# the span-bert fixture (testdata/models/variants, made by
# testdata/models/gen_variants.py) is scored with `gliner eval` on the
# NCBI-disease test split (label "disease", strict matching), one process per
# run so that each peak RSS is its own; the variants run in turn, ROUNDS
# times, and the medians of each (wall-clock texts/s as gliner eval reports
# it, and the process's CPU time per text, steadier on a shared machine) are
# compared with fp32's of the same run.
#
# Usage: scripts/bench-variants.sh [ROUNDS]   (default 5)
# Needs: go, ONNX Runtime (make deps-run), /usr/bin/python3 (runs the rounds
# and prints the table), testdata/shared/data (or GLINER_SHARED_DIR).
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-5}
shared=${GLINER_SHARED_DIR:-testdata/shared}
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

# The runs and the table: kind:variant-name pairs, in table order.
/usr/bin/python3 scripts/bench_variants.py "$tmp" "$rounds" "$data" \
	fp32:fp32 fp16:fp16 fp16io:fp16 int8:int8 uint8:uint8 q4:q4 q4f16:q4f16 bnb4:bnb4
