#!/usr/bin/env bash
# Installs the node packages the test suites compare against (tools/oracle),
# from the committed lock file. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/tools/oracle"
if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
# onnxruntime-node (for transformers.js) ships its native binding in the npm
# tarball; its postinstall would fetch another copy from nuget.org.
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
