#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A generic image for Debian 12's 6.1 (no CONFIG_MODULE_DECOMPRESS): its on-demand
# modules are compressed one by one (.ko.zst, plan flag 'u') into the uncompressed first
# segment with the unzstd helper, byte for byte the fixture's modules once decompressed;
# modules loaded at every boot stay in the compressed archive; MODULES_DECOMPRESS=yes,
# autodetect, a small set of modules and a kernel without config keep the old layout.
# The boots that load them are in presets_boot.sh.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
cd "$T_TMP" || exit 1
t_fixture
KMOD=$KROOT/lib/modules/$KVER

# build NAME [CONF LINES...]: NAME.img, its -v log, listing, analysis and extraction.
build() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$name.conf"
	"$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c "$name.conf" -g "$name.img" -v \
		>"$name.log" 2>&1 || return 1
	"$MKINITRAMFS" -l "$name.img" >"$name.list" 2>&1
	"$MKINITRAMFS" -a "$name.img" >"$name.a" 2>&1
	"$MKINITRAMFS" -x "$name.img" "$name.x" >/dev/null 2>&1
}

t_check "generic: builds" build generic 'MODULES=(virtio_blk)' 'HOOKS=(base block filesystems)'
n_lazy=$(grep -c $'^M\t[^\t]*\t[^\t]*\\.ko\\.zst\t[^\t]*u' generic.x/etc/mkinitramfs/plan)
t_check "generic: many modules flagged 'u' ($n_lazy)" test "$n_lazy" -gt 50
t_grep "generic: -v says so" "modules: $n_lazy compressed one by one \(zstd\) in the uncompressed first segment" generic.log
t_grep "generic: -a counts them" "^ +$n_lazy compressed one by one \[u\], decompressed at boot by '/lib/mkinitramfs/unzstd'" generic.a
t_grep "generic: an uncompressed first segment" '^  0: none ' generic.a
t_grep "generic: the rest compressed" '^  1: zstd ' generic.a
t_grep "generic: the unzstd helper is in" ' /lib/mkinitramfs/unzstd$' generic.list
t_check "generic: the helper is the built one" cmp -s "$B/unzstd" generic.x/lib/mkinitramfs/unzstd
t_grep "generic: virtio_blk (MODULES=, loaded at every boot) is a plain .ko" \
	$'^M\tvirtio_blk\t[^\t]*/virtio_blk\\.ko\ta\t' generic.x/etc/mkinitramfs/plan
t_grep "generic: xfs (on request) is a .ko.zst" $'^M\txfs\t[^\t]*/xfs\\.ko\\.zst\tru\t' \
	generic.x/etc/mkinitramfs/plan
# The image's modules.dep names the .ko the init makes before a shell, for modprobe.
t_grep "generic: modules.dep names xfs.ko, not its .ko.zst" '^kernel/fs/xfs/xfs\.ko:' \
	generic.x/lib/modules/"$KVER"/modules.dep
t_nogrep "generic: modules.dep names no .ko.zst" '\.ko\.zst' \
	generic.x/lib/modules/"$KVER"/modules.dep
t_nogrep "generic: no module flagged both 'a' (not 'k') and 'u'" \
	$'^M\t[^\t]*\t[^\t]*\t[^k\t]*a[^k\t]*u[^k\t]*\t' generic.x/etc/mkinitramfs/plan
# Each .ko.zst is one frame saying its size, the fixture's module once decompressed.
bad=0
for z in generic.x/lib/modules/"$KVER"/kernel/fs/{xfs/xfs,btrfs/btrfs,ext4/ext4}.ko.zst; do
	rel=${z#generic.x/lib/modules/"$KVER"/}
	zstd -lv "$z" 2>/dev/null | grep -q 'Decompressed Size:' || bad=1
	zstd -dc "$z" 2>/dev/null | cmp -s - "$KMOD/${rel%.zst}" || bad=1
done
t_check "generic: .ko.zst frames decompress to the fixture's modules, sizes stated" test $bad -eq 0
# The helper on the extracted image, as the init runs it.
"$B/unzstd" generic.x/lib/modules/"$KVER"/kernel/fs/xfs/xfs.ko.zst >helper.out 2>&1
t_check "generic: unzstd writes xfs.ko from the image's xfs.ko.zst" \
	cmp -s generic.x/lib/modules/"$KVER"/kernel/fs/xfs/xfs.ko "$KMOD/kernel/fs/xfs/xfs.ko"

t_check "yes: builds" build yes 'MODULES=(virtio_blk)' 'HOOKS=(base block filesystems)' \
	'MODULES_DECOMPRESS=yes'
t_nogrep "yes: no .ko.zst" '\.ko\.zst$' yes.list
t_nogrep "yes: no unzstd helper" 'unzstd$' yes.list
t_grep "yes: one segment" '^Segments: +1$' yes.a

t_check "small: builds" build small 'MODULES=(virtio_blk)' 'MODULES_MATCH=(nvme)' 'HOOKS=(base)'
t_nogrep "small: under 4 MiB of on-demand modules: no .ko.zst" '\.ko\.zst$' small.list
t_nogrep "small: no unzstd helper" 'unzstd$' small.list
t_grep "small: nvme is a plain .ko" '/nvme\.ko$' small.list

t_check "host: builds" build host 'MODULES=(virtio_pci virtio_blk ext4)' 'HOOKS=(base)'
t_nogrep "host (MODULES= alone): no .ko.zst" '\.ko\.zst$' host.list
t_grep "host: one segment" '^Segments: +1$' host.a

# No kernel config: what the kernel decompresses is unknown; the old layout.
# (hard links: the module tree without /boot and its config)
mkdir -p noconf && cp -al "$KROOT/lib" noconf/
"$MKINITRAMFS" -k "$KVER" -r "$T_TMP/noconf" -c generic.conf -g noconf.img >noconf.log 2>&1
t_check "no kernel config: builds" test $? -eq 0
"$MKINITRAMFS" -l noconf.img >noconf.list 2>&1
t_nogrep "no kernel config: no .ko.zst" '\.ko\.zst$' noconf.list
t_grep "no kernel config: xfs is a plain .ko" '/xfs\.ko$' noconf.list
t_report
