#!/bin/sh
# Compiles and vets the optional Rust tokenizers backend (tokenize/daulet.go,
# build tag "daulet") and its test. Linking needs libtokenizers.a from
# github.com/daulet/tokenizers (built with cargo), which CI does not have, so
# this only type-checks with cgo; running the backend's test needs
#   CGO_LDFLAGS="-L/path/to/dir/with/libtokenizers.a" go test -tags daulet ./tokenize/ -run Daulet
set -e
cd "$(dirname "$0")/.."
CGO_ENABLED=1 go vet -tags daulet ./tokenize/
echo "daulet backend: go vet -tags daulet ./tokenize/ ok"
