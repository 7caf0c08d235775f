#!/bin/sh
# bench-tokenize.sh: tokens/s of package tokenize, of the Rust Hugging Face
# tokenizers (through tools/oracle, one thread) and of sugarme/tokenizer
# (tools/bench, its own module) on the NCBI-disease test titles and
# abstracts, in one run, with the ratios.
#
# Usage: scripts/bench-tokenize.sh [SECONDS_PER_MEASUREMENT]   (default 3)
# Needs: go, node with tools/oracle/node_modules (make deps), /usr/bin/python3
# with sentencepiece (for the DeBERTa-v3 tokenizer.json), testdata/shared/data.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-3}
shared=${GLINER_SHARED_DIR:-testdata/shared}
data=$shared/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 scripts/spm_to_tokenizer_json.py "$data/tokenizers/deberta-v3.spm.model" "$tmp/deberta-v3.json" \
	--add-tokens "[FLERT],<<ENT>>,<<SEP>>" >/dev/null
(cd tools/bench && go build -o "$tmp/bench" .)
"$tmp/bench" -write-corpus "$tmp/corpus.jsonl" -pubtator "$data/pubtator/ncbi-disease.test.pubtator.txt"

set -- \
	"bert-base-uncased=$data/tokenizers/bert-base-uncased.tokenizer.json" \
	"all-MiniLM-L6-v2=$data/tokenizers/all-minilm-l6-v2.tokenizer.json" \
	"deberta-v3=$tmp/deberta-v3.json"

: >"$tmp/results.jsonl"
for spec in "$@"; do
	name=${spec%%=*}
	path=${spec#*=}
	TOKENIZERS_PARALLELISM=false RAYON_NUM_THREADS=1 node tools/oracle/hf_bench.js "$path" "$tmp/corpus.jsonl" "$secs" |
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);for(const m of ["text","words"])console.log(JSON.stringify({tokenizer:process.argv[1],impl:"rust",mode:m,tokens_per_s:r[m].tokens_per_s}))})' "$name" >>"$tmp/results.jsonl"
	"$tmp/bench" -corpus "$tmp/corpus.jsonl" -seconds "$secs" "$spec" >>"$tmp/results.jsonl"
done

node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const get = (t, i, m) => lines.find((r) => r.tokenizer === t && r.impl === i && r.mode === m);
const fmt = (r) => (r && !r.error ? Math.round(r.tokens_per_s).toLocaleString("en-US") : "failed");
const ratio = (a, b) => (a && b && !a.error && !b.error && b.tokens_per_s > 0 ? (a.tokens_per_s / b.tokens_per_s).toFixed(1) + "x" : "-");
console.log("tokenizer           mode   go tok/s     rust tok/s   sugarme tok/s  go/rust  go/sugarme");
for (const t of [...new Set(lines.map((r) => r.tokenizer))]) {
  for (const m of ["text", "words"]) {
    const g = get(t, "go", m), r = get(t, "rust", m), s = get(t, "sugarme", m);
    console.log(t.padEnd(19), m.padEnd(6), fmt(g).padStart(11), fmt(r).padStart(12), fmt(s).padStart(14), ratio(g, r).padStart(8), ratio(g, s).padStart(11));
  }
}
for (const r of lines) if (r.error) console.log("error:", r.tokenizer, r.impl, r.mode, r.error);
' "$tmp/results.jsonl"
