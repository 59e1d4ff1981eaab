#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every libFuzzer harness in $B/fuzz (built by `make fuzz-build`) for SECONDS each,
# one after the other, from the seeds in tests/fuzz/corpus/NAME plus the corpus grown by
# earlier runs ($B/fuzz/corpus/NAME). Prints one line per harness with its executions
# and crashes, then "fuzz: N passed, N failed". Crashing inputs are kept in
# $B/fuzz/artifacts/NAME/ (reproduce with: $B/fuzz/fuzz_NAME FILE).
# Usage: run.sh SECONDS [NAME...]
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${B:-$PWD/build}
secs=${1:-60}
shift || true
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for h in "$B"/fuzz/fuzz_*; do
		[ -x "$h" ] && names+=("${h##*/fuzz_}")
	done
fi
[ ${#names[@]} -gt 0 ] || { echo "fuzz: no harness in '$B/fuzz' (make fuzz-build)" >&2; exit 1; }

# The longest input worth trying, per harness.
max_len() {
	case $1 in
	image) echo 65536 ;;
	extract) echo 16384 ;;
	conf | preset | hooks | init_plan) echo 16384 ;;
	init_cmdline | init_probe) echo 8192 ;;
	init_part) echo 20480 ;;
	*) echo 4096 ;;
	esac
}

passed=0 failed=0 total_execs=0
for name in "${names[@]}"; do
	h=$B/fuzz/fuzz_$name
	work=$B/fuzz/corpus/$name art=$B/fuzz/artifacts/$name
	mkdir -p "$work" "$art"
	log=$(mktemp)
	seeds=()
	[ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
	before=$(find "$art" -type f | wc -l)
	"$h" -max_total_time="$secs" -print_final_stats=1 -max_len="$(max_len "$name")" \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$art/" \
		"$work" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
	corpus=$(find "$work" -type f | wc -l)
	crashes=$(($(find "$art" -type f | wc -l) - before))
	if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
		crashes=1 # died without an artifact (a timeout of the whole run, say)
	fi
	printf 'fuzz: %-13s %10s executions in %ss (%s/s), corpus %s, crashes %s\n' \
		"$name" "${execs:-0}" "$secs" "${rate:-0}" "$corpus" "$crashes"
	total_execs=$((total_execs + ${execs:-0}))
	if [ "$crashes" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: invariant|    #[0-9] )' "$log" | head -n 20 |
			sed 's/^/    | /'
		echo "    | artifacts in $art/"
	fi
	rm -f "$log"
done
echo "fuzz: $total_execs executions in total"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
