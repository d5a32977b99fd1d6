#!/usr/bin/env bash
# Regenerates the runtime metadata the worker's chain client is generated from
# (tee-worker/metadata/teeid.scale), from the runtime in this repository. The test command fails
# while the committed file is stale.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$TEEID_ROOT"
TEEID_UPDATE_METADATA=1 cargo test --release --locked --workspace --test metadata
log "wrote tee-worker/metadata/teeid.scale"
