#!/usr/bin/env bash
# setup-ort.sh — put the pinned ONNX Runtime shared library into
# third_party/onnxruntime/ of this repository (git-ignored), idempotently.
#
# The library is taken from the npm package onnxruntime-node@1.30.0 (the same
# binary GLiNER.js runs), fetched with `npm pack`, and checked by sha256: both
# the tarball and the extracted library must match the sums pinned below.
#
# Usage:
#   scripts/setup-ort.sh               install if missing or wrong; no-op otherwise
#   scripts/setup-ort.sh --check       verify only; exit 1 if missing or wrong
#   scripts/setup-ort.sh --print-path  install if needed, then print the library path
#
# Environment:
#   ORT_NPM_TARBALL  use this already downloaded onnxruntime-node-1.30.0.tgz
#                    instead of running npm pack (still checked by sha256).
#
# Works from any directory. The Go package encoder finds the library there by
# itself (it walks up from the working directory to the repository root); to
# use it elsewhere set ONNXRUNTIME_SHARED_LIBRARY_PATH to the printed path.
set -euo pipefail

ORT_VERSION=1.30.0
NPM_PACKAGE="onnxruntime-node@${ORT_VERSION}"
TARBALL_NAME="onnxruntime-node-${ORT_VERSION}.tgz"
TARBALL_SHA256=6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75

die() { echo "setup-ort: error: $*" >&2; exit 1; }
info() { echo "setup-ort: $*" >&2; }

# Platform → (file inside the tarball, installed name, its sha256, alias name).
os=$(uname -s)
arch=$(uname -m)
case "${os}/${arch}" in
Linux/x86_64 | Linux/amd64)
	MEMBER=package/bin/napi-v6/linux/x64/libonnxruntime.so.1
	LIB_NAME=libonnxruntime.so.1
	LIB_ALIAS=libonnxruntime.so
	LIB_SHA256=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23
	;;
Linux/aarch64 | Linux/arm64)
	MEMBER=package/bin/napi-v6/linux/arm64/libonnxruntime.so.1
	LIB_NAME=libonnxruntime.so.1
	LIB_ALIAS=libonnxruntime.so
	LIB_SHA256=1f549d46250b005580b597f4164984aaf75b3bcb9f3aeb07c7f8a8fe60b23c76
	;;
Darwin/arm64)
	MEMBER=package/bin/napi-v6/darwin/arm64/libonnxruntime.1.30.0.dylib
	LIB_NAME=libonnxruntime.1.30.0.dylib
	LIB_ALIAS=libonnxruntime.dylib
	LIB_SHA256=685d2be5dba1309c89d3a5324b7fd06a5c42f1a61bfea32d14c4cc28d072121d
	;;
*)
	die "no pinned ONNX Runtime ${ORT_VERSION} build for ${os}/${arch} in ${NPM_PACKAGE}.
  Install ONNX Runtime >= 1.24 from https://github.com/microsoft/onnxruntime/releases
  and set ONNXRUNTIME_SHARED_LIBRARY_PATH to the shared library."
	;;
esac

mode=install
case "${1-}" in
"") ;;
--check) mode=check ;;
--print-path) mode=print ;;
-h | --help)
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*) die "unknown argument '$1' (try --help)" ;;
esac

# Repository root = parent of the folder holding this script.
script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd -- "${script_dir}/.." && pwd -P)
DEST="${ROOT}/third_party/onnxruntime"
LIB="${DEST}/${LIB_NAME}"

sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum -- "$1" | awk '{print $1}'
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 -- "$1" | awk '{print $1}'
	else
		die "neither sha256sum nor shasum found (install coreutils)"
	fi
}

installed_ok() {
	[[ -f "${LIB}" ]] && [[ "$(sha256 "${LIB}")" == "${LIB_SHA256}" ]]
}

finish() {
	# The alias lets loaders that look for the unversioned name find it too.
	if [[ ! -e "${DEST}/${LIB_ALIAS}" || -L "${DEST}/${LIB_ALIAS}" ]]; then
		ln -sfn "${LIB_NAME}" "${DEST}/${LIB_ALIAS}"
	fi
	if [[ "${mode}" == print ]]; then
		echo "${LIB}"
	fi
	exit 0
}

if installed_ok; then
	[[ "${mode}" == install ]] && info "ONNX Runtime ${ORT_VERSION} already present: ${LIB}"
	finish
fi
if [[ "${mode}" == check ]]; then
	if [[ -f "${LIB}" ]]; then
		die "${LIB} does not match the pinned sha256 ${LIB_SHA256}; run scripts/setup-ort.sh to replace it"
	fi
	die "${LIB} is missing; run scripts/setup-ort.sh"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/setup-ort.XXXXXX")
trap 'rm -rf -- "${tmp}"' EXIT

if [[ -n "${ORT_NPM_TARBALL-}" ]]; then
	[[ -f "${ORT_NPM_TARBALL}" ]] || die "ORT_NPM_TARBALL=${ORT_NPM_TARBALL} is not a file"
	tarball="${ORT_NPM_TARBALL}"
else
	command -v npm >/dev/null 2>&1 ||
		die "npm not found; install Node.js and npm (or set ORT_NPM_TARBALL to a downloaded ${TARBALL_NAME})"
	info "downloading ${NPM_PACKAGE} with npm pack (about 113 MB)..."
	if ! (cd "${tmp}" && npm pack --silent --no-audit --no-fund "${NPM_PACKAGE}" >"${tmp}/npm.log" 2>&1); then
		cat "${tmp}/npm.log" >&2 || true
		die "npm pack ${NPM_PACKAGE} failed (is the npm registry reachable? see the log above)"
	fi
	tarball="${tmp}/${TARBALL_NAME}"
	[[ -f "${tarball}" ]] || die "npm pack did not produce ${TARBALL_NAME} in ${tmp}"
fi

got=$(sha256 "${tarball}")
[[ "${got}" == "${TARBALL_SHA256}" ]] ||
	die "sha256 mismatch for ${tarball}: got ${got}, want ${TARBALL_SHA256}"

tar -xzf "${tarball}" -C "${tmp}" "${MEMBER}" ||
	die "could not extract ${MEMBER} from ${tarball}"
got=$(sha256 "${tmp}/${MEMBER}")
[[ "${got}" == "${LIB_SHA256}" ]] ||
	die "sha256 mismatch for extracted ${MEMBER}: got ${got}, want ${LIB_SHA256}"

mkdir -p -- "${DEST}"
# Install atomically: a concurrent reader never sees a half-written library.
cp -- "${tmp}/${MEMBER}" "${DEST}/.${LIB_NAME}.tmp.$$"
chmod 0644 "${DEST}/.${LIB_NAME}.tmp.$$"
mv -f -- "${DEST}/.${LIB_NAME}.tmp.$$" "${LIB}"
echo "${ORT_VERSION}" >"${DEST}/VERSION"
[[ "${mode}" == install ]] && info "installed ONNX Runtime ${ORT_VERSION}: ${LIB}"
finish
