#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The oracle: for EVERY module of the real Debian kernel, the closure moddep computes
# equals what `modprobe --show-depends` would load (insmod lines, less builtins), and
# moddep's order puts every hard dependency and softdep pre before the module and every
# softdep post after it. modprobe's answers are cached under build/, keyed by the kernel
# package and the kmod version, so only the first run pays ~4000 modprobe calls.
# ORACLE_KERNEL=trixie runs it on Debian 13's 6.12 tree (.ko.xz, merged /usr) with the
# modprobe of Debian 13's kmod (tests/integration/k612_oracle.sh).
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_tmpdir
MODPROBE=modprobe
STAMP=$B/kernel/stamp
if [ "${ORACLE_KERNEL:-bookworm}" = trixie ]; then
	read -r KROOT KVER < <("$TOP/tests/kernel-fixture.sh" --kernel trixie)
	[ -n "${KVER:-}" ] || { t_fail "no Debian 13 kernel fixture"; exit 1; }
	kbin=$("$TOP/tests/tools/kmod-trixie.sh") || { t_fail "no Debian 13 kmod"; exit 1; }
	MODPROBE=$kbin/modprobe
	STAMP=$B/kernel-trixie/stamp
else
	t_fixture
fi

TOOL=$B/tests/tools/moddep-closure
[ -x "$TOOL" ] || { t_fail "test tool '$TOOL' missing (make $TOOL)"; exit 1; }
MODDIR=$KROOT/lib/modules/$KVER

key=$(cat "$STAMP" 2>/dev/null || echo "$KVER")
key="$key $("$MODPROBE" --version | head -n1)"
cache=$B/oracle/$(printf '%s' "$key" | md5sum | cut -c1-16)
mkdir -p "$cache"

# Every module of the tree, by the name modprobe is given.
sed -n 's/^\([^:]*\):.*/\1/p' "$MODDIR/modules.dep" | sed 's|.*/||; s/\.ko.*//' |
	sort -u >"$T_TMP/names"
total=$(wc -l <"$T_TMP/names")
t_check "the tree has thousands of modules ($total)" [ "$total" -gt 3000 ]

# modprobe's answers: "NAME<TAB>RELPATH" per insmod line, in modprobe's order.
if [ ! -s "$cache/modprobe.txt" ]; then
	echo "# computing modprobe's answers for $total modules (cached in $cache)"
	while read -r name; do
		"$MODPROBE" -d "$KROOT" -S "$KVER" -C /dev/null --show-depends "$name" 2>/dev/null |
			awk -v n="$name" -v p="$MODDIR/" \
				'$1 == "insmod" { sub("^" p, "", $2); print n "\t" $2 }'
	done <"$T_TMP/names" >"$cache/modprobe.txt.new" &&
		mv "$cache/modprobe.txt.new" "$cache/modprobe.txt"
fi
sort -u "$cache/modprobe.txt" >"$T_TMP/expected"

start=$(date +%s.%N)
"$TOOL" "$KROOT" "$KVER" <"$T_TMP/names" >"$T_TMP/ours" 2>"$T_TMP/ours.err"
t_check "moddep-closure ran over every module" [ $? -eq 0 ]
end=$(date +%s.%N)
echo "# moddep: $total closures in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') s"
t_nogrep "no module failed to resolve" $'\terror:' "$T_TMP/ours"
t_check "one answer per module" [ "$(wc -l <"$T_TMP/ours")" -eq "$total" ]

awk -F'\t' -v p="$MODDIR/" '{ n = split($2, a, " ");
	for (i = 1; i <= n; i++) { sub("^" p, "", a[i]); print $1 "\t" a[i] } }' \
	"$T_TMP/ours" | sort -u >"$T_TMP/got"
if diff "$T_TMP/expected" "$T_TMP/got" >"$T_TMP/diff"; then
	t_pass "closure of every one of $total modules equals modprobe --show-depends"
else
	t_fail "closures differ from modprobe ($(grep -c '^[<>]' "$T_TMP/diff") lines)"
	head -n 20 "$T_TMP/diff" | sed 's/^/    | /'
fi

# The edges the order must honour, from depmod's text files and modprobe's own alias
# resolution: "H MOD DEP" (hard), "P MOD TARGET" (softdep pre), "S MOD TARGET" (post).
# Like libkmod, only the first softdep line of a module counts.
awk '/^[^#]/ { m = $1; sub(":$", "", m); for (i = 2; i <= NF; i++) print "H", m, $i }' \
	"$MODDIR/modules.dep" >"$T_TMP/edges"
modpath() { # NAME -> relpath of the module file, as modules.dep spells it
	grep -E "(^|/)$(printf '%s' "$1" | sed 's/[-_]/[-_]/g')\.ko[^/:]*:" "$MODDIR/modules.dep" |
		head -n1 | cut -d: -f1
}
declare -A seen=()
while read -r _ mod rest; do
	[ -n "${seen[$mod]:-}" ] && continue
	seen[$mod]=1
	from=$(modpath "$mod")
	[ -n "$from" ] || continue
	kind=
	for w in $rest; do
		case $w in
		pre:) kind=P; continue ;;
		post:) kind=S; continue ;;
		esac
		[ -n "$kind" ] || continue
		for t in $("$MODPROBE" -d "$KROOT" -S "$KVER" -C /dev/null -R "$w" 2>/dev/null); do
			to=$(modpath "$t")
			[ -n "$to" ] && echo "$kind $from $to"
		done
	done
done < <(grep '^softdep ' "$MODDIR/modules.softdep") >>"$T_TMP/edges"
t_check "the tree has softdep edges to check" grep -q '^P ' "$T_TMP/edges"

awk -v p="$MODDIR/" '
	FNR == NR { kind[NR] = $1; from[NR] = $2; to[NR] = $3; ne = NR; next }
	{
		split($0, f, "\t"); n = split(f[2], a, " ")
		delete pos
		for (i = 1; i <= n; i++) { sub("^" p, "", a[i]); pos[a[i]] = i }
		for (e = 1; e <= ne; e++) {
			if (!(from[e] in pos) || !(to[e] in pos)) continue
			if (kind[e] == "S" ? pos[to[e]] > pos[from[e]] : pos[to[e]] < pos[from[e]])
				continue
			# A softdep cycle cannot be honoured both ways.
			if (kind[e] != "H" && cyclic(to[e], from[e])) continue
			bad++
			if (bad <= 10) print "    | " f[1] ": " kind[e] " " from[e] " -> " to[e]
		}
		checked++
	}
	function cyclic(x, y,    e) { # does x need y before it (a pre or hard edge)?
		for (e = 1; e <= ne; e++)
			if (from[e] == x && to[e] == y && kind[e] != "S") return 1
		return 0
	}
	END { print "ORDER " checked + 0 " " bad + 0 }' "$T_TMP/edges" "$T_TMP/ours" >"$T_TMP/order"
grep '^    |' "$T_TMP/order"
read -r _ checked bad < <(grep '^ORDER' "$T_TMP/order")
t_check "order honours every dependency and softdep edge in $checked closures ($bad violations)" \
	[ "$checked" -eq "$total" ] && [ "$bad" -eq 0 ]

# A few closures spelled out, so a regression shows what changed.
ext4=$(awk -F'\t' '$1 == "ext4" { print $2 }' "$T_TMP/ours" | sed "s|$MODDIR/||g")
# The same six on both kernels; Debian 13's are xz-compressed.
x=$(sed -n 's|^kernel/fs/ext4/ext4\.ko\([^:]*\):.*|\1|p' "$MODDIR/modules.dep")
t_check "ext4 pulls both crypto-crc32c providers before jbd2 and ext4" \
	[ "$ext4" = "kernel/arch/x86/crypto/crc32c-intel.ko$x kernel/crypto/crc32c_generic.ko$x kernel/fs/jbd2/jbd2.ko$x kernel/fs/mbcache.ko$x kernel/lib/crc16.ko$x kernel/fs/ext4/ext4.ko$x" ]
t_report
