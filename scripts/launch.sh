#!/usr/bin/env bash
# The main job: builds what is missing and starts, in this terminal, the teeid development chain
# (`teeid-node --dev`) and a simulated TEE worker that bootstraps itself with root's help (Alice
# is the sudo key), binds to Alice's DID and reports work every slot. Ctrl-C stops both. Extra
# arguments go to teeid-node (for example `--sealing instant`, or `--port 30334` for a second
# instance). TEEID_RPC_PORT (default 9944) and TEEID_API_PORT (default 8600) move the node's RPC
# and the worker's API.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$TEEID_ROOT/scripts/setup.sh"

log "building teeid-node, teeid-worker and teeid-ta-sim (release; the first build takes a while)"
# The same build as the test command's (all targets: dev-dependencies change how features
# unify), so that either command reuses what the other built.
cargo build --release --locked --workspace --all-targets --manifest-path "$TEEID_ROOT/Cargo.toml"

bin="$CARGO_TARGET_DIR/release"
rpc_port="${TEEID_RPC_PORT:-9944}"
api="127.0.0.1:${TEEID_API_PORT:-8600}"
# One chain and one worker per port: fail now rather than talk to another launch's node.
for port in "$rpc_port" "${api##*:}"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "port $port is in use (is a launch command running already?)" >&2
		exit 1
	fi
done

# The dev chain is temporary, so is the worker's state (its TA's network key belongs to the
# chain it was created for): both live in one directory, removed on exit.
run_dir="$(mktemp -d "${TMPDIR:-/tmp}/teeid-dev.XXXXXX")"
log "state directory: $run_dir"

node_pid="" worker_pid=""
stop() {
	local code="$1"
	trap - EXIT TERM
	# A second Ctrl-C skips the worker's unbinding.
	trap '[ -n "$worker_pid" ] && kill -KILL "$worker_pid" 2>/dev/null' INT
	set +e
	# The worker first: on its way out it unbinds from Alice's DID, which needs the node.
	if [ -n "$worker_pid" ]; then
		kill -TERM "$worker_pid" 2>/dev/null
		wait "$worker_pid" 2>/dev/null
	fi
	if [ -n "$node_pid" ]; then
		kill -TERM "$node_pid" 2>/dev/null
		wait "$node_pid" 2>/dev/null
	fi
	# Whatever is left of this launch (a simulated TA whose worker was killed) names the
	# state directory on its command line.
	pkill -KILL -f -- "$run_dir" 2>/dev/null
	rm -rf "$run_dir"
	exit "$code"
}
# Ctrl-C (or SIGTERM) is a clean stop; any other way out keeps its exit status.
trap 'stop $?' EXIT
trap 'stop 0' INT TERM

# Ctrl-C signals the terminal's foreground process group. The node runs in a session of its own
# so that it keeps running until the worker is gone; the log prefixers ignore SIGINT and end
# with their input.
setsid "$bin/teeid-node" --dev --base-path "$run_dir/node" --rpc-cors all --rpc-port "$rpc_port" "$@" \
	2> >(trap '' INT; sed -u 's/^/[node]   /' >&2) &
node_pid=$!

log "starting the simulated TEE worker (it waits for the node, then bootstraps itself)"
TEEID_WORKER_OPERATOR=//Alice "$bin/teeid-worker" run --bootstrap \
	--chain "ws://127.0.0.1:$rpc_port" --data-dir "$run_dir/worker" --listen "$api" \
	--sim-binary "$bin/teeid-ta-sim" 2> >(trap '' INT; sed -u 's/^/[worker] /' >&2) &
worker_pid=$!

# Wait until the worker is registered and answering.
ready=false
for _ in $(seq 1 300); do
	kill -0 "$node_pid" 2>/dev/null || { echo "the node stopped; see its log above" >&2; exit 1; }
	kill -0 "$worker_pid" 2>/dev/null || { echo "the worker stopped; see its log above" >&2; exit 1; }
	if curl -fsS -m 5 "http://$api/health" 2>/dev/null | grep -q '"registered":true'; then
		ready=true
		break
	fi
	sleep 1
done
$ready || { echo "the worker is not registered after 5 minutes; see its log above" >&2; exit 1; }

token="$(cat "$run_dir/worker/admin.token")"
cat >&2 <<INFO

  teeid development chain and TEE worker
  --------------------------------------
  node RPC (websocket):  ws://127.0.0.1:$rpc_port
  polkadot.js Apps:      https://polkadot.js.org/apps/?rpc=ws://127.0.0.1:$rpc_port
  worker API:            http://$api
  OpenAPI document:      http://$api/openapi.json
  admin token:           $token
  validator and sudo:    Alice; the dev accounts (Alice ... Ferdie) are funded
  worker:                simulated TEE (platform Simulated), operator Alice, bound to Alice's DID
  state:                 $run_dir (temporary: removed on exit)

  The polkadot.js examples, in another terminal:
    cd $TEEID_ROOT/clients/js
    export TEEID_WS=ws://127.0.0.1:$rpc_port TEEID_WORKER_API=http://$api TEEID_TA_SIM_BIN=$bin/teeid-ta-sim
    export TEEID_WORKER_TOKEN=$token
    npm run examples

  Ctrl-C stops both.

INFO

# Until Ctrl-C, or until either stops by itself (then the other is stopped too).
status=0
wait -n "$worker_pid" "$node_pid" || status=$?
echo "the node or the worker stopped (exit status $status); see the log above" >&2
exit 1
