#!/usr/bin/env bash
# The main job: builds what is missing and starts the teeid development chain in this terminal.
# Ctrl-C stops it. Extra arguments go to teeid-node (for example `--sealing instant`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$TEEID_ROOT/scripts/setup.sh"

log "building teeid-node (release; the first build takes a while)"
cargo build --release --locked --workspace --manifest-path "$TEEID_ROOT/Cargo.toml"

cat >&2 <<INFO

  teeid development chain
  -----------------------
  node RPC (websocket):  ws://127.0.0.1:9944
  polkadot.js Apps:      https://polkadot.js.org/apps/?rpc=ws://127.0.0.1:9944
  validator and sudo:    Alice; the dev accounts (Alice ... Ferdie) are funded
  state:                 temporary; pass --base-path DIR to keep it across runs

  Ctrl-C stops the chain.

INFO

exec "$TEEID_NODE_BIN" --dev --rpc-cors all "$@"
