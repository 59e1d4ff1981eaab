#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every tests/integration/*.sh (or the suites given), TEST_JOBS at a time (default 2:
# most suites spend their time in one single-threaded QEMU or tool), each bounded by
# TEST_TIMEOUT seconds, and sum their results. A suite's output is printed whole when it
# ends, so suites never interleave. Prints "integration: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0
jobs=${TEST_JOBS:-2}
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(tests/integration/*.sh)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# The suites that take minutes start first, so the short ones fill in around them.
long_first() {
	local s
	for s in "$@"; do
		case "${s##*/}" in
		boot_* | pkg_* | k612_* | presets_boot.sh | run.sh | integ_pacman.sh | \
			moddep_oracle.sh | robust_kill.sh | uki.sh | inspect_peers.sh) echo "0 $s" ;;
		*) echo "1 $s" ;;
		esac
	done | sort -s -k1,1 | cut -d' ' -f2-
}

# run_suite N SCRIPT: its output in $logs/N.out, its exit status in $logs/N.rc, its
# duration in seconds in $logs/N.s (the suite's own, to watch `make test`'s budget).
run_suite() {
	local t0=$SECONDS
	timeout --kill-after=10 "${TEST_TIMEOUT:-600}" bash "$2" >"$logs/$1.out" 2>&1
	echo $? >"$logs/$1.rc"
	echo $((SECONDS - t0)) >"$logs/$1.s"
}

# collect N SCRIPT: print a finished suite's output and add up its result.
collect() {
	local n=$1 s=$2 rc res p f
	echo "== $s ($(cat "$logs/$n.s") s)"
	echo "$(cat "$logs/$n.s") $s" >>"$logs/durations"
	cat "$logs/$n.out"
	rc=$(cat "$logs/$n.rc")
	# Suites end with "RESULT P F" (tests/lib.sh); the boot suite with "boot: P passed, F failed".
	res=$(grep -E '^(RESULT [0-9]+ [0-9]+|boot: [0-9]+ passed, [0-9]+ failed)$' "$logs/$n.out" |
		tail -n1 | sed -E 's/^boot: ([0-9]+) passed, ([0-9]+) failed$/RESULT \1 \2/')
	if [ -z "$res" ]; then
		echo "not ok - $s ended without a result (exit $rc)"
		failed=$((failed + 1))
		return
	fi
	read -r _ p f <<<"$res"
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $s exited $rc"
		failed=$((failed + 1))
	fi
}

mapfile -t ordered < <(long_first "${scripts[@]}")
declare -A running=() # pid -> index in ordered
for n in "${!ordered[@]}"; do
	[ -f "${ordered[$n]}" ] || continue
	while [ ${#running[@]} -ge "$jobs" ]; do
		wait -n
		for pid in "${!running[@]}"; do
			if ! kill -0 "$pid" 2>/dev/null; then
				wait "$pid"
				i=${running[$pid]}
				unset "running[$pid]"
				collect "$i" "${ordered[$i]}"
			fi
		done
	done
	run_suite "$n" "${ordered[$n]}" &
	running[$!]=$n
done
for pid in "${!running[@]}"; do
	wait "$pid"
	collect "${running[$pid]}" "${ordered[${running[$pid]}]}"
done
echo "slowest suites: $(sort -rn "$logs/durations" 2>/dev/null | head -n 5 |
	awk '{ printf "%s%s %s s", (NR > 1 ? ", " : ""), $2, $1 }')"
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
