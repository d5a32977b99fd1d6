#!/usr/bin/env bash
# Installs what a fresh machine lacks to build, run and test teeid. Safe to run again: each step
# checks first and does nothing when its tool is already there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# System packages: protoc for libp2p's protobufs, clang/libclang for bindgen, curl for the
# launch command's readiness check, jq (with curl) for the commands in docs/; and, for the
# worker's OP-TEE backend that the test command cross-checks for aarch64, the aarch64 C
# toolchain with its libc and Debian's arm64 libteec (optee-client-dev).
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v clang >/dev/null 2>&1 || missing+=(clang)
dpkg -s libclang-dev >/dev/null 2>&1 || missing+=(libclang-dev)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu)
dpkg -s libc6-dev-arm64-cross >/dev/null 2>&1 || missing+=(libc6-dev-arm64-cross)
dpkg -s optee-client-dev:arm64 >/dev/null 2>&1 || missing+=(optee-client-dev:arm64)
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Rust: the runtime builds to wasm (wasm32v1-none on Rust >= 1.84, wasm32-unknown-unknown
# otherwise) and needs the standard library's sources; the OP-TEE TA is type-checked for
# aarch64 (TAs are aarch64 ELF, built with the TA dev kit on real hardware setups).
installed_targets="$(rustup target list --installed)"
for target in wasm32-unknown-unknown wasm32v1-none aarch64-unknown-linux-gnu; do
	grep -qx "$target" <<<"$installed_targets" || { log "rustup target add $target"; rustup target add "$target"; }
done
rustup component list --installed | grep -q '^rust-src' || { log "rustup component add rust-src"; rustup component add rust-src; }

# Node.js packages of the polkadot.js clients and the end-to-end suite, exactly as locked.
command -v npm >/dev/null 2>&1 || { echo "setup: Node.js (>= 20) with npm is required" >&2; exit 1; }
js="$TEEID_ROOT/clients/js"
if [ ! -f "$js/node_modules/.package-lock.json" ] || [ "$js/package-lock.json" -nt "$js/node_modules/.package-lock.json" ]; then
	log "npm ci in clients/js"
	(cd "$js" && npm ci --no-audit --no-fund --loglevel=error)
fi

# schemathesis (PyPI), which the end-to-end suite runs against a worker's own OpenAPI document
# (clients/js/test/worker.test.js): this version, in a virtual environment of its own, so that
# the machine's Python is left as it is. The suite looks for it there, or at $TEEID_SCHEMATHESIS.
schemathesis_version=4.32.5
schemathesis_venv="$HOME/.cache/teeid/schemathesis"
if [ "$("$schemathesis_venv/bin/schemathesis" --version 2>/dev/null || true)" != "schemathesis, version $schemathesis_version" ]; then
	python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null ||
		{ echo "setup: Python 3.11 or newer, with venv and pip, is required (for schemathesis)" >&2; exit 1; }
	log "schemathesis $schemathesis_version (PyPI) in $schemathesis_venv"
	python3 -m venv --clear "$schemathesis_venv"
	"$schemathesis_venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi
