#!/usr/bin/env bash
# setup-train.sh — fetch OpenBLAS for the Python training/fixture pipeline (tools/train).
#
# Debian's python3-torch is linked against the reference BLAS (libblas3), ~13x
# slower on matrix products than OpenBLAS. This downloads Debian's
# libopenblas0-pthread package with `apt-get download` (no root, no system
# change) and extracts it into <repo>/.cache/openblas; tools/train restarts
# itself with that folder on LD_LIBRARY_PATH. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.cache/openblas"
lib="$dest/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"
if [[ -e "$lib" ]]; then
	exit 0
fi
command -v apt-get >/dev/null || { echo "setup-train: apt-get not found; training will use the system BLAS" >&2; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download libopenblas0-pthread >/dev/null 2>&1) || {
	echo "setup-train: apt-get download libopenblas0-pthread failed (run apt-get update?); training will use the system BLAS" >&2
	exit 0
}
mkdir -p "$dest"
dpkg -x "$tmp"/libopenblas0-pthread_*.deb "$dest"
echo "setup-train: OpenBLAS in $dest" >&2
