#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# moddep on a fake module tree (tests/fixtures/basic.spec): the closures equal modprobe's
# under the tree's own modprobe.d; then what the plan, the staged files and the
# explanation say for chains, softdeps, aliases, builtins, blacklists, options,
# updates/, compressed modules and firmware; then bad input as the user sees it.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_tmpdir

TOOL=$B/tests/tools/moddep-closure
[ -x "$TOOL" ] || { t_fail "test tool '$TOOL' missing"; exit 1; }
V=1.0-test
R=$T_TMP/root
t_basic_tree "$R" "$V"
M=$R/lib/modules/$V

# --- the oracle, on every module and alias of the fake tree ---------------------------
{
	sed -n 's/^\([^:]*\):.*/\1/p' "$M/modules.dep" | sed 's|.*/||; s/\.ko.*//'
	printf '%s\n' net-fake my-disk fs-fsx crypto-hashy hashy 'pci:v00001234d00000001sv0sd0bc0sc0i0' \
		comp-gzip fw-gzip
} | sort -u >"$T_TMP/names"
while read -r n; do
	modprobe -d "$R" -S "$V" -C "$R/etc/modprobe.d" -C "$R/lib/modprobe.d" \
		--show-depends "$n" 2>/dev/null |
		awk -v n="$n" -v p="$M/" '$1 == "insmod" { sub("^" p, "", $2); print n "\t" $2 }'
done <"$T_TMP/names" | sort -u >"$T_TMP/expected"
"$TOOL" "$R" "$V" <"$T_TMP/names" 2>/dev/null |
	awk -F'\t' -v p="$M/" '{ n = split($2, a, " ");
		for (i = 1; i <= n; i++) { sub("^" p, "", a[i]); print $1 "\t" a[i] } }' |
	sort -u >"$T_TMP/got"
if diff "$T_TMP/expected" "$T_TMP/got" >"$T_TMP/diff"; then
	t_pass "closures of $(wc -l <"$T_TMP/names") names equal modprobe's with the tree's modprobe.d"
else
	t_fail "closures differ from modprobe"
	sed 's/^/    | /' "$T_TMP/diff" | head -n 20
fi
# Debian's modprobe reads the indexes that the zlib depmod wrote: the .ko.gz are in them.
t_grep "oracle: the chain through gzip is in modprobe's closures" \
	'^comp_zst	kernel/drivers/misc/comp_gz\.ko\.gz$' "$T_TMP/expected"
t_grep "oracle: a gzip module by its alias" '^fw-gzip	kernel/drivers/misc/gz_fw\.ko\.gz$' \
	"$T_TMP/expected"

plan() { "$TOOL" --plan "$@" 2>"$T_TMP/err"; }
# Module names of the plan's M records, in order, on one line.
plan_names() { plan "$@" | awk -F'\t' '$1 == "M" { printf "%s%s", s, $2; s = " " } END { print "" }'; }

# --- order -----------------------------------------------------------------------------
t_check "chain: dependencies first" [ "$(plan_names "$R" "$V" chain_a)" = "chain_c chain_b chain_a nbd" ]
got=$(plan_names "$R" "$V" dia_top)
t_check "diamond: base once, first ($got)" [ "$got" = "dia_base dia_left dia_right dia_top" ]
got=$(plan_names "$R" "$V" fsx)
t_check "softdep alias: every provider before, post after, builtin skipped ($got)" \
	[ "$got" = "hashy_fast hashy_generic chain_c fsx fsx_helper" ]
got=$(plan_names "$R" "$V" cyc_one)
t_check "softdep cycle: both, once ($got)" [ "$got" = "cyc_two cyc_one" ]

# --- the plan's fields -------------------------------------------------------------------
plan "$R" "$V" fsx >"$T_TMP/plan"
t_grep "plan starts with the magic and version" '^mkinitramfs-plan	1$' "$T_TMP/plan"
t_check "plan: magic is the first line" [ "$(head -n1 "$T_TMP/plan")" = "mkinitramfs-plan	1" ]
t_grep "plan has the kernel version" "^K	$V\$" "$T_TMP/plan"
t_grep "softdep providers are flagged 's'" '^M	hashy_fast	[^	]*	as	-	$' "$T_TMP/plan"
t_grep "fsx is loaded at boot after its closure" '^M	fsx	/lib/modules/1.0-test/kernel/drivers/misc/fsx.ko	a	0,1,2	$' "$T_TMP/plan"
plan "$R" "$V" "nbd extra=1" >"$T_TMP/plan"
# modprobe.d files are read in the order of their names, whatever the directory.
t_grep "options first, then the configuration's parameters" '^M	nbd	[^	]*	a	-	max_part=8 nbds_max=16 extra=1$' "$T_TMP/plan"
plan "$R" "$V" "upd_user" >"$T_TMP/plan"
t_grep "updates/ wins over the in-tree module" '^M	upd	/lib/modules/1.0-test/updates/upd.ko	' "$T_TMP/plan"
plan "$R" "$V" comp_zst >"$T_TMP/plan"
t_grep "compressed modules are planned without their suffix" '^M	comp_xz	/lib/modules/1.0-test/kernel/drivers/misc/comp_xz.ko	a	' "$T_TMP/plan"
plan --match "$R" "$V" netcard_b fsx >"$T_TMP/plan"
t_grep "on-match modules are flagged 'm'" '^M	netcard_b	[^	]*	m	-	$' "$T_TMP/plan"
t_grep "their modalias patterns are A records" '^A	pci:v00001234d0000000\*sv\*sd\*bc\*sc\*i\*	0$' "$T_TMP/plan"
t_grep "a post softdep of an on-match module follows its patterns" '^A	fs-fsx	[0-9]+$' "$T_TMP/plan"
idx=$(awk -F'\t' '$1 == "M" { if ($2 == "fsx_helper") print n; n++ }' "$T_TMP/plan")
t_grep "post softdep fsx_helper is loaded on the same match" "^A	fs-fsx	$idx\$" "$T_TMP/plan"
n=$(plan "$R" "$V" hashy | grep -c '^M')
t_check "alias matching two modules brings both ($n)" [ "$n" -eq 2 ]
plan "$R" "$V" pci:v00001234d00000001sv0sd0bc0sc0i0 >"$T_TMP/plan"
t_grep "a modalias request resolves by pattern" '^M	netcard_a	' "$T_TMP/plan"
t_check "a modalias request brings every match" [ "$(grep -c '^M' "$T_TMP/plan")" -eq 2 ]

# --- blacklist, builtins, optional and missing -------------------------------------------
got=$(plan_names "$R" "$V" net-fake)
t_check "an alias never brings a blacklisted module ($got)" [ "$got" = "netcard_a netcard_b" ]
got=$(plan_names "$R" "$V" netcard_bad)
t_check "a blacklisted module asked by name is in ($got)" [ "$got" = "netcard_bad" ]
"$TOOL" --explain "$R" "$V" net-fake fs-bi "nosuch?" >"$T_TMP/explain" 2>&1
t_grep "explain: blacklisted" "^module 'netcard_bad': blacklisted, left out \(alias 'net-fake' asked by config\)" "$T_TMP/explain"
t_grep "explain: builtin satisfied" "^module 'bi_thing': builtin, asked by config" "$T_TMP/explain"
t_grep "explain: optional missing" "^module 'nosuch': not found, optional" "$T_TMP/explain"
got=$(plan_names "$R" "$V" bi_thing "nosuch?")
t_check "builtin and optional-missing add no module ('$got')" [ -z "$got" ]
"$TOOL" --plan "$R" "$V" chain_a nosuch >"$T_TMP/out" 2>"$T_TMP/err"
t_check "a missing required module fails" [ $? -eq 1 ]
t_grep "and says which and where" "^mkinitramfs: error: module 'nosuch' not found in '$R/lib/modules/$V' \(asked by config\)\$" "$T_TMP/err"
"$TOOL" --explain "$R" "$V" my-disk >"$T_TMP/explain" 2>&1
t_grep "explain: why each module is in" "^module 'dia_base' \[a\]: dependency of 'dia_top', dependency of 'dia_left', dependency of 'dia_right'" "$T_TMP/explain"
t_grep "explain: config alias" "^module 'dia_top' \[a\]: asked by config as alias 'my-disk'" "$T_TMP/explain"
t_grep "explain: totals" '^total: 4 modules, 0 firmware files \(0 missing\), [0-9]+ bytes' "$T_TMP/explain"

# --- staged files ----------------------------------------------------------------------------
"$TOOL" --stage "$R" "$V" fw_user comp_zst fsx >"$T_TMP/stage" 2>"$T_TMP/err"
t_check "staging fw_user succeeds" [ $? -eq 0 ]
t_grep "module file staged as is" "^lib/modules/$V/kernel/drivers/misc/fw_user.ko 100644 $R/lib/modules/$V/kernel/drivers/misc/fw_user.ko\$" "$T_TMP/stage"
t_grep "xz module staged decompressed without suffix" "^lib/modules/$V/kernel/drivers/misc/comp_xz.ko 100644 decompress\$" "$T_TMP/stage"
t_grep "zstd module staged decompressed without suffix" "^lib/modules/$V/kernel/drivers/misc/comp_zst.ko 100644 decompress\$" "$T_TMP/stage"
t_grep "firmware file" "^lib/firmware/fw-a.bin 100644 $R/lib/firmware/fw-a.bin\$" "$T_TMP/stage"
t_grep "firmware symlink kept as a symlink" '^lib/firmware/vendor/fw-link.bin 120777 real/fw-b.bin$' "$T_TMP/stage"
t_grep "an absolute link resolved inside the root" '^lib/firmware/fw-abs.bin 120777 vendor/real/fw-b.bin$' "$T_TMP/stage"
t_grep "its target from /usr/lib/firmware, in /lib/firmware" "^lib/firmware/vendor/real/fw-b.bin 100644 $R/usr/lib/firmware/vendor/real/fw-b.bin\$" "$T_TMP/stage"
t_grep "xz firmware kept compressed (the kernel reads it)" "^lib/firmware/fw-xz.bin.xz 100644 $R/lib/firmware/fw-xz.bin.xz\$" "$T_TMP/stage"
t_grep "zstd firmware decompressed (this kernel cannot)" "^lib/firmware/fw-zst.bin 100644 decompress\$" "$T_TMP/stage"
t_nogrep "a link out of the firmware directories is not followed" 'fw-escape|hostname|passwd' "$T_TMP/stage"
t_grep "missing firmware: one summary count" '^moddep-closure: warning: 2 firmware files not found$' "$T_TMP/err"
t_grep "plan staged at ABI_PLAN_PATH" '^etc/mkinitramfs/plan 100644 data$' "$T_TMP/stage"
for f in modules.dep modules.alias modules.softdep modules.order modules.builtin modules.builtin.modinfo; do
	t_grep "$f staged" "^lib/modules/$V/$f " "$T_TMP/stage"
done
"$TOOL" --explain "$R" "$V" fw_user >"$T_TMP/explain" 2>&1
t_grep "explain: missing firmware named" "^firmware 'fw-missing.bin' of module 'fw_user': not found" "$T_TMP/explain"
t_grep "explain: escaping link counted missing" "^firmware 'fw-escape.bin' of module 'fw_user': not found" "$T_TMP/explain"
t_grep "explain: firmware totals" '^total: 1 modules, 4 firmware files \(2 missing\)' "$T_TMP/explain"

# --- gzip modules: read without libkmod (Debian's has no zlib), staged decompressed ----
got=$(plan_names "$R" "$V" comp_zst)
t_check "xz -> gz -> zst chain in dependency order ($got)" [ "$got" = "comp_xz comp_gz comp_zst" ]
t_check "a gzip module by name" [ "$(plan_names "$R" "$V" comp_gz)" = "comp_xz comp_gz" ]
t_check "a gzip module by alias" [ "$(plan_names "$R" "$V" comp-gzip)" = "comp_xz comp_gz" ]
plan "$R" "$V" fw-gzip >"$T_TMP/plan"
t_grep "a gzip module planned without its suffix" \
	"^M	gz_fw	/lib/modules/$V/kernel/drivers/misc/gz_fw\.ko	a	" "$T_TMP/plan"
"$TOOL" --explain "$R" "$V" fw-gzip >"$T_TMP/explain" 2>&1
t_grep "explain: the gzip module's firmware" "^firmware 'lib/firmware/fw-gz\.bin'\$" "$T_TMP/explain"
printf 'MODULES=(comp_zst fw-gzip)\n' >"$T_TMP/gz.conf"
if "$MKINITRAMFS" -q -k "$V" -r "$R" -c "$T_TMP/gz.conf" -g "$T_TMP/gz.img" 2>"$T_TMP/err"; then
	t_pass "an image with gzip modules builds"
else
	t_fail "an image with gzip modules builds"
	sed 's/^/    | /' "$T_TMP/err"
fi
mkdir -p "$T_TMP/gz" && bsdtar -xf "$T_TMP/gz.img" -C "$T_TMP/gz"
IM=$T_TMP/gz/lib/modules/$V
MISCM=kernel/drivers/misc
for mod in comp_gz gz_fw; do
	t_check "image: $mod.ko" [ -f "$IM/$MISCM/$mod.ko" ]
	t_check "image: $mod.ko is a relocatable ELF" \
		bash -c "LC_ALL=C readelf -h '$IM/$MISCM/$mod.ko' | grep -q 'Type: *REL'"
	t_check "image: $mod.ko is 'gzip -dc' of the tree's" \
		cmp -s "$IM/$MISCM/$mod.ko" <(gzip -dc "$M/$MISCM/$mod.ko.gz")
done
t_check "image: no .gz file" [ -z "$(find "$T_TMP/gz" -name '*.gz')" ]
t_check "image: the gzip module's firmware" cmp -s "$T_TMP/gz/lib/firmware/fw-gz.bin" "$R/lib/firmware/fw-gz.bin"
t_grep "image: modules.dep (busybox modprobe) names the decompressed files" \
	"^$MISCM/comp_zst\.ko: $MISCM/comp_gz\.ko $MISCM/comp_xz\.ko\$" "$IM/modules.dep"
t_grep "image: modules.dep has the gzip module itself" "^$MISCM/comp_gz\.ko: $MISCM/comp_xz\.ko\$" \
	"$IM/modules.dep"
t_nogrep "image: modules.dep names no .gz" '\.gz' "$IM/modules.dep"

# --- the build host's kernel command line (libkmod reads it) stays out of the plan -------
tok=$(tr ' ' '\n' </proc/cmdline | grep -E '^[A-Za-z0-9_]+\.[A-Za-z0-9_]+=[^"]*$' | head -n1)
if [ -n "$tok" ]; then
	hm=${tok%%.*}
	printf 'module %s\nfile etc/modprobe.d/o.conf options %s from_conf=1\n' "$hm" "$hm" >"$T_TMP/kc.spec"
	"$TOP/tests/fixtures/mktree.sh" "$T_TMP/kc.spec" "$T_TMP/kc" "$V"
	plan "$T_TMP/kc" "$V" "$hm" >"$T_TMP/plan"
	t_grep "modprobe.d options kept, host's '$tok' left out" "^M	${hm//-/_}	[^	]*	a	-	from_conf=1\$" "$T_TMP/plan"
else
	echo "# the host's command line has no module option to test with"
fi

# --- bad input -------------------------------------------------------------------------------
"$TOOL" --plan "$R" 9.9-none chain_a >/dev/null 2>"$T_TMP/err"
t_grep "a kernel version that does not exist" "cannot open '$R/lib/modules/9.9-none': No such file or directory" "$T_TMP/err"
mkdir -p "$T_TMP/nodep/lib/modules/$V"
cp "$M/modules.dep" "$T_TMP/nodep/lib/modules/$V/"
"$TOOL" --plan "$T_TMP/nodep" "$V" chain_a >/dev/null 2>"$T_TMP/err"
t_grep "a tree depmod never indexed" "cannot open '$T_TMP/nodep/lib/modules/$V': Exec format error" "$T_TMP/err"
rm "$M/kernel/drivers/misc/chain_b.ko"
"$TOOL" --plan "$R" "$V" chain_a >/dev/null 2>"$T_TMP/err"
t_check "an unreadable module file fails the build" [ $? -eq 1 ]
t_grep "naming the file" "^mkinitramfs: error: cannot resolve the module closure: '$M/kernel/drivers/misc/chain_b.ko': No such file or directory\$" "$T_TMP/err"
t_report
