#!/bin/sh
# setup-chromium.sh installs Debian's headless-capable Chromium, which the
# HTML report test of internal/evaluate uses to render the report and check
# its charts. Idempotent: does nothing when chromium is already on PATH.
set -eu

if command -v chromium >/dev/null 2>&1; then
	echo "chromium already installed: $(command -v chromium)"
	exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "setup-chromium: need root (or sudo) to run apt-get install chromium" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
command -v chromium
