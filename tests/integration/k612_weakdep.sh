#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Weak dependencies (kmod 33+): a fake tree (tests/fixtures/weak.spec) depmod'ed by
# Debian 13's kmod 34, whose modprobe is the oracle: every image's modules equal what
# `modprobe --show-depends` loads for the module asked for plus, for each weakdep word
# its `modprobe -c` lists for that module, what --show-depends loads for the word.
# Weak dependencies come before their module in the plan, are never required ('s'),
# and a word no module answers to is no error. Then Debian 13's real 6.12 tree: kmod
# 34's depmod found no MODULE_WEAKDEP in it (so modprobe -c and we agree on none), and
# a modprobe.d weakdep line brings its target in.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
cd "$T_TMP"
KBIN=$("$TOP/tests/tools/kmod-trixie.sh") || { t_fail "no Debian 13 kmod"; exit 1; }
MP=$KBIN/modprobe
V=6.99.0-weak
DEPMOD=$KBIN/depmod "$TOP/tests/fixtures/mktree.sh" "$TOP/tests/fixtures/weak.spec" tree "$V" ||
	{ t_fail "mktree weak.spec"; exit 1; }
MD=tree/lib/modules/$V
t_grep "kmod 34's depmod wrote the modules' weakdeps" '^weakdep wk_drv wk_helper$' "$MD/modules.weakdep"
t_grep "one line per MODULE_WEAKDEP" '^weakdep wk_drv crypto-wkhash$' "$MD/modules.weakdep"
"$MP" -d tree -S "$V" -C tree/etc/modprobe.d -c >config.txt 2>&1
t_grep "kmod 34 reads the modprobe.d weakdep line" '^weakdep wk_conf wk_conf_target wk_base$' config.txt

# expected MODULE: the oracle's set of module files (paths under the tree).
expected() {
	local mod=$1 w
	{
		"$MP" -d tree -S "$V" -C tree/etc/modprobe.d --show-depends "$mod"
		for w in $(awk -v m="$mod" '$1 == "weakdep" && $2 == m { for (i = 3; i <= NF; i++) print $i }' config.txt); do
			"$MP" -d tree -S "$V" -C tree/etc/modprobe.d --show-depends "$w" 2>/dev/null
		done
	} | awk '$1 == "insmod" { sub(".*/lib/modules/[^/]*/", "", $2); print $2 }' | sort -u
}
# ours MODULE [match]: the module files of the image built for it, and its plan.
ours() {
	local mod=$1 key=MODULES
	[ "${2:-}" = match ] && key=MODULES_MATCH
	printf '%s=(%s)\nHOOKS=(base)\n' "$key" "$mod" >"$mod.conf"
	"$MKINITRAMFS" -k "$V" -r tree -c "$mod.conf" -g "$mod.img" -v >"$mod.log" 2>&1 ||
		{ sed 's/^/    | /' "$mod.log"; return 1; }
	"$MKINITRAMFS" -x "$mod.img" "$mod.x" >/dev/null 2>&1 || return 1
	cp "$mod.x/etc/mkinitramfs/plan" "$mod.plan"
	awk -F'\t' '$1 == "M" { sub("^/lib/modules/[^/]*/", "", $3); print $3 }' "$mod.plan" | sort
}
for mod in wk_drv wk_cyc_a wk_conf; do
	expected "$mod" >"$mod.want"
	if ours "$mod" >"$mod.got" && diff "$mod.want" "$mod.got" >"$mod.diff"; then
		t_pass "$mod: the image's modules equal kmod 34's closure plus its weakdeps' ($(wc -l <"$mod.got") modules)"
	else
		t_fail "$mod: modules differ from kmod 34's"
		sed 's/^/    | /' "$mod.diff" 2>/dev/null | head
	fi
done
t_check "wk_drv's weak targets were found: both providers of the alias, and the helper's own dependency" \
	grep -qx 'kernel/drivers/misc/wk_hash_b.ko' wk_drv.got
t_check "kmod 34's --show-depends alone does not load weak dependencies (they are ours to add)" \
	test "$("$MP" -d tree -S "$V" --show-depends wk_drv | grep -c insmod)" -eq 1
t_grep "-v explains a weak dependency" "^module 'wk_helper' \\[as\\]: weakdep of 'wk_drv'" wk_drv.log
t_grep "-v names the alias a weak word went through" "^module 'wk_hash_a' \\[as\\]: weakdep of 'wk_drv' \\(alias 'crypto-wkhash'\\)" wk_drv.log
t_nogrep "a weakdep word no module answers to is no error" "error|wk_absent" wk_drv.log

# plan_index PLAN NAME, plan_field PLAN NAME FIELD
plan_index() { awk -F'\t' -v n="$2" '$1 == "M" { if ($2 == n) { print i + 0; exit } i++ }' "$1"; }
plan_field() { awk -F'\t' -v n="$2" -v f="$3" '$1 == "M" && $2 == n { print $f }' "$1"; }
t_check "a weak target is loaded before its module, with the module's dependencies" \
	test "$(plan_index wk_drv.plan wk_helper)" -lt "$(plan_index wk_drv.plan wk_drv)"
t_check "a weak target is never required (flags 'as')" \
	test "$(plan_field wk_drv.plan wk_hash_b 4)" = as
deps=$(plan_field wk_drv.plan wk_drv 5)
t_check "the module's dependency list names its weak targets ($deps)" \
	test "$deps" = "0,1,2,3"
t_check "a weak target that needs the module itself comes after it" \
	test "$(plan_index wk_cyc_a.plan wk_cyc_b)" -gt "$(plan_index wk_cyc_a.plan wk_cyc_a)"
ours wk_nic match >wk_nic.got
t_check "an on-demand module's weak target is in its on-demand dependencies" \
	test "$(plan_field wk_nic.plan wk_nic 5)" = "$(plan_index wk_nic.plan wk_fw_helper)"
t_check "... and not loaded at boot (flags 's')" test "$(plan_field wk_nic.plan wk_fw_helper 4)" = s

# The same tree depmod'ed by Debian 12's kmod 30: no modules.weakdep, only modprobe.d's.
DEPMOD=depmod "$TOP/tests/fixtures/mktree.sh" "$TOP/tests/fixtures/weak.spec" old "$V" ||
	{ t_fail "mktree weak.spec with depmod 30"; exit 1; }
printf 'MODULES=(wk_drv wk_conf)\nHOOKS=(base)\n' >old.conf
t_run 0 "a tree without modules.weakdep builds" -k "$V" -r old -c old.conf -g old.img -v
t_grep "-v says the tree has no modules.weakdep" "weak dependencies: no modules.weakdep in the tree" out.txt
t_grep "modprobe.d's weakdep line still counts" "^module 'wk_conf_target' \\[as\\]: weakdep of 'wk_conf'" out.txt
t_nogrep "the modules' own weakdeps are unknown there" "wk_helper" out.txt

# Debian 13's real tree.
read -r KROOT KVER < <("$TOP/tests/kernel-fixture.sh" --kernel trixie)
[ -n "${KVER:-}" ] || { t_fail "no Debian 13 kernel fixture"; exit 1; }
KMD=$KROOT/usr/lib/modules/$KVER
t_check "kmod 34's depmod wrote modules.weakdep for 6.12" test -f "$KMD/modules.weakdep"
n_tree=$(grep -c '^weakdep ' "$KMD/modules.weakdep")
n_kmod=$("$MP" -d "$KROOT" -S "$KVER" -C "$T_TMP/none.d" -c | grep -c '^weakdep ')
echo "# Debian 13 $KVER: $n_tree weakdep lines in modules.weakdep, $n_kmod in kmod 34's configuration"
t_check "kmod 34 and the tree agree on the 6.12 tree's weak dependencies ($n_tree)" \
	test "$n_tree" -eq "$n_kmod"
# Every module of the tree in one image: ours must add exactly the weak targets kmod
# lists (none for Debian 13's amd64 kernel: its modules declare no MODULE_WEAKDEP).
printf 'MODULES=(%s)\nHOOKS=(base)\n' "$(sed -n 's|^\([^:]*\):.*|\1|p' "$KMD/modules.dep" |
	sed 's|.*/||; s/\.ko.*//' | tr '\n' ' ')" >all.conf
"$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c all.conf -g all.img -v -z none >all.log 2>&1
t_check "an image of every 6.12 module builds" test $? -eq 0
t_check "its weak edges are the tree's ($n_tree)" \
	test "$(grep -c "weakdep of '" all.log)" -eq "$n_tree"
# A modprobe.d weakdep line in a copy of the real root brings its target in.
mkdir -p wroot && cp -al "$KROOT/." wroot/
mkdir -p wroot/etc/modprobe.d
echo "weakdep virtio_blk nbd" >wroot/etc/modprobe.d/weak.conf
printf 'MODULES=(virtio_blk ext4)\nHOOKS=(base)\n' >wr.conf
t_run 0 "6.12 with a modprobe.d weakdep builds" -k "$KVER" -r "$T_TMP/wroot" -c wr.conf -g wr.img -v
t_grep "6.12: nbd is in as virtio_blk's weak dependency" "^module 'nbd' \\[asz?\\]: weakdep of 'virtio_blk'" out.txt
t_report
