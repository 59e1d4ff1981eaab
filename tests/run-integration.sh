#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every tests/integration/*.sh (or the ones given), each bounded in time, and sum
# their RESULT lines. Prints "integration: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(tests/integration/*.sh)
for s in "${scripts[@]}"; do
	[ -f "$s" ] || continue
	echo "== $s"
	log=$(mktemp)
	timeout --kill-after=10 "${TEST_TIMEOUT:-600}" bash "$s" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	res=$(grep '^RESULT ' "$log" | tail -n1)
	rm -f "$log"
	if [ -z "$res" ]; then
		echo "not ok - $s ended without a result (exit $rc)"
		failed=$((failed + 1))
		continue
	fi
	read -r _ p f <<<"$res"
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $s exited $rc"
		failed=$((failed + 1))
	fi
done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
