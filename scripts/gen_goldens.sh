#!/usr/bin/env bash
# Regenerate testdata/golden from the fixture models with the Python reference
# (tools/reference) and the GLiNER.js peer (tools/gliner-js).
#
#   scripts/gen_goldens.sh [FIXTURE ...]      default: every folder of testdata/models
#
# Needs: /usr/bin/python3 with python3-torch, numpy, python3-sentencepiece
# (scripts/setup-python.sh), node + npm. Installs the node packages of
# tools/oracle and tools/gliner-js if they are missing (GLiNER.js with
# ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's own libonnxruntime.so.1,
# ORT 1.30.0 through the package.json override, ships inside the npm package;
# the skipped step only downloads optional GPU providers).
# Takes a few minutes per fixture on 2 cores.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
py=/usr/bin/python3

if [ ! -d tools/oracle/node_modules/@anush008/tokenizers ]; then
  (cd tools/oracle && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund)
fi
if [ ! -d tools/gliner-js/node_modules/gliner ]; then
  (cd tools/gliner-js && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund)
fi

"$py" -m unittest discover -s tools/reference -p 'test_*.py'

mkdir -p testdata/golden
# Without arguments gen_goldens.py takes every uni-encoder GLiNER folder of
# testdata/models (bi-encoder and non-GLiNER folders are skipped).
"$py" tools/reference/gen_goldens.py --ort-check --models testdata/models --out testdata/golden "$@"

# GLiNER.js comparison: span fixtures only (GLiNER.js decodes token-level
# logits in the old [3,B,W,C] layout only).
if [ "$#" -gt 0 ]; then fixtures=("$@"); else fixtures=(); for d in testdata/models/span-*/; do fixtures+=("$(basename "$d")"); done; fi
for f in "${fixtures[@]}"; do
  case "$f" in
    span-*) "$py" tools/reference/compare_js.py --fixture "testdata/models/$f" --golden testdata/golden ;;
  esac
done
du -ch testdata/golden/* | tail -1
