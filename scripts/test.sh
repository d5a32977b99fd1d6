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
# Two lanes at once. The tests of the multi-validator local network and of OpenID (their chains
# make a block every 6 seconds and the tests mostly wait for sessions, slots and finality) run
# beside the rest, their report printed after; every other file runs one at a time, as
# `npm test` runs them all. Each lane runs in its own process group; whatever happens, every
# process in them (test runners and the nodes they started) is stopped when this script exits.
cd "$TEEID_ROOT/clients/js"
waiting_tests=(test/local-network.test.js test/openid.test.js)
other_tests=()
for file in test/*.test.js; do
	[[ " ${waiting_tests[*]} " == *" $file "* ]] || other_tests+=("$file")
done
lane_report="$(mktemp)"
lane_printed=false
print_lane_report() {
	if [ "$lane_printed" = false ] && [ -f "$lane_report" ]; then
		lane_printed=true
		log "end-to-end suite, the lane run beside: ${waiting_tests[*]}"
		cat "$lane_report"
	fi
}
cleanup() {
	for pid in ${waiting_pid:-} ${other_pid:-}; do
		kill -TERM -- "-$pid" 2>/dev/null || true
	done
	sleep 1
	for pid in ${waiting_pid:-} ${other_pid:-}; do
		kill -KILL -- "-$pid" 2>/dev/null || true
	done
	print_lane_report
	rm -f "$lane_report"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
set -m
node --test --test-concurrency=1 "${waiting_tests[@]}" >"$lane_report" 2>&1 &
waiting_pid=$!
node --test --test-concurrency=1 "${other_tests[@]}" &
other_pid=$!
set +m
status=0
wait "$other_pid" || status=$?
waiting_status=0
wait "$waiting_pid" || waiting_status=$?
print_lane_report
if [ "$status" -ne 0 ] || [ "$waiting_status" -ne 0 ]; then
	echo "end-to-end suite failed (exit status: $status for the rest, $waiting_status for ${waiting_tests[*]})" >&2
	exit 1
fi
