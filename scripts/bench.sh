#!/usr/bin/env bash
# The performance suite: measures teeid on this machine and writes docs/benchmarks.md.
#
#   scripts/bench.sh                 every section but the two slow ones (build, tests)
#   scripts/bench.sh all             every section
#   scripts/bench.sh ta did ...      only these sections (the others' last results are kept)
#
# Sections: ta (credential issuance against the simulated TA), issue-api (issuance through
# the worker's HTTP API, closed loop and open loop at fixed rates), did (resolution latency), evidence (evidence extrinsics, batch
# anchoring, proof checks through the runtime API), merkle (batch roots and proofs off chain),
# join (worker registration), json (CPT schema canonicalization), heap (the TA's peak heap per
# request shape, as the simulation counts it), verify-dos (oversized proofs against the
# worker's verify route), build (cold release build of the node, ~35 min here), tests (the warm
# test command, ~20 min).
#
# Every section writes its JSON figures to $TEEID_BENCH_RESULTS (default:
# $CARGO_TARGET_DIR/bench-results); the report is rendered from whatever is there, with the
# machine, the commit and the command of each figure. Times are medians of repeated runs (the
# heap figures are counts, taken once). Nothing else should run on the machine meanwhile.
# TEEID_BENCH_REST (default 120) is how many seconds the machine rests before the ta, issue-api
# and did sections are timed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$TEEID_ROOT"

RESULTS="${TEEID_BENCH_RESULTS:-$CARGO_TARGET_DIR/bench-results}"
mkdir -p "$RESULTS"
CRITERION="$CARGO_TARGET_DIR/criterion"

sections=("$@")
if ((${#sections[@]} == 0)); then
	sections=(ta issue-api did evidence merkle join json heap verify-dos)
elif [ "${sections[0]}" = all ]; then
	sections=(ta issue-api did evidence merkle join json heap verify-dos build tests)
fi

# The median of a criterion benchmark, in nanoseconds.
criterion_median() {
	jq '.median.point_estimate' "$CRITERION/$1/new/estimates.json"
}

# Runs a command, saving its stdout (one JSON object) as RESULTS/NAME.json with the command.
record() {
	local name="$1"
	shift
	log "$name: $*"
	local out
	out="$("$@")"
	jq -n --arg command "$*" --argjson result "$out" '{command: $command, result: $result}' \
		>"$RESULTS/$name.json"
}

# Benchmarks are selected across the workspace (`--workspace --bench NAME`) so that features
# unify as in the release build above and nothing is compiled again.
bench() {
	cargo bench --locked -q --workspace "$@"
}

# Lets the machine rest before the sections with targets are timed: this VM's CPU runs about a
# third slower for minutes after sustained load (measured: 93 µs per in-process issuance right
# after the release build, 70 µs after two idle minutes).
rest() {
	log "$1: resting ${TEEID_BENCH_REST:-120} s before timing"
	sleep "${TEEID_BENCH_REST:-120}"
}

# Pre-builds benchmark binaries so that timed runs (some under taskset) do not compile.
build_benches() {
	log "building the benchmarks"
	local names=()
	for name in "$@"; do names+=(--bench "$name"); done
	bench --no-run "${names[@]}" 2>&1 | tail -n 3 >&2
}

section_ta() {
	build_benches issue socket
	rest ta
	log "ta: in-process issuance (criterion), one core"
	taskset -c 0 cargo bench --locked -q --workspace --bench issue -- --noplot >&2
	jq -n --arg command "taskset -c 0 cargo bench --workspace --bench issue" \
		--argjson issue "$(criterion_median ta/issue_credential)" \
		--argjson present "$(criterion_median ta/present_two_claims)" \
		'{command: $command, result: {issue_median_ns: $issue, present_median_ns: $present}}' \
		>"$RESULTS/ta-in-process.json"
	record ta-socket-1core taskset -c 0 cargo bench --locked -q --workspace --bench socket -- --clients 1
	record ta-socket-2cores cargo bench --locked -q --workspace --bench socket -- --clients 2
}

section_issue_api() {
	# Its target is timed too, and it follows the TA's benchmarks, which load both cores.
	rest issue-api
	cd clients/js
	record issue-api-1core npm run -s bench:issue-api -- --worker-cpus 0
	record issue-api-2cores npm run -s bench:issue-api -- --worker-cpus 0,1
	record issue-api-open-loop npm run -s bench:issue-api -- --rate 1000,2500,5000,5000,5000 --seconds 10
	cd "$TEEID_ROOT"
}

section_did() {
	build_benches resolution
	rest did
	local state="$RESULTS/did-node.json"
	cd clients/js
	record did-polkadot-js npm run -s bench:did-history -- --keep --state "$state"
	cd "$TEEID_ROOT"
	# The node the script left running is stopped whether the resolver's benchmark passes or not.
	local status=0
	record did-resolver cargo bench --locked -q --workspace --bench resolution -- \
		--state "$state" || status=$?
	kill "$(jq -r .pid "$state")" 2>/dev/null || true
	sleep 2
	rm -rf "$(jq -r .dir "$state")" "$state"
	return "$status"
}

section_evidence() {
	cd clients/js
	record evidence npm run -s bench:evidence
	cd "$TEEID_ROOT"
}

section_merkle() {
	build_benches merkle canonical_json
	log "merkle: Merkle batches (criterion)"
	local proofs
	proofs="$(cargo bench --locked --workspace --bench merkle -- --noplot 2>&1 >/dev/null |
		sed -n 's/^proof-size leaves=\([0-9]*\) bytes=\([0-9]*\)$/{"leaves":\1,"bytes":\2}/p' | jq -s .)"
	jq -n --arg command "cargo bench --workspace --bench merkle" --argjson proofs "$proofs" \
		--argjson root20 "$(criterion_median merkle/batch_root/1048576)" \
		--argjson verify10 "$(criterion_median merkle_proof/verify/1024)" \
		--argjson verify20 "$(criterion_median merkle_proof/verify/1048576)" \
		--argjson prove20 "$(criterion_median merkle_proof/prove/1048576)" \
		'{command: $command, result: {batch_root_1m_median_ns: $root20, verify_1k_median_ns: $verify10,
		  verify_1m_median_ns: $verify20, prove_1m_median_ns: $prove20, proof_sizes: $proofs}}' \
		>"$RESULTS/merkle.json"
}

section_join() {
	cd clients/js
	record join npm run -s bench:join
	cd "$TEEID_ROOT"
}

section_json() {
	log "json: CPT schema canonicalization (criterion)"
	cargo bench --locked --workspace --bench canonical_json -- --noplot >&2
	local shapes
	shapes="$(cd "$CRITERION/canonicalize_16k" && for d in */; do
		[ "${d%/}" = report ] || printf '{"shape":"%s","median_ns":%s}\n' "${d%/}" \
			"$(jq '.median.point_estimate' "$d/new/estimates.json")"
	done | jq -s 'sort_by(-.median_ns)')"
	jq -n --arg command "cargo bench --workspace --bench canonical_json" --argjson shapes "$shapes" \
		'{command: $command, result: {bytes: 16384, shapes: $shapes}}' >"$RESULTS/json.json"
}

# The TA's peak heap per request shape: ta/sim/tests/heap.rs runs every shape under the
# simulation's counting allocator, fails if one peaks over the budget, and writes its figures as
# JSON to the file TEEID_HEAP_REPORT names. Selected across the workspace, as the benchmarks are,
# so that nothing is compiled again.
section_heap() {
	log "heap: the TA's peak heap per request shape (the simulation's counting allocator)"
	local report status=0
	report="$(mktemp "${TMPDIR:-/tmp}/teeid-heap-report.XXXXXX")"
	TEEID_HEAP_REPORT="$report" cargo test --release --locked -q --workspace --test heap -- \
		--nocapture >&2 || status=$?
	if ((status == 0)) && [ ! -s "$report" ]; then
		echo "heap: the test passed but wrote nothing to TEEID_HEAP_REPORT" >&2
		status=1
	fi
	if ((status == 0)); then
		jq --arg command "TEEID_HEAP_REPORT=FILE cargo test --release --locked --workspace --test heap -- --nocapture" \
			'{command: $command, result: .}' "$report" >"$RESULTS/heap.json" || status=$?
	fi
	rm -f "$report"
	return "$status"
}

section_verify_dos() {
	cd clients/js
	record verify-dos npm run -s bench:verify-dos
	cd "$TEEID_ROOT"
}

section_build() {
	local target
	target="$(mktemp -d "${TMPDIR:-/tmp}/teeid-cold-build.XXXXXX")"
	log "build: cold release build of teeid-node into $target"
	local start end
	start=$(date +%s)
	CARGO_TARGET_DIR="$target" cargo build --release --locked -p teeid-node >&2
	end=$(date +%s)
	rm -rf "$target"
	jq -n --arg command "CARGO_TARGET_DIR=\$(mktemp -d) cargo build --release --locked -p teeid-node" \
		--argjson seconds "$((end - start))" '{command: $command, result: {seconds: $seconds}}' \
		>"$RESULTS/build.json"
}

section_tests() {
	log "tests: the test command on a warm target directory"
	local start end
	start=$(date +%s)
	scripts/test.sh >&2
	end=$(date +%s)
	jq -n --arg command "scripts/test.sh" --argjson seconds "$((end - start))" \
		'{command: $command, result: {seconds: $seconds}}' >"$RESULTS/tests.json"
}

"$TEEID_ROOT/scripts/setup.sh"
log "building the release binaries"
cargo build --release --locked --workspace --all-targets

for section in "${sections[@]}"; do
	case "$section" in
	ta | issue-api | did | evidence | merkle | join | json | heap | verify-dos | build | tests)
		"section_${section//-/_}"
		;;
	*)
		echo "unknown section: $section" >&2
		exit 2
		;;
	esac
done

log "machine"
jq -n --arg cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)" \
	--argjson cores "$(nproc)" \
	--arg memory "$(free -g | awk '/^Mem:/ { print $2 " GiB" }')" \
	--arg os "$(. /etc/os-release && echo "$PRETTY_NAME") $(uname -r)" \
	--arg rustc "$(rustc --version)" --arg node "$(node --version)" \
	--arg commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs/benchmarks.md' || echo '+changes')" \
	--arg date "$(date -u +%Y-%m-%d)" \
	'{cpu: $cpu, cores: $cores, memory: $memory, os: $os, rustc: $rustc, node: $node, commit: $commit, date: $date}' \
	>"$RESULTS/machine.json"

log "writing docs/benchmarks.md"
node clients/js/bench/report.js "$RESULTS" "$TEEID_ROOT/pallets/attestation/src/weights.rs" >docs/benchmarks.md
