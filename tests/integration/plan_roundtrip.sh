#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The generator/init contract (abi/abi.h) kept by the build, not by discipline: plans
# the generator writes for the real Debian kernel are parsed by the init's own parser
# (init/plan.c built for the host) and written back from the parsed fields; the result
# must be the plan itself, and the modules must be the generator's closure, in its order.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture

CLOSURE=$B/tests/tools/moddep-closure
DUMP=$B/tests/tools/init-plan-dump
for tool in "$CLOSURE" "$DUMP"; do
	[ -x "$tool" ] || { t_fail "test tool '$tool' missing"; t_report; exit 1; }
done

# roundtrip NAME [--match] SPEC...: the generator's plan for SPEC..., through the init.
roundtrip() {
	local name=$1
	shift
	if ! "$CLOSURE" --plan "$@" >"$T_TMP/$name.plan" 2>"$T_TMP/$name.err"; then
		t_fail "$name: the generator wrote no plan"
		sed 's/^/    | /' "$T_TMP/$name.err"
		return
	fi
	grep -v "^F	" "$T_TMP/$name.plan" >"$T_TMP/$name.want"
	if ! "$DUMP" <"$T_TMP/$name.plan" >"$T_TMP/$name.got" 2>"$T_TMP/$name.err"; then
		t_fail "$name: the init refuses the generator's plan: $(cat "$T_TMP/$name.err")"
		return
	fi
	if cmp -s "$T_TMP/$name.want" "$T_TMP/$name.got"; then
		t_pass "$name: the init reads back every field of $(grep -c '^M' "$T_TMP/$name.want") modules and $(grep -c '^A' "$T_TMP/$name.want") aliases"
	else
		t_fail "$name: the init reads the plan differently"
		diff "$T_TMP/$name.want" "$T_TMP/$name.got" | head -n 10 | sed 's/^/    | /'
	fi
}

roundtrip always "$KROOT" "$KVER" virtio_pci virtio_blk ext4 "nbd nbds_max=1024" "xfs?"
t_grep "the parameters reach the init" "^M	nbd	.*	nbds_max=1024$" "$T_TMP/always.got"
t_grep "softdeps are flagged for the init" "^M	crc32c_generic	[^	]*	a*o*s" "$T_TMP/always.got"
roundtrip match --match "$KROOT" "$KVER" ahci nvme virtio_scsi
t_grep "on-demand modules carry their aliases" "^A	pci:v" "$T_TMP/match.got"

# The init's modules are the generator's closure, in the generator's load order.
echo ext4 | "$CLOSURE" "$KROOT" "$KVER" 2>/dev/null | cut -f2 | tr ' ' '\n' |
	sed 's|.*/||; s/\.ko.*//; s/-/_/g' >"$T_TMP/closure"
roundtrip ext4 "$KROOT" "$KVER" ext4
awk -F'\t' '$1 == "M" { print $2 }' "$T_TMP/ext4.got" >"$T_TMP/initorder"
if [ -s "$T_TMP/closure" ] && cmp -s "$T_TMP/closure" "$T_TMP/initorder"; then
	t_pass "ext4: the init loads the generator's closure in its order ($(paste -sd' ' "$T_TMP/initorder"))"
else
	t_fail "ext4: closure and plan differ"
	diff "$T_TMP/closure" "$T_TMP/initorder" | sed 's/^/    | /'
fi
t_report
