#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The main job, end to end: fetch the real Debian kernel, generate an initramfs with
# build/mkinitramfs (nbd with nbds_max=1024 from the configuration), boot it in QEMU
# on an ext4 virtio disk and show what the kernel, the init and the root's init said.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/boot/lib.sh"

t_tmpdir
t_fixture
boot_setup || exit 1
echo "demo: kernel $KVER from $KROOT"

conf=$BW/demo.conf
cat >"$conf" <<'CONF'
# A host-specific image for a VM with its root on virtio-blk, as one would write it.
MODULES=(virtio_pci virtio_blk ext4 "nbd nbds_max=1024")
COMPRESSION=zstd
CONF
echo "demo: configuration:"
sed 's/^/    /' "$conf"

img=$BW/initramfs-demo.img
start=$(date +%s%N)
if ! "$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c "$conf" -g "$img"; then
	t_fail "demo: mkinitramfs failed"
	exit 1
fi
echo "demo: generated $(stat -c %s "$img") bytes in $((($(date +%s%N) - start) / 1000000)) ms"
"$MKINITRAMFS" -l "$img" | grep -E ' /init$|plan$|\.ko$' | sed 's/^/    /'

mk_ext4 "$BW/root.img" 64M -L demoroot
echo "demo: booting root=LABEL=demoroot in QEMU (TCG), this takes a few seconds"
qemu_boot "$BW/demo.log" "$img" "root=LABEL=demoroot" \
	-drive file="$BW/root.img",format=raw,if=virtio
grep -E 'initramfs: |^ROOTINIT |Kernel panic|qemu exit' "$BW/demo.log" | sed 's/^/    /'
t_grep "demo: the root's init ran" '^ROOTINIT done' "$BW/demo.log"
t_grep "demo: nbds_max from the configuration" '^ROOTINIT nbds_max=1024$' "$BW/demo.log"
t_grep "demo: the init's timing line" 'initramfs: timing: ' "$BW/demo.log"
echo "demo: full serial log kept in $B/boot-logs/demo.log"
