#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# LVM roots, booted: the real Debian kernel under QEMU TCG, one image with Debian's lvm
# and cryptsetup (hooks lvm2 and encrypt). The disks are made here with the host's
# real lvm2 and cryptsetup, offline (this machine's kernel has no device-mapper): PVs,
# VGs and LVs on loop devices with activation off, each filesystem written at its LV's
# first extent. Root by /dev/VG/LV and by UUID= with rd.lvm.lv=, LVM on LUKS, LUKS on
# LVM, hibernation to a swap LV and resume from it, and a volume group whose second PV
# is missing.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
source "$TOP/tests/boot/luks.bash"
build_hibinit

source "$TOP/tests/boot/lvm.bash"

UROOT=5c1e7a02-4b3d-4e8f-9a6b-0d2c4e6f8a11
ULUKS=6d2f8b13-5c4e-4f90-8b7c-1e3d5f7a9b22
build_disks() {
	# A: VG "vg-sys" (dashes: its dm names double them): LV "root-lv" with an ext4
	# root, LV "crypt" with a LUKS2 container holding another ext4 root, LV "swap".
	truncate -s 200M "$BW/a.img"
	attach "$BW/a.img" || return 1
	lvm_q pvcreate "$LOOP" && lvm_q vgcreate -s 1M vg-sys "$LOOP" &&
		lvm_q lvcreate -an -Zn -y -L 20M -n root-lv vg-sys &&
		lvm_q lvcreate -an -Zn -y -L 60M -n crypt vg-sys &&
		lvm_q lvcreate -an -Zn -y -L 100M -n swap vg-sys || return 1
	truncate -s 100M "$BW/swap.img"
	mkswap -L lvswap "$BW/swap.img" >/dev/null 2>&1 || return 1
	mk_ext4 "$BW/lvroot.img" 20M -L lvroot -U "$UROOT"
	mk_luks "$BW/inlv.img" luksinlv --type luks2 "${pbkdf[@]}"
	cryptsetup luksAddKey "${pbkdf[@]}" --key-file <(printf %s "$PASS") \
		"$BW/inlv.img" "$KEY" >/dev/null || return 1
	put "$BW/lvroot.img" "$BW/a.img" vg-sys root-lv &&
		put "$BW/inlv.img" "$BW/a.img" vg-sys crypt &&
		put "$BW/swap.img" "$BW/a.img" vg-sys swap || return 1
	detach_all
	# B: LVM on LUKS: a PV of VG "vgc" in the first 48 MiB, turned into LUKS2 in
	# place (the last 16 MiB make room for the header).
	truncate -s 64M "$BW/b.img"
	attach "$BW/b.img" 48M || return 1
	lvm_q pvcreate "$LOOP" && lvm_q vgcreate -s 1M vgc "$LOOP" &&
		lvm_q lvcreate -an -Zn -y -L 24M -n root vgc || return 1
	mk_ext4 "$BW/vgcroot.img" 24M -L lvmluks -U "$ULUKS"
	put "$BW/vgcroot.img" "$BW/b.img" vgc root || return 1
	detach_all
	cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 16M "${pbkdf[@]}" \
		--key-file "$KEY" "$BW/b.img" >/dev/null || return 1
	# E1+E2: VG "vgm" on two PVs, its LV spanning both; E2 is never attached.
	truncate -s 16M "$BW/e1.img" "$BW/e2.img"
	attach "$BW/e1.img" && attach "$BW/e2.img" || return 1
	lvm_q pvcreate "${LOOPS[0]}" "${LOOPS[1]}" &&
		lvm_q vgcreate -s 1M vgm "${LOOPS[0]}" "${LOOPS[1]}" &&
		lvm_q lvcreate -an -Zn -y -L 24M -n root vgm || return 1
	detach_all
}
if ! build_disks; then
	detach_all
	t_fail "cannot make the LVM disks"
	exit 1
fi
UB=$(cryptsetup luksUUID "$BW/b.img")
t_check "the LVM-on-LUKS disk was made (UUID $UB)" test -n "$UB"
t_check "no loop device is left attached" test -z "$(losetup -j "$BW/a.img")$(losetup -j "$BW/e1.img")"

# The build root: the fixture kernel, cryptsetup (luks.bash) and lvm with its libraries.
LVMBIN=$(command -v lvm)
copy_in "$LVMBIN" $(ldd "$LVMBIN" | awk '/=> \// { print $3 }')
cat >lvm.conf <<EOC
HOOKS=(base encrypt lvm2)
MODULES=(virtio_pci virtio_blk ext4)
FILES=(/etc/root.key)
COMPRESSION=zstd
EOC
gen lvm.conf lvm.img || exit 1
"$MKINITRAMFS" -l lvm.img >lvm.list
t_grep "the image has lvm" " $LVMBIN$" lvm.list
t_grep "the image has libdevmapper" '/libdevmapper\.so\.1\.02\.1$' lvm.list
t_grep "the image has dm-mod (linear and striped are part of it)" '/dm-mod\.ko$' lvm.list
bsdtar -xOf lvm.img etc/mkinitramfs/plan >lvm.plan 2>/dev/null
t_grep "the plan tells the init to run lvm without udev" \
	$'^L\t'"$LVMBIN"$'\t.*obtain_device_list_from_udev=0.*udev_sync=0 udev_rules=0' lvm.plan
echo "# image size: lvm2 and encrypt hooks $(stat -c %s lvm.img) bytes"

DA="file=$BW/a.img,format=raw,if=virtio,snapshot=on"
DB="file=$BW/b.img,format=raw,if=virtio,snapshot=on"
DE="file=$BW/e1.img,format=raw,if=virtio,snapshot=on"
NT=no_timer_check

# 1. root=/dev/VG/LV, with a hibernation to the swap LV on a copy of the disk at the
# same time (h1), resumed from while 2. root=UUID= with rd.lvm.lv= boots (h2).
cp --sparse=always "$BW/a.img" "$BW/a-hib.img"
DH="file=$BW/a-hib.img,format=raw,if=virtio"
HIBCMD="$NT root=/dev/vg-sys/root-lv resume=/dev/vg-sys/swap init=/sbin/hibinit"
qemu_boot "$BW/lvm-path.log" lvm.img "$NT root=/dev/vg-sys/root-lv" -drive "$DA" &
qemu_boot "$BW/lvm-hib1.log" lvm.img "$HIBCMD" -drive "$DH" &
wait
TOKEN=$(sed -n 's/^HIBINIT fresh start token=//p' "$BW/lvm-hib1.log")
if [ -n "$TOKEN" ]; then
	qemu_boot "$BW/lvm-hib2.log" lvm.img "$HIBCMD" -drive "$DH" &
fi
qemu_boot "$BW/lvm-uuid.log" lvm.img "$NT root=UUID=$UROOT rd.lvm.lv=vg-sys/root-lv" -drive "$DA" &
wait
L=$BW/lvm-hib1.log
t_grep "hib1: the swap LV is handed to the kernel (no image yet)" \
	"resume: '/dev/dm-[0-9]+' \(swap\) holds no hibernation image signature" "$L"
t_grep "hib1: the root hibernated to the swap LV" '^HIBINIT fresh start token=' "$L"
t_nogrep "hib1: the hibernation wrote (its write did not return)" '^HIBINIT after' "$L"
if [ -n "$TOKEN" ]; then
	L=$BW/lvm-hib2.log
	t_grep "hib2: the hibernation image is found on the LV" \
		"resume: '/dev/dm-[0-9]+' holds a hibernation image, resuming from it" "$L"
	t_grep "hib2: the hibernated root runs on with its memory intact" \
		"^HIBINIT after hibernation token=$TOKEN\$" "$L"
	t_nogrep "hib2: nothing mounted the root before the resume" \
		"mounted '/dev/dm-[0-9]+' on '/new_root'" "$L"
else
	t_fail "hib2: no token from the first boot, cannot resume"
fi
L=$BW/lvm-path.log
t_grep "path: the PV is found and lvm runs" "LVM PV '/dev/vda': lvm vgchange" "$L"
t_grep "path: root is the LV's dm device" \
	"root '/dev/vg-sys/root-lv' is '/dev/dm-[0-9]+' \(ext4\)" "$L"
t_grep "path: the root's init ran" '^ROOTINIT done' "$L"
t_grep "path: /dev/VG/LV exists in the real root" \
	'^ROOTINIT rootdev=/dev/vg-sys/root-lv -> /dev/(mapper/vg--sys-root--lv|dm-[0-9]+)$' "$L"
t_grep "path: /dev/mapper has both LVs, dashes doubled" \
	'^ROOTINIT mapper=.* vg--sys-crypt( |$)' "$L"
t_grep "path: /dev/mapper/VG-LV of the root" '^ROOTINIT mapper=.* vg--sys-root--lv( |$)' "$L"
t_grep "path: the root's udev finds the LV ready" \
	'^ROOTINIT udev-dm=.*DM_UDEV_PRIMARY_SOURCE_FLAG=1.*DM_NAME=vg--sys-root--lv E:DM_UUID=LVM-' "$L"
L=$BW/lvm-uuid.log
t_grep "uuid: rd.lvm.lv= makes it lvchange" "LVM PV '/dev/vda': lvm lvchange" "$L"
t_grep "uuid: root=UUID= finds the filesystem on the LV" "root 'UUID=$UROOT' is '/dev/dm-0'" "$L"
t_grep "uuid: the root's init ran" '^ROOTINIT done' "$L"
t_grep "uuid: the LV named is active" '^ROOTINIT mapper=.* vg--sys-root--lv' "$L"
t_nogrep "uuid: the other LV of the VG is not" '^ROOTINIT mapper=.*vg--sys-crypt' "$L"

# 3. The stacks, in one boot with both disks: LVM on LUKS (root: the PV comes out of
# the LUKS volume on vdb) and LUKS on LVM (the LUKS device is an LV of vda, named by its
# /dev/VG/LV path), both keyed by the image's key file. 4. (beside it) A VG whose
# second PV never comes: bounded, named, what was seen listed.
qemu_boot "$BW/lvm-stack.log" lvm.img \
	"$NT root=/dev/mapper/vgc-root rd.luks.name=$UB=pv rd.luks.key=/etc/root.key cryptdevice=/dev/vg-sys/crypt:inner cryptkey=rootfs:/etc/root.key" \
	-drive "$DA" -drive "$DB" &
qemu_boot "$BW/lvm-missing.log" lvm.img "$NT root=/dev/vgm/root rootdelay=5" -drive "$DE" &
wait
L=$BW/lvm-stack.log
t_grep "onluks: the LUKS volume opens" "'/dev/vdb' is unlocked as '/dev/mapper/pv'" "$L"
t_grep "onluks: the PV inside it is found" "LVM PV '/dev/dm-[0-9]+': lvm vgchange" "$L"
t_grep "onluks: root is the LV" "root '/dev/mapper/vgc-root' is '/dev/dm-[0-9]+' \(ext4\)" "$L"
t_grep "underluks: the LV is the LUKS device" \
	"LUKS2 device '/dev/dm-[0-9]+' \(/dev/vg-sys/crypt\) is 'inner'" "$L"
t_grep "underluks: it opens" "'/dev/dm-[0-9]+' is unlocked as '/dev/mapper/inner'" "$L"
t_grep "stack: the root's init ran" '^ROOTINIT done' "$L"
for n in pv vgc-root vg--sys-crypt inner; do
	t_grep "stack: /dev/mapper/$n is there for the real root" "^ROOTINIT mapper=.* $n( |\$)" "$L"
done
t_check "stack: the root's udev finds all 6 dm devices ready" \
	test "$(grep -c '^ROOTINIT udev-dm=.*DM_UDEV_PRIMARY_SOURCE_FLAG=1' "$L")" -eq 6
L=$BW/lvm-missing.log
t_grep "missing: lvm runs for the PV there" "LVM PV '/dev/vda': lvm vgchange" "$L"
t_grep "missing: lvm names the LV it refuses and the PV missing" \
	"Refusing activation of partial LV vgm/root" "$L"
t_grep "missing: lvm names the missing PV" "VG vgm is missing PV [A-Za-z0-9-]{38}" "$L"
t_grep "missing: the wait is bounded" "root device '/dev/vgm/root' did not appear within 5 s" "$L"
t_grep "missing: the init says lvm could not activate all" \
	"LVM: lvm exited with status [0-9]+ after PV '/dev/vda': a volume group is incomplete" "$L"
t_grep "missing: the PV seen is listed with its UUID" "vda \(254:0\) type 'LVM2_member' uuid '[A-Za-z0-9]{32}'" "$L"
t_grep "missing: the boot gives up" "giving up" "$L"
t_nogrep "missing: no root init ran" '^ROOTINIT done' "$L"
