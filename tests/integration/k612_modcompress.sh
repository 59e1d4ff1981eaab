#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Modules kept compressed when the target kernel decompresses them (MODULES_DECOMPRESS,
# default auto): decided per kernel from its config (CONFIG_MODULE_DECOMPRESS and the
# format's CONFIG_MODULE_COMPRESS_*) and per module file, on Debian 13's 6.12 tree,
# copies of it with other configs, Debian 12's 6.1 tree, and a fake tree with .ko.zst.
# The boots that load kept modules are in boot_k612.sh.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
cd "$T_TMP" || exit 1
read -r KROOT KVER < <("$TOP/tests/kernel-fixture.sh" --kernel trixie)
[ -n "${KVER:-}" ] || { t_fail "no Debian 13 kernel fixture"; exit 1; }
KRE=$(printf '%s' "$KVER" | sed 's/[.+]/\\&/g') # the version as an ERE

# build NAME ROOT KVER [CONF LINES...]: image NAME.img, -v output in NAME.log, listing
# in NAME.list, plan in NAME.plan; returns the generator's exit status.
build() {
	local name=$1 root=$2 kver=$3 rc
	shift 3
	{
		echo 'MODULES=(virtio_blk ext4)'
		echo 'HOOKS=(base)'
		printf '%s\n' "$@"
	} >"$name.conf"
	"$MKINITRAMFS" -k "$kver" -r "$root" -c "$name.conf" -g "$name.img" -v >"$name.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || return $rc
	"$MKINITRAMFS" -l "$name.img" >"$name.list" 2>&1
	rm -rf "$name.x"
	"$MKINITRAMFS" -x "$name.img" "$name.x" >/dev/null 2>&1
	cp "$name.x/etc/mkinitramfs/plan" "$name.plan"
}
kept() { grep -c '\.ko\.xz$' "$1.list"; }

build auto "$KROOT" "$KVER"
t_check "6.12, auto: builds" test $? -eq 0
t_check "6.12, auto: all 7 modules kept as .ko.xz ($(kept auto))" test "$(kept auto)" -eq 7
t_grep "6.12, auto: in an uncompressed first segment" '^# segment 0: none$' auto.list
t_grep "6.12, auto: the plan flags them 'z'" $'^M\text4\t/lib/modules/[^\t]*/ext4\\.ko\\.xz\taz\t' auto.plan
t_grep "6.12, auto: -v says why" \
	"modules: 7 kept compressed in the uncompressed first segment, loaded with MODULE_INIT_COMPRESSED_FILE \\(.*/boot/config-" auto.log
t_grep "6.12, auto: the rescue shell's modules.dep names the files as they are" \
	'^kernel/fs/ext4/ext4\.ko\.xz: ' auto.x/lib/modules/*/modules.dep

build yes "$KROOT" "$KVER" MODULES_DECOMPRESS=yes
t_check "6.12, MODULES_DECOMPRESS=yes: none kept" test "$(kept yes)" -eq 0
t_grep "6.12, yes: modules decompressed in the main archive" '/ext4\.ko$' yes.list
t_nogrep "6.12, yes: one segment" '^# segment' yes.list
t_nogrep "6.12, yes: no 'z' flag" $'^M\t[^\t]*\t[^\t]*\t[a-y]*z' yes.plan
t_grep "6.12, yes: -v says so" 'modules: decompressed at build \(MODULES_DECOMPRESS=yes\)' yes.log
t_check "6.12: the kept image is smaller than the recompressed one" \
	test "$(stat -c %s auto.img)" -lt "$(stat -c %s yes.img)"

# A copy of the tree whose config has no CONFIG_MODULE_DECOMPRESS.
mkdir -p nodec && cp -al "$KROOT/." nodec/ && rm nodec/boot/config-"$KVER"
sed 's/^CONFIG_MODULE_DECOMPRESS=y$/# CONFIG_MODULE_DECOMPRESS is not set/' \
	"$KROOT/boot/config-$KVER" >nodec/boot/config-"$KVER"
build nodec "$T_TMP/nodec" "$KVER"
t_check "a kernel without CONFIG_MODULE_DECOMPRESS, auto: decompressed" test "$(kept nodec)" -eq 0
t_grep "... and -v names the config" "modules: decompressed at build: '.*/nodec/boot/config-$KRE' has no CONFIG_MODULE_DECOMPRESS=y" nodec.log
build nodec-no "$T_TMP/nodec" "$KVER" MODULES_DECOMPRESS=no
t_check "MODULES_DECOMPRESS=no against such a kernel fails" test $? -eq 1
t_grep "... naming the kernel, a module and the config" \
	"^mkinitramfs: error: MODULES_DECOMPRESS=no, but kernel '$KRE' cannot decompress module '.*\\.ko\\.xz' itself: its config '.*/nodec/boot/config-.*' lacks CONFIG_MODULE_DECOMPRESS=y or the option of '\\.xz'" \
	nodec-no.log
t_check "... and writes no image" test ! -e nodec-no.img

# A kernel built for zstd modules with DECOMPRESS cannot take .ko.xz: decompressed.
mkdir -p zstdk && cp -al "$KROOT/." zstdk/ && rm zstdk/boot/config-"$KVER"
sed -e 's/^CONFIG_MODULE_COMPRESS_XZ=y$/# CONFIG_MODULE_COMPRESS_XZ is not set/' \
	-e 's/^# CONFIG_MODULE_COMPRESS_ZSTD is not set$/CONFIG_MODULE_COMPRESS_ZSTD=y/' \
	"$KROOT/boot/config-$KVER" >zstdk/boot/config-"$KVER"
build zstdk zstdk "$KVER"
t_check "a kernel that decompresses only zstd gets the .ko.xz decompressed" test "$(kept zstdk)" -eq 0

# No config anywhere: auto decompresses; no keeps (the user's word).
mkdir -p nocfg && cp -al "$KROOT/." nocfg/ && rm nocfg/boot/config-"$KVER"
build nocfg nocfg "$KVER"
t_check "no kernel config, auto: decompressed" test "$(kept nocfg)" -eq 0
t_grep "... and -v says no config was found" 'modules: decompressed at build: no kernel config in' nocfg.log
build nocfg-no nocfg "$KVER" MODULES_DECOMPRESS=no
t_check "no kernel config, MODULES_DECOMPRESS=no: kept" test "$(kept nocfg-no)" -eq 7
# Fedora's place for the config: lib/modules/KVER/config.
cp "$KROOT/boot/config-$KVER" nocfg/usr/lib/modules/"$KVER"/config
build modcfg nocfg "$KVER"
t_check "the config in the module tree (lib/modules/KVER/config) counts" test "$(kept modcfg)" -eq 7

build bad "$KROOT" "$KVER" MODULES_DECOMPRESS=maybe
t_check "MODULES_DECOMPRESS=maybe is an error" test $? -eq 1
t_grep "... saying what is allowed" "^mkinitramfs: error: MODULES_DECOMPRESS: 'maybe' is not one of yes, no, auto$" bad.log

# Debian 12's 6.1: uncompressed modules, nothing to keep; one segment as before.
t_fixture
build old "$KROOT" "$KVER"
t_check "6.1: builds" test $? -eq 0
t_nogrep "6.1: no module kept compressed" '\.ko\.(xz|zst|gz)$' old.list
t_nogrep "6.1: one segment" '^# segment' old.list
t_grep "6.1: modules in the main archive" '/ext4\.ko$' old.list

# A fake tree with .ko.zst for a zstd-decompressing kernel, and one .ko.xz it cannot.
cat >zst.spec <<'EOF'
module zs_a compress=zst exports=za
module zs_b compress=zst needs=za
module xz_c compress=xz
EOF
"$TOP/tests/fixtures/mktree.sh" zst.spec zt 6.99.0-zst || { t_fail "mktree zst.spec"; exit 1; }
mkdir -p zt/boot
printf 'CONFIG_MODULE_COMPRESS_ZSTD=y\nCONFIG_MODULE_DECOMPRESS=y\n' >zt/boot/config-6.99.0-zst
printf 'MODULES=(zs_b xz_c)\nHOOKS=(base)\n' >zt.conf
t_run 0 "a zstd kernel's tree builds" -k 6.99.0-zst -r zt -c zt.conf -g zt.img -v
"$MKINITRAMFS" -l zt.img >zt.list
t_grep "its .ko.zst are kept" '/zs_a\.ko\.zst$' zt.list
t_grep "its .ko.xz is decompressed (the kernel has no xz for modules)" '/xz_c\.ko$' zt.list
t_report
