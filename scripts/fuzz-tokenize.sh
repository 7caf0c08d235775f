#!/bin/sh
# Runs each fuzz target of package tokenize for a short time (default 10s
# each; FUZZTIME=1m for longer). The seed corpora also run in plain `go test`.
set -e
cd "$(dirname "$0")/.."
t="${FUZZTIME:-10s}"
for target in FuzzSplitWords FuzzEncode FuzzNew FuzzNewSentencePiece; do
	echo "== $target ($t)"
	go test ./tokenize -run '^$' -fuzz "^${target}\$" -fuzztime "$t" -parallel 2
done
