#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The LVM root benchmark of `make bench` (issue 14): image size and boot time to the
# root's init for one ext4 root on an LV of a one-PV volume group, on one VM:
# mkinitramfs (lvm2 hook), initramfs-tools with lvm2 installed (its lvm2 scripts and udev
# rules go in by themselves) and dracut with its lvm module. The disk is made offline as
# tests/integration/boot_lvm.sh makes its disks (tests/boot/lvm.bash). Prints a Markdown
# section; a tool that fails is reported with its reason. Nothing is asserted.
# Knobs: BENCH_BOOTS (3), BENCH_BOOT_TIMEOUT (180 s).

# One compound command, read whole before it runs.
{
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/../lib.sh"
source "$here/../boot/lib.sh"
bench_private_mounts "$@"

t_fixture
bench_part lvm initramfs-tools+lvm2 dracut+lvm2

# The test suites' set-up: the root's init, the build root LROOT with copy_in (from
# luks.bash, as boot_lvm.sh has it), and the offline LVM tools (lvm.bash).
t_fail() { echo "bench: error: $*" >&2; }
source "$here/../boot/luks.bash"
source "$here/../boot/lvm.bash"
BOOT_TIMEOUT=${BENCH_BOOT_TIMEOUT:-180} # luks.bash sets the tests' own
# lvm.bash's trap would remove the logs with T_TMP.
trap 'detach_all; bench_part_cleanup' EXIT
bench_part_root

# The disk: VG "benchvg" on the whole disk, LV "root" holding the ext4 root.
DISKF=$W/work/lvm.img
truncate -s 64M "$DISKF"
attach "$DISKF" && lvm_q pvcreate "$LOOP" && lvm_q vgcreate -s 1M benchvg "$LOOP" &&
	lvm_q lvcreate -an -Zn -y -L 48M -n root benchvg || { detach_all; exit 1; }
mk_ext4 "$W/work/root.img" 48M -L lvmroot
put "$W/work/root.img" "$DISKF" benchvg root || { detach_all; exit 1; }
detach_all
rm -f "$W/work/root.img"
BENCH_QEMU=(-drive "file=$DISKF,format=raw,if=virtio,snapshot=on")
DRIVERS="virtio_pci virtio_blk ext4"

# mkinitramfs: the lvm2 hook takes the build root's lvm with its libraries.
LVMBIN=$(command -v lvm)
copy_in "$LVMBIN" $(ldd "$LVMBIN" | awk '/=> \// { print $3 }')
printf 'HOOKS=(base lvm2)\nMODULES=(%s)\n' "$DRIVERS" >"$W/work/ours.conf"
gen_ours() {
	"$MKINITRAMFS" -k "$KVER" -r "$LROOT" -c "$W/work/ours.conf" -g "$W/ours.img"
}
# initramfs-tools: lvm2's hook and local-top script activate the root's VG.
gen_itools() { bench_itools itools; }
gen_dracut() { bench_dracut dracut --no-hostonly --add lvm --drivers "$DRIVERS"; }

ids=(ours itools dracut)
declare -A label=(
	[ours]="mkinitramfs HOOKS=(base lvm2) MODULES=($DRIVERS)"
	[itools]="initramfs-tools + lvm2 (MODULES=most)"
	[dracut]="dracut --no-hostonly --add lvm --drivers \"$DRIVERS\""
)
declare -A append=(
	[ours]="root=/dev/benchvg/root"
	[itools]="root=/dev/mapper/benchvg-root"
	[dracut]="root=/dev/mapper/benchvg-root rd.lvm.lv=benchvg/root"
)
bench_build "${ids[@]}"
bench_boots "${ids[@]}"

echo
echo "## LVM root"
echo
echo "One ext4 root on the LV benchvg/root (one PV, the whole virtio disk), activated by"
echo "each tool's own LVM support; the same kernel and VM as above, \`console=ttyS0"
echo "quiet\`; median of $BOOTS boots."
echo
echo "| image | compressed | uptime at the root's init | wall from QEMU start |"
echo "| --- | --- | --- | --- |"
bench_rows "${ids[@]}"
exit 0
}
