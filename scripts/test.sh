#!/usr/bin/env bash
# Every test of teeid: the workspace's Rust tests, then the end-to-end suite that starts real
# teeid-node processes and drives them with polkadot.js. Exits non-zero if anything fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$TEEID_ROOT"

"$TEEID_ROOT/scripts/setup.sh"

log "cargo build (release, all targets)"
cargo build --release --locked --workspace --all-targets

log "cargo test (release)"
cargo test --release --locked --workspace

log "benchmark test suites (every benchmark also runs as a test on the mock runtime)"
cargo test --release --locked -p pallet-did -p pallet-cpt -p pallet-evidence -p pallet-attestation \
	--features runtime-benchmarks

log "OP-TEE TA: type-check for aarch64 (no TA dev kit here, so nothing is linked)"
cargo check --locked --release --manifest-path ta/optee/Cargo.toml --target aarch64-unknown-linux-gnu \
	--features no_link

log "worker: cross-check the OP-TEE backend for aarch64 (libteec from Debian's optee-client-dev:arm64)"
# optee-teec-sys looks for libteec under $OPTEE_CLIENT_EXPORT/usr/lib, the layout of an OP-TEE
# client build; Debian keeps the arm64 library in its multiarch directory.
export OPTEE_CLIENT_EXPORT="${OPTEE_CLIENT_EXPORT:-$(dirname "$CARGO_TARGET_DIR")/optee-client-export}"
mkdir -p "$OPTEE_CLIENT_EXPORT/usr/lib"
ln -sf /usr/lib/aarch64-linux-gnu/libteec.so "$OPTEE_CLIENT_EXPORT/usr/lib/libteec.so"
SKIP_WASM_BUILD=1 cargo check --locked --release -p teeid-worker --features optee \
	--target aarch64-unknown-linux-gnu

# The fuzz targets (the TA's command decoder, the strict JSON parser against serde_json), each
# for FUZZ_SECONDS (60 unless set), built on the stable toolchain in a target directory of
# their own.
"$TEEID_ROOT/scripts/fuzz.sh"

log "end-to-end suite (clients/js)"
# The suite runs in its own process group; whatever happens, every process in it (test runner
# and the nodes it started) is stopped when this script exits.
cleanup() {
	if [ -n "${e2e_pid:-}" ]; then
		kill -TERM -- "-$e2e_pid" 2>/dev/null || true
		sleep 1
		kill -KILL -- "-$e2e_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT INT TERM
cd "$TEEID_ROOT/clients/js"
set -m
npm test &
e2e_pid=$!
set +m
wait "$e2e_pid"
