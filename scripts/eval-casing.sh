#!/usr/bin/env bash
# eval-casing.sh — recall of a model on the casing test set (testdata/casing):
# the same drug, disease and gene names in lower case, Title Case and opening
# a sentence, prompted with all three labels chemical, disease, gene.
#
#   scripts/eval-casing.sh [OUTDIR] [-- extra gliner eval flags, e.g. --model DIR]
#
# Writes OUTDIR/casing-{lower,title,initial}.json (default OUTDIR
# .cache/eval-casing) and prints recall per case and per label, and each
# case's recall as a ratio of the lower-case recall (the issue's target: no
# case below 0.9). Needs ONNX Runtime (make deps-run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-.cache/eval-casing}
[[ $# -gt 0 ]] && shift
[[ ${1:-} == -- ]] && shift
mkdir -p "$out"
go build -o "$out/gliner" ./cmd/gliner
for c in lower title initial; do
	"$out/gliner" eval --data "testdata/casing/$c.jsonl" --labels chemical,disease,gene \
		--name "casing-$c" --report "$out/casing-$c.json" "$@" >"$out/casing-$c.txt"
done
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
rep = {c: json.load(open(os.path.join(out, "casing-%s.json" % c))) for c in ("lower", "title", "initial")}
labels = sorted(t["type"] for t in rep["lower"]["scores"]["types"] if t["gold"])
print("%-8s %8s %8s  %s" % ("case", "recall", "/lower", "  ".join("%-9s" % l for l in labels)))
base = rep["lower"]["scores"]["micro"]["recall"]
for c, r in rep.items():
    rec = r["scores"]["micro"]["recall"]
    per = {t["type"]: t for t in r["scores"]["types"]}
    cells = ["%d/%d" % (per[l]["gold_matched"], per[l]["gold"]) if l in per else "-" for l in labels]
    print("%-8s %8.3f %8.3f  %s" % (c, rec, rec / base if base else 0.0, "  ".join("%-9s" % x for x in cells)))
PY
