#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run Criterion unit test binaries; print totals. Exit non-zero if any failed.
set -uo pipefail
passed=0 failed=0
# Builds that name no frame cache use this scratch one, never root's /var/cache.
if [ -z "${MKINITRAMFS_CACHE:-}" ]; then
	MKINITRAMFS_CACHE=$(mktemp -d "${TMPDIR:-/tmp}/unit-cache.XXXXXX")
	export MKINITRAMFS_CACHE
	trap 'rm -rf "$MKINITRAMFS_CACHE"' EXIT
fi
for t in "$@"; do
	out=$("$t" --jobs 2 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^\[----\]' | grep -E 'FAIL|Synthesis|CRASH|Assertion|Warning' || true
	line=$(printf '%s\n' "$out" | grep 'Synthesis:' | tail -n1)
	p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
	f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$line")
	c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$line")
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ $rc -ne 0 ] && [ "${f:-0}" = 0 ]; then
		echo "unit: '$t' exited $rc (crashing: ${c:-?})"
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
