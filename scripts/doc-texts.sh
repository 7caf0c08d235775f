#!/usr/bin/env bash
# doc-texts.sh — what a model returns on the texts of the documentation: the
# quick-start file, the README's Go example, examples/extract, the Go
# package examples, the help texts of extract and serve, and the model card's sentences with drug, gene and
# disease names. The built-in model's card (internal/builtin/model/README.md)
# shows this output in its table "The documentation's texts".
#
#   scripts/doc-texts.sh [-- extra gliner extract flags, e.g. --model DIR]
#
# Prints one markdown table row per text: the text, where it appears, the
# labels the docs prompt it with, and the entities found (label "text"
# (score), in text order). Needs ONNX Runtime (make deps-run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[[ ${1:-} == -- ]] && shift
out=.cache/doc-texts
mkdir -p "$out"
go build -o "$out/gliner" ./cmd/gliner
# source<TAB>labels<TAB>text; the texts and labels must stay as the docs write them.
cat >"$out/texts.tsv" <<'TEXTS'
examples/quickstart.txt, make demo	disease,chemical,gene	Metformin is the first-line treatment for type 2 diabetes mellitus, while cisplatin-induced nephrotoxicity remains a concern in patients treated for ovarian cancer.
examples/quickstart.txt, make demo	disease,chemical,gene	Mutations in the BRCA1 gene increase the risk of breast cancer.
README's Go example	disease,chemical	Metformin is used to treat type 2 diabetes.
extract --help	disease,chemical	Metformin is used to treat type 2 diabetes.
examples/extract	disease,chemical,gene	Cisplatin-induced nephrotoxicity was observed in patients with ovarian cancer carrying BRCA1 mutations.
ExampleOpenDefault	disease,chemical,gene	Cisplatin caused nephrotoxicity in mice lacking the TNF gene.
ExampleModel_ExtractBatch	disease,chemical	Patients with type 2 diabetes were treated with metformin.
model card	disease,chemical,gene	Mutations in BRCA1 increase the risk of breast cancer; cisplatin was given.
serve --help	drug,disease	Aspirin may cause Reye syndrome.
model card	disease,chemical,gene	Cystic fibrosis is caused by mutations in the CFTR gene.
model card	disease,chemical,gene	Ivacaftor improves lung function in patients with cystic fibrosis caused by CFTR mutations.
model card	disease,chemical,gene	Trastuzumab is used for HER2-positive breast cancer.
model card	disease,chemical,gene	Naproxen relieves pain in rheumatoid arthritis.
model card	disease,chemical,gene	Gefitinib targets EGFR in non-small cell lung cancer.
model card	disease,chemical,gene	Huntington disease is caused by an expansion in the HTT gene.
model card	disease,chemical,gene	Imatinib inhibits the BCR-ABL kinase in chronic myeloid leukemia.
TEXTS
: >"$out/entities.jsonl"
while IFS=$'\t' read -r src labels text; do
	printf '%s\n' "$text" | "$out/gliner" extract --labels "$labels" "$@" >>"$out/entities.jsonl"
done <"$out/texts.tsv"
python3 - "$out/texts.tsv" "$out/entities.jsonl" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")]
res = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(rows) == len(res), (len(rows), len(res))
print("| text | labels | entities |")
print("|---|---|---|")
for (src, labels, text), r in zip(rows, res):
    ents = ", ".join('%s "%s" (%.2f)' % (e["label"], e["text"], e["score"]) for e in r["entities"]) or "none"
    print("| %s (%s) | %s | %s |" % (text, src, labels.replace(",", ", "), ents))
PY
