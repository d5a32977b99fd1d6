#!/usr/bin/env bash
# Regenerates the weights.rs of every teeid pallet from frame-benchmarking runs on this machine.
#
#   scripts/benchmark.sh            every pallet
#   scripts/benchmark.sh pallet_did one pallet
#
# The runtime is built with `runtime-benchmarks` into its own target directory (so the normal
# build is left alone) and benchmarked by the release `teeid-node` through `--runtime`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$TEEID_ROOT"

# pallet name -> weights file
declare -A WEIGHTS=(
	[pallet_did]=pallets/did/src/weights.rs
	[pallet_cpt]=pallets/cpt/src/weights.rs
	[pallet_evidence]=pallets/evidence/src/weights.rs
	[pallet_attestation]=pallets/attestation/src/weights.rs
)
pallets=("$@")
((${#pallets[@]})) || pallets=("${!WEIGHTS[@]}")

STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"
BENCH_TARGET="$CARGO_TARGET_DIR/benchmarks"

log "building teeid-node"
cargo build --release --locked --workspace --all-targets
log "building the runtime with runtime-benchmarks"
CARGO_TARGET_DIR="$BENCH_TARGET" cargo build --release --locked -p teeid-runtime --features runtime-benchmarks
wasm="$BENCH_TARGET/release/wbuild/teeid-runtime/teeid_runtime.compact.compressed.wasm"

for pallet in "${pallets[@]}"; do
	output="${WEIGHTS[$pallet]:?unknown pallet $pallet}"
	log "benchmarking $pallet -> $output (steps $STEPS, repeat $REPEAT)"
	"$TEEID_NODE_BIN" benchmark pallet \
		--runtime "$wasm" \
		--genesis-builder runtime \
		--genesis-builder-preset development \
		--pallet "$pallet" \
		--extrinsic '*' \
		--steps "$STEPS" \
		--repeat "$REPEAT" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--template scripts/benchmark/pallet-weights.hbs \
		--header scripts/benchmark/header.txt \
		--output "$output"
done
