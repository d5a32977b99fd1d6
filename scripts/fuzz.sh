#!/usr/bin/env bash
# Fuzzes the TA's fuzz targets (ta/fuzz) for a fixed time each, as part of the test command:
# builds them with libFuzzer's coverage instrumentation on the stable toolchain, then runs each
# for FUZZ_SECONDS (default 60) from a copy of its committed seeds. Exits non-zero if any target
# crashes, times out on an input or runs out of memory, after printing the input that did it as
# hex.
#
#   scripts/fuzz.sh                      every target
#   scripts/fuzz.sh json_differential    only the targets named
#   FUZZ_SECONDS=600 scripts/fuzz.sh     longer
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$TEEID_ROOT"

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
# libFuzzer's memory cap (also its cap on one allocation), and how long one input may take.
FUZZ_RSS_LIMIT_MB="${FUZZ_RSS_LIMIT_MB:-2048}"
FUZZ_INPUT_TIMEOUT_SECONDS="${FUZZ_INPUT_TIMEOUT_SECONDS:-20}"
targets=("$@")
((${#targets[@]})) || targets=(command_decoder json_differential)

# Instrumented artifacts differ from the workspace's in every crate: a target directory of their
# own, so that neither build invalidates the other.
fuzz_target_dir="$(dirname "$CARGO_TARGET_DIR")/fuzz-target"
host="$(rustc -vV | sed -n 's/^host: //p')"

# The flags cargo-fuzz passes with `--sanitizer none`, the only mode that needs no nightly
# toolchain (a sanitizer needs -Zsanitizer): SanitizerCoverage's counters, PC table and compare
# tracing that libFuzzer reads, `cfg(fuzzing)`, and the debug assertions and overflow checks of a
# debug build. The explicit --target keeps these flags off build scripts and proc macros, which
# are not linked with libFuzzer.
instrumentation=(
	-Cpasses=sancov-module
	-Cllvm-args=-sanitizer-coverage-level=4
	-Cllvm-args=-sanitizer-coverage-inline-8bit-counters
	-Cllvm-args=-sanitizer-coverage-pc-table
	-Cllvm-args=-sanitizer-coverage-trace-compares
	--cfg fuzzing
	-Cdebug-assertions
	-Coverflow-checks
)
bins=()
for target in "${targets[@]}"; do bins+=(--bin "$target"); done
log "fuzz targets ${targets[*]}: build with libFuzzer instrumentation ($host, $(rustc --version))"
RUSTFLAGS="${instrumentation[*]} ${RUSTFLAGS:-}" cargo build --locked --release \
	--manifest-path ta/fuzz/Cargo.toml --target "$host" --target-dir "$fuzz_target_dir" "${bins[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for target in "${targets[@]}"; do
	corpus="$work/$target/corpus"
	artifacts="$work/$target/artifacts"
	mkdir -p "$corpus" "$artifacts"
	# A copy: what libFuzzer adds to its corpus stays out of the repository.
	seeds="ta/fuzz/corpus/$target"
	[ -d "$seeds" ] && cp -R "$seeds/." "$corpus/"
	options=(
		-max_total_time="$FUZZ_SECONDS"
		-rss_limit_mb="$FUZZ_RSS_LIMIT_MB"
		-timeout="$FUZZ_INPUT_TIMEOUT_SECONDS"
		-artifact_prefix="$artifacts/"
		-print_final_stats=1
	)
	dictionary="ta/fuzz/dictionaries/$target.dict"
	[ -f "$dictionary" ] && options+=(-dict="$dictionary")
	log "fuzz $target for ${FUZZ_SECONDS} s ($(find "$corpus" -type f | wc -l) seeds)"
	status=0
	# libFuzzer stops itself after -max_total_time; the wall-clock bound is for a run that does
	# not (an input stuck in a loop past -timeout's alarm).
	timeout --kill-after=10 "$((FUZZ_SECONDS + FUZZ_INPUT_TIMEOUT_SECONDS + 60))" \
		"$fuzz_target_dir/$host/release/$target" "${options[@]}" "$corpus" \
		>"$work/$target/log" 2>&1 || status=$?
	if [ "$status" -eq 0 ]; then
		grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$target/log" >&2 || true
		continue
	fi
	failed+=("$target")
	echo "fuzz: $target failed (exit $status$([ "$status" -eq 124 ] && echo ': out of time')); the end of its log:" >&2
	tail -n 60 "$work/$target/log" >&2
	# Kept (ignored by git) for a rerun: the target's binary with the input as its argument runs
	# just that input.
	kept="ta/fuzz/artifacts/$target"
	mkdir -p "$kept"
	for input in "$artifacts"/*; do
		[ -f "$input" ] || continue
		cp "$input" "$kept/"
		echo "fuzz: $target input $kept/$(basename "$input") ($(wc -c <"$input") bytes), as hex:" >&2
		od -An -v -tx1 "$input" | tr -d ' \n' >&2
		echo >&2
	done
done

if ((${#failed[@]})); then
	echo "fuzz: failed: ${failed[*]}; rerun an input with $fuzz_target_dir/$host/release/TARGET INPUT" >&2
	exit 1
fi
log "fuzz: ${targets[*]}: no crash in ${FUZZ_SECONDS} s each"
