#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# moddep on the real Debian kernel: the plan for a typical VM configuration holds the
# whole closure in load order with its parameter; the build host's kernel command line
# (which libkmod reads) leaves no trace in the plan.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
TOOL=$B/tests/tools/moddep-closure

"$TOOL" --plan "$KROOT" "$KVER" virtio_pci virtio_blk ext4 "nbd nbds_max=1024" \
	>"$T_TMP/plan" 2>"$T_TMP/err"
t_check "plan for virtio_pci virtio_blk ext4 'nbd nbds_max=1024'" [ $? -eq 0 ]
names=$(awk -F'\t' '$1 == "M" { printf "%s%s", s, $2; s = " " }' "$T_TMP/plan")
t_check "the whole closure, in load order ($names)" [ "$names" = \
	"virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk crc32c_intel crc32c_generic jbd2 mbcache crc16 ext4 nbd" ]
t_grep "crc32c providers are softdeps: a failure is a warning" '^M	crc32c_intel	[^	]*	as	-	$' "$T_TMP/plan"
t_grep "ext4 after its closure" '^M	ext4	/lib/modules/[^	]*/kernel/fs/ext4/ext4.ko	a	6,7,8,9,10	$' "$T_TMP/plan"
t_grep "nbd with its parameter" '^M	nbd	[^	]*	a	-	nbds_max=1024$' "$T_TMP/plan"

# libkmod parses /proc/cmdline; moddep takes those options out again.
found=
for tok in $(cat /proc/cmdline); do
	case $tok in *.*=*) ;; *) continue ;; esac
	mod=${tok%%.*}
	mod=${mod//-/_}
	if grep -Eq "/${mod//_/[-_]}\.ko" "$KROOT/lib/modules/$KVER/modules.dep" 2>/dev/null; then
		found="$mod ${tok#*.}"
		break
	fi
done
if [ -n "$found" ]; then
	read -r mod opt <<<"$found"
	"$TOOL" --plan "$KROOT" "$KVER" "$mod" >"$T_TMP/plan2" 2>&1
	t_nogrep "the host's '$mod.$opt' is not in the plan" "^M	$mod	.*$opt" "$T_TMP/plan2"
else
	echo "# the host's command line sets no option of a module of this tree"
fi

# moddep_names (autodetect's lookups without libkmod: module names through modules.dep,
# modaliases through the alias index as a trie) against libkmod's own lookup, for every
# pattern of the kernel's modules.alias made into a key three ways (wildcards left out,
# filled, a class's first member) and every module name: the same set for each.
A=$KROOT/lib/modules/$KVER/modules.alias
{
	awk '{ print $2 }' "$A" | sed 's/\*//g; s/?/Z/g'
	awk '{ print $2 }' "$A" | sed 's/\*/Q_-/g; s/?/0/g'
	awk '{ print $2 }' "$A" | sed -E 's/\[([^]])[^]]*\]/\1/g; s/\*/x:/g; s/\?/-/g'
	awk '{ print $3 }' "$A" | sort -u
} >"$T_TMP/words"
"$TOOL" --names "$KROOT" "$KVER" <"$T_TMP/words" >"$T_TMP/names" 2>&1
t_check "moddep_names answers $(wc -l <"$T_TMP/words") words as libkmod does" [ $? -eq 0 ]
t_grep "... most of them naming modules" '^words [0-9]+ answered [0-9]{5}' "$T_TMP/names"
grep -m 5 '^differ' "$T_TMP/names"
t_report
