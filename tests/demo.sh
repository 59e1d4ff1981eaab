#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The main job, as a new user runs it (make demo): fetch the Debian test kernel,
# generate an image with the embedded default configuration below, list it, boot it in
# QEMU on a virtio-blk ext4 root and show the root's marker and the init's timing line.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
t_tmpdir
trap 'rm -rf "$T_TMP"' EXIT
t_fixture
source "$TOP/tests/boot/lib.sh"

echo "== kernel: $KVER (from $KROOT)"
boot_setup || { echo "demo: cannot build the test root's init" >&2; exit 1; }
mk_ext4 "$BW/root.img" 64M -L demoroot

# The embedded default: a generic image (storage drivers load when their device shows
# up), the filesystems, and an explicit module with a parameter.
cat >"$BW/demo.conf" <<'CONF'
MODULES=("nbd nbds_max=32")
HOOKS=(base modconf block filesystems)
COMPRESSION="zstd"
CONF
echo "== configuration"
cat "$BW/demo.conf"

img=$B/demo/initramfs.img
mkdir -p "$B/demo"
echo "== mkinitramfs -k $KVER -r $KROOT -c demo.conf -g $img"
start=$(date +%s%N)
if ! "$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c "$BW/demo.conf" -g "$img"; then
	echo "demo: image generation failed" >&2
	exit 1
fi
end=$(date +%s%N)
echo "   built in $(((end - start) / 1000000)) ms, $(stat -c %s "$img") bytes," \
	"$("$MKINITRAMFS" -l "$img" | grep -c '\.ko$') modules"
echo "== mkinitramfs -l (first lines)"
"$MKINITRAMFS" -l "$img" | head -n 12

echo "== booting in qemu-system-x86_64 -accel tcg (virtio-blk, ext4, root=LABEL=demoroot)"
qemu_boot "$BW/boot.log" "$img" "root=LABEL=demoroot" \
	-drive "file=$BW/root.img,format=raw,if=virtio"
grep -E 'initramfs: (timing|loaded|root)|ROOTINIT (uptime|root=|nbds_max|done)' \
	"$BW/boot.log" | sed 's/^/   /'
if grep -q '^ROOTINIT done' "$BW/boot.log"; then
	echo "== demo: the image booted the root (full console log: $B/boot-logs/boot.log)"
	exit 0
fi
echo "== demo: the boot did not reach the root; last console lines:" >&2
tail -n 30 "$BW/boot.log" >&2
exit 1
