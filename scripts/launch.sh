#!/usr/bin/env bash
# The main job: builds what is missing and starts, in this terminal, the teeid development chain
# (`teeid-node --dev`) and a simulated TEE worker that bootstraps itself with root's help (Alice
# is the sudo key), binds to Alice's DID and reports work every slot. Ctrl-C stops both. Extra
# arguments go to teeid-node (for example `--sealing instant`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$TEEID_ROOT/scripts/setup.sh"

log "building teeid-node, teeid-worker and teeid-ta-sim (release; the first build takes a while)"
# The same build as the test command's (all targets: dev-dependencies change how features
# unify), so that either command reuses what the other built.
cargo build --release --locked --workspace --all-targets --manifest-path "$TEEID_ROOT/Cargo.toml"

bin="$CARGO_TARGET_DIR/release"
rpc_port=9944
api="127.0.0.1:8600"
# The dev chain is temporary, so is the worker's state: its TA's network key belongs to the
# chain it was created for.
run_dir="$(mktemp -d "${TMPDIR:-/tmp}/teeid-dev.XXXXXX")"

node_pid="" worker_pid=""
stop() {
	trap - EXIT INT TERM
	[ -n "$worker_pid" ] && kill -TERM "$worker_pid" 2>/dev/null && wait "$worker_pid" 2>/dev/null
	[ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
	rm -rf "$run_dir"
	exit 0
}
trap stop EXIT INT TERM

"$bin/teeid-node" --dev --rpc-cors all --rpc-port "$rpc_port" "$@" 2> >(sed -u 's/^/[node]   /' >&2) &
node_pid=$!

log "starting the simulated TEE worker (it waits for the node, then bootstraps itself)"
TEEID_WORKER_OPERATOR=//Alice "$bin/teeid-worker" run --bootstrap \
	--chain "ws://127.0.0.1:$rpc_port" --data-dir "$run_dir/worker" --listen "$api" \
	--sim-binary "$bin/teeid-ta-sim" 2> >(sed -u 's/^/[worker] /' >&2) &
worker_pid=$!

# Wait until the worker is registered and answering.
for _ in $(seq 1 300); do
	if curl -fsS "http://$api/health" 2>/dev/null | grep -q '"registered":true'; then
		break
	fi
	kill -0 "$worker_pid" 2>/dev/null || { echo "the worker stopped; see its log above" >&2; exit 1; }
	sleep 1
done

cat >&2 <<INFO

  teeid development chain and TEE worker
  --------------------------------------
  node RPC (websocket):  ws://127.0.0.1:$rpc_port
  polkadot.js Apps:      https://polkadot.js.org/apps/?rpc=ws://127.0.0.1:$rpc_port
  worker API:            http://$api
  OpenAPI document:      http://$api/openapi.json
  admin token:           $(cat "$run_dir/worker/admin.token")
  validator and sudo:    Alice; the dev accounts (Alice ... Ferdie) are funded
  worker:                simulated TEE (platform Simulated), operator Alice, bound to Alice's DID
  state:                 temporary (chain and worker)

  Ctrl-C stops both.

INFO

# Until Ctrl-C, or until either stops.
wait -n "$worker_pid" "$node_pid" || true
