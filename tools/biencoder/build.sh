#!/usr/bin/env bash
# Build the bi-encoder fixture testdata/models/bi-span and its goldens.
#
#   tools/biencoder/build.sh            export + goldens from the committed checkpoint
#   tools/biencoder/build.sh --train    train a new checkpoint first (about 15 minutes, one thread)
#
# Needs /usr/bin/python3 with python3-torch, python3-onnx, numpy,
# python3-sentencepiece, and node with tools/oracle's packages (the Rust HF
# tokenizers used by the reference pipeline).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
py=/usr/bin/python3
shared="${GLINER_SHARED_DIR:-$root/testdata/shared}"
name=bi-span
dir=testdata/models/$name
ckpt=$dir/checkpoint/$name.pt

if [ "${1:-}" = "--train" ]; then
  mkdir -p "$dir/checkpoint"
  "$py" -m tools.biencoder.train --shared "$shared" --out "$ckpt" --minutes "${BI_TRAIN_MINUTES:-14}"
fi
[ -f "$ckpt" ] || { echo "build.sh: no checkpoint $ckpt (run with --train)" >&2; exit 1; }
if [ ! -d tools/oracle/node_modules/@anush008/tokenizers ]; then
  (cd tools/oracle && npm ci --no-audit --no-fund)
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Matched shape (the default for span models without post-fusion) + the one-graph export.
"$py" scripts/export_biencoder.py --fixture "$ckpt" --shared "$shared" --out "$tmp/matched" --one-graph
# Fused shape of the same checkpoint: its two graphs go to fused/.
"$py" scripts/export_biencoder.py --fixture "$ckpt" --shared "$shared" --out "$tmp/fused" --shape fused
find "$dir" -mindepth 1 -maxdepth 1 ! -name checkpoint -exec rm -rf {} +
cp -r "$tmp/matched/." "$dir/"
mkdir -p "$dir/fused"
cp "$tmp/fused/labels_encoder.onnx" "$tmp/fused/text_encoder.onnx" "$dir/fused/"
"$py" tools/biencoder/gen_goldens.py --shared "$shared" "$name"
