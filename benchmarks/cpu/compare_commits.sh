#!/usr/bin/env bash
# Workload B, slayer's rows only, at each given commit (that commit's src, this checkout's harness),
# one after the other; prints the two slayer rows per commit. Run from the repository root:
#   bash benchmarks/cpu/compare_commits.sh 9ca8e10 7d1f35f a8f1caa 10400dc
set -euo pipefail
python=${PYTHON:-.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"; git worktree prune' EXIT
for commit in "$@"; do
  git worktree add --quiet --detach "$work/$commit" "$commit"
  cp benchmarks/cpu/bench.py benchmarks/cpu/nets.py "$work/$commit/benchmarks/cpu/"
  PYTHONPATH="$work/$commit/src" "$python" "$work/$commit/benchmarks/cpu/bench.py" --workloads B \
    --libs slayer slayer-example-scales --repeats-b "${REPEATS:-5}" --out "$work/$commit.md" > "$work/$commit.log" 2>&1
  echo "== $commit"
  grep "slayer (" "$work/$commit.md"
  git worktree remove --force "$work/$commit"
done
