#!/usr/bin/env bash
# counted.sh MIN COMMAND...: runs a test command and fails unless it ran at least MIN tests, so a
# test that stops being picked up (a file misnamed or moved, a binary that runs none, a filter
# left in) cannot go unseen behind a green exit code. It counts cargo's "test result: ok. N
# passed" lines and node's "# pass N". MIN is a floor: raise it when tests are added.
set -euo pipefail
min=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$@" 2>&1 | tee "$log"
cargo=$(awk '/test result: ok\. [0-9]+ passed/ { for (i = 1; i < NF; i++) if ($i == "ok.") sum += $(i + 1) } END { print sum + 0 }' "$log")
node=$(awk '/^# pass [0-9]+$/ { sum += $3 } END { print sum + 0 }' "$log")
ran=$((cargo + node))
if [ "$ran" -lt "$min" ]; then
    echo "counted: $ran tests ran, fewer than the $min this suite holds (a test file no longer runs?)" >&2
    exit 1
fi
echo "counted: $ran tests ran (at least $min)"
