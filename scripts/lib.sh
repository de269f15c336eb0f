# Shared settings for the project's scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The Python peers (pymavlink, MAVProxy, MAVSDK) live in a virtual environment; CI keeps it
# outside the clone so that runs on the same machine reuse it.
export PORTOPS_VENV="${PORTOPS_VENV:-$ROOT/.venv}"
export PORTOPS_PYTHON="$PORTOPS_VENV/bin/python"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
