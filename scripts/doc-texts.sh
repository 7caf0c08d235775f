#!/usr/bin/env bash
# doc-texts.sh — what a model returns on the texts of the documentation: the
# quick-start file, the README's Go example, examples/extract, the help texts
# of extract and serve, and the model card's sentences with drug, gene and
# disease names. The built-in model's card (internal/builtin/model/README.md)
# shows this output in its table "The documentation's texts".
#
#   scripts/doc-texts.sh [-- extra gliner extract flags, e.g. --model DIR]
#
# Prints one markdown table row per text: the text, where it appears, and the
# entities found with disease,chemical,gene (label "text" (score), in text
# order). Needs ONNX Runtime (make deps-run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[[ ${1:-} == -- ]] && shift
out=.cache/doc-texts
mkdir -p "$out"
go build -o "$out/gliner" ./cmd/gliner
# source<TAB>text; the texts must stay as the docs write them.
cat >"$out/texts.tsv" <<'TEXTS'
examples/quickstart.txt	Metformin is the first-line treatment for type 2 diabetes mellitus, while cisplatin-induced nephrotoxicity remains a concern in patients treated for ovarian cancer.
examples/quickstart.txt, README	Mutations in the BRCA1 gene increase the risk of breast cancer.
README's Go example, extract --help	Metformin is used to treat type 2 diabetes.
examples/extract	Cisplatin-induced nephrotoxicity was observed in patients with ovarian cancer carrying BRCA1 mutations.
model card	Mutations in BRCA1 increase the risk of breast cancer; cisplatin was given.
serve --help	Aspirin may cause Reye syndrome.
model card	Cystic fibrosis is caused by mutations in the CFTR gene.
model card	Ivacaftor improves lung function in patients with cystic fibrosis caused by CFTR mutations.
model card	Trastuzumab is used for HER2-positive breast cancer.
model card	Naproxen relieves pain in rheumatoid arthritis.
model card	Gefitinib targets EGFR in non-small cell lung cancer.
model card	Huntington disease is caused by an expansion in the HTT gene.
model card	Imatinib inhibits the BCR-ABL kinase in chronic myeloid leukemia.
TEXTS
cut -f2 "$out/texts.tsv" | "$out/gliner" extract --labels disease,chemical,gene "$@" >"$out/entities.jsonl"
python3 - "$out/texts.tsv" "$out/entities.jsonl" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")]
res = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(rows) == len(res), (len(rows), len(res))
print("| text | entities |")
print("|---|---|")
for (src, text), r in zip(rows, res):
    ents = ", ".join('%s "%s" (%.2f)' % (e["label"], e["text"], e["score"]) for e in r["entities"]) or "none"
    print("| %s (%s) | %s |" % (text, src, ents))
PY
