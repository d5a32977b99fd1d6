# Shared settings of the teeid scripts; sourced, not run.

# The repository root.
TEEID_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TEEID_ROOT

# One cargo target directory for every clone on this machine, so a second clone (or CI) does not
# rebuild the world. An explicit CARGO_TARGET_DIR wins.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/teeid/target}"

# The runtime's wasm build runs in the target directory; this tells it where the workspace (and
# its Cargo.lock) is when that directory lies outside the repository.
export WASM_BUILD_WORKSPACE_HINT="${WASM_BUILD_WORKSPACE_HINT:-$TEEID_ROOT}"

# The node binary that the launch command and the end-to-end suite run.
export TEEID_NODE_BIN="${TEEID_NODE_BIN:-$CARGO_TARGET_DIR/release/teeid-node}"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
