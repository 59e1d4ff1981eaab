#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A short libFuzzer run of every harness in tests/fuzz/ (ASan+UBSan): the parsers of the
# configuration, presets, hooks, images (read and extracted) and the init's command line,
# plan, superblocks and partition tables must not crash. ROBUST_FUZZ_TIME seconds each
# (default 16: the same total as 18 s for one harness fewer; 0 skips, as the sanitizer
# pass of CI does: the harnesses are already sanitized).
source "$(dirname "$0")/../lib.sh"
secs=${ROBUST_FUZZ_TIME:-16}
if [ "$secs" = 0 ]; then
	echo "# ROBUST_FUZZ_TIME=0: skipped"
	t_report
	exit 0
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! make -s -C "$TOP" --no-print-directory B="$B" fuzz-build >"$log" 2>&1; then
	t_fail "the fuzz harnesses build (make fuzz-build)"
	sed 's/^/    | /' "$log" | tail -n 20
	t_report
	exit 1
fi
B=$B "$TOP/tests/fuzz/run.sh" "$secs" >"$log" 2>&1
cat "$log"
while read -r _ name execs _ _ _ _ _ _ _ crashes; do
	if [ "$crashes" = 0 ] && [ "${execs:-0}" -gt 0 ]; then
		t_pass "fuzz $name: $execs executions, no crash"
	else
		t_fail "fuzz $name: $execs executions, $crashes crashes"
	fi
done < <(grep -E '^fuzz: [a-z_]+ +[0-9]+ executions' "$log")
n=$(grep -cE '^fuzz: [a-z_]+ +[0-9]+ executions' "$log")
t_check "every harness ran ($n of $(ls "$TOP"/tests/fuzz/fuzz_*.c | wc -l))" \
	[ "$n" -eq "$(ls "$TOP"/tests/fuzz/fuzz_*.c | wc -l)" ]
t_report
