#!/usr/bin/env bash
# Installs the Debian Python packages the test oracles and fixture generators
# use (python3-torch, python3-onnx, python3-sentencepiece, numpy), if missing.
# Idempotent: a no-op when /usr/bin/python3 already imports them.
set -euo pipefail
py=/usr/bin/python3
if [ -x "$py" ] && "$py" -c 'import torch, onnx, sentencepiece, numpy' 2>/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-python: need root to apt-get install python3-torch python3-onnx python3-sentencepiece python3-numpy" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3-torch python3-onnx python3-sentencepiece python3-numpy >/dev/null
"$py" -c 'import torch, onnx, sentencepiece, numpy'
