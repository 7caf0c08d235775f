#!/bin/sh
# Compiles and vets the optional Rust tokenizers backend, the nested module
# tokenize/daulet (github.com/daulet/tokenizers, cgo), and its test. Linking
# needs libtokenizers.a from github.com/daulet/tokenizers (built with cargo),
# which CI does not have, so this only type-checks with cgo; running the
# backend's test needs
#   cd tokenize/daulet && CGO_LDFLAGS="-L/path/to/dir/with/libtokenizers.a" go test ./...
set -e
cd "$(dirname "$0")/../tokenize/daulet"
CGO_ENABLED=1 go vet ./...
echo "daulet backend: go vet ./... in tokenize/daulet ok"
