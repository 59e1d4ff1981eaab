#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make test: unit tests, then integration and boot tests; one closing summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
total_p=0 total_f=0
sum() {
	local line
	line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed$' "$1" | tail -n1)
	if [ -z "$line" ]; then
		total_f=$((total_f + 1))
		return
	fi
	read -r _ p _ f _ <<<"$line"
	total_p=$((total_p + p))
	total_f=$((total_f + f))
}
log=$(mktemp)
tests/run-unit.sh "$@" 2>&1 | tee "$log"; sum "$log"
tests/check-init-size.sh "${B:-build}/init" 65536 >"$log" 2>&1 && { cat "$log"; echo "size: 1 passed, 0 failed" >"$log"; } || { cat "$log"; echo "size: 0 passed, 1 failed" >"$log"; }
sum "$log"
# The boot scenarios run in the same pool as the integration suites, two at a time.
tests/run-integration.sh tests/integration/*.sh tests/boot/run.sh 2>&1 | tee "$log"; sum "$log"
rm -f "$log"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
