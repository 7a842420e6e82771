#!/usr/bin/env bash
# One command for the CPU benchmark: installs the peers into benchmarks/cpu/.venv-peers (torch pinned
# to 2.13.0 CPU, checked afterwards), then runs every library side by side in one process.
#   bash benchmarks/cpu/run.sh                 # workloads A and B, 7 rounds
#   bash benchmarks/cpu/run.sh --repeats 3     # options go to bench.py (see --help)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=$here/.venv-peers
py=$venv/bin/python
mkdir -p "$here/results"
log=$here/results/install.log
status=$here/results/install-status.txt
stamp=$venv/.installed
pin="torch==2.13.0"

if [ ! -f "$stamp" ] || [ "$here/requirements-peers.txt" -nt "$stamp" ]; then
    [ -x "$py" ] || python3 -m venv "$venv"
    : >"$log"
    : >"$status"
    "$py" -m pip install --quiet "$pin" >>"$log" 2>&1
    while read -r req; do
        case "$req" in '#'* | '') continue ;; esac
        if "$py" -m pip install --quiet "$req" "$pin" >>"$log" 2>&1; then
            echo "$req: installed" >>"$status"
        else
            echo "$req: FAILED to install (see results/install.log)" >>"$status"
        fi
    done <"$here/requirements-peers.txt"
    if "$py" -m pip install --quiet --no-deps --ignore-requires-python -r "$here/requirements-lava.txt" >>"$log" 2>&1 &&
        "$py" -m pip install --quiet -r "$here/requirements-lava-deps.txt" "$pin" >>"$log" 2>&1; then
        echo "lava-dl==0.6.0: installed with --no-deps --ignore-requires-python (it declares Python<3.11, torch<2.4)" >>"$status"
    else
        echo "lava-dl==0.6.0: FAILED to install (see results/install.log)" >>"$status"
    fi
    "$py" -m pip install --quiet -e "$root" "$pin" >>"$log" 2>&1
    touch "$stamp"
fi
"$py" - <<'PY'
import torch
assert torch.__version__.startswith("2.13.0"), f"the peers venv has torch {torch.__version__}, not 2.13.0"
PY
cat "$status"
exec "$py" "$here/bench.py" "$@"
