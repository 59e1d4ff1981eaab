#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# md RAID roots, booted: member disks made by the real mdadm inside a VM with the test
# kernel (tests/boot/md-fixture.sh, cached), images carrying Debian's mdadm through the
# mdadm_udev hook. RAID1 by /dev/md/NAME; RAID1 with a disk missing (degraded start
# after the wait, said in the log); RAID5 of three by LABEL= with rd.md.uuid= leaving a
# RAID1 alone; LUKS on RAID1; RAID5 with one disk of three (bounded, named). The RAID
# personalities come through the kernel's request to /sbin/modprobe, only when needed.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
source "$TOP/tests/boot/luks.bash"
BOOT_TIMEOUT=${MD_BOOT_TIMEOUT:-300}
if ! command -v mdadm >/dev/null; then
	t_fail "mdadm is missing: run make deps (package mdadm)"
	exit 1
fi
FIX=$("$TOP/tests/boot/md-fixture.sh" "$KROOT" "$KVER" "$BW/rootfs") || {
	t_fail "the md fixture disks could not be made (tests/boot/md-fixture.sh said why above)"
	exit 1
}
# shellcheck source=/dev/null
source "$FIX/info.env"
t_check "the fixture has a RAID1, a RAID5 and a LUKS-on-RAID1 ($MD_R1_UUID)" \
	test -s "$FIX/r1a" -a -s "$FIX/r5c" -a -s "$FIX/l1b"

# The build root: LROOT (kernel, cryptsetup) plus mdadm with its libraries, the host's
# mdadm.conf (it names no array: the arrays are found by their superblocks) and a key.
MDADM=$(command -v mdadm)
copy_in "$MDADM" $(ldd "$MDADM" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }')
mkdir -p "$LROOT/etc/mdadm"
printf 'HOMEHOST <ignore>\n' >"$LROOT/etc/mdadm/mdadm.conf"
cp "$FIX/key" "$LROOT/etc/md.key"
# md alone (small: the plain boots), and md with LUKS (cryptsetup, dm-crypt).
cat >md.conf <<EOF
HOOKS=(base mdadm_udev)
MODULES=(virtio_pci virtio_blk ext4)
COMPRESSION=zstd
EOF
cat >luks.conf <<EOF
HOOKS=(base mdadm encrypt)
MODULES=(virtio_pci virtio_blk ext4)
FILES=(/etc/md.key)
COMPRESSION=zstd
EOF
gen md.conf md.img || exit 1
gen luks.conf luks.img || exit 1
"$MKINITRAMFS" -l md.img >md.list
t_grep "the image has mdadm" ' /usr/sbin/mdadm$| /sbin/mdadm$' md.list
t_grep "the image has the host's mdadm.conf" ' /etc/mdadm/mdadm\.conf$' md.list
t_grep "the image has the RAID1 personality" '/raid1\.ko$' md.list
t_grep "the image has the RAID5 personality" '/raid456\.ko$' md.list
bsdtar -xOf md.img etc/mkinitramfs/plan >plan.txt
t_grep "the plan tells the init to assemble with mdadm" $'^R\t/(usr/)?sbin/mdadm$' plan.txt
t_grep "the personalities load on demand (their aliases are in the plan)" $'^A\tmd-raid1\t' plan.txt
echo "# image sizes: mdadm_udev $(stat -c %s md.img) bytes, mdadm + encrypt $(stat -c %s luks.img) bytes"

disk() { echo "-drive file=$FIX/$1,format=raw,if=virtio,snapshot=on"; }
A="no_timer_check"
# 1. RAID1, both disks, root=/dev/md/NAME. 2. One disk of two: degraded after the wait.
# shellcheck disable=SC2046
qemu_boot "$BW/r1.log" md.img "$A root=/dev/md/root rootdelay=60" $(disk r1a) $(disk r1b) &
# shellcheck disable=SC2046
qemu_boot "$BW/deg.log" md.img "$A root=UUID=$FS_R1_UUID rootdelay=8" $(disk r1b) &
wait
L=$BW/r1.log
t_grep "r1: each member goes to mdadm" "md member '/dev/vdb' to mdadm --incremental" "$L"
t_grep "r1: root=/dev/md/root is the array" "root '/dev/md/root' is '/dev/md127' \(ext4\)" "$L"
t_grep "r1: the root's init ran" '^ROOTINIT done' "$L"
t_grep "r1: md_mod was loaded" '^ROOTINIT modules=.* md_mod( |$)' "$L"
t_grep "r1: raid1 was loaded" '^ROOTINIT modules=.* raid1( |$)' "$L"
t_grep "r1: raid1 came through the kernel's request to /sbin/modprobe" \
	"modprobe 'md-(raid1|level-1|personality-3)': [0-9]+ module\(s\) loaded from the image" "$L"
t_nogrep "r1: no RAID5 personality was loaded" '^ROOTINIT modules=.* raid456( |$)' "$L"
t_nogrep "r1: no degraded start with both disks" "starting it degraded" "$L"
L=$BW/deg.log
t_grep "degraded: the wait ends with a degraded start, said in the log" \
	"no root yet and an md array is incomplete: starting it degraded" "$L"
t_grep "degraded: root=UUID= finds the filesystem on the degraded array" \
	"root 'UUID=$FS_R1_UUID' is '/dev/md127' \(ext4\)" "$L"
t_grep "degraded: the root's init ran" '^ROOTINIT done' "$L"

# 3. RAID5 of three by LABEL=, rd.md.uuid= names it (the RAID1 disks stay alone).
# 4. LUKS on RAID1: the array comes back, is probed, and is unlocked with a key file.
# shellcheck disable=SC2046
qemu_boot "$BW/r5.log" md.img "$A root=LABEL=mdroot5 rd.md.uuid=$MD_R5_UUID rootdelay=60" \
	$(disk r5a) $(disk r5b) $(disk r5c) $(disk r1a) &
# shellcheck disable=SC2046
qemu_boot "$BW/luks.log" luks.img \
	"$A root=/dev/mapper/root cryptdevice=UUID=$LUKS_UUID:root cryptkey=rootfs:/etc/md.key rootdelay=60" \
	$(disk l1a) $(disk l1b) &
wait
L=$BW/r5.log
t_grep "r5: root=LABEL= is the RAID5 array" "root 'LABEL=mdroot5' is '/dev/md127' \(ext4\)" "$L"
t_grep "r5: rd.md.uuid= leaves the other array's member alone" \
	"md member '/dev/vdd' left alone: not in rd.md.uuid=" "$L"
t_grep "r5: the root's init ran" '^ROOTINIT done' "$L"
t_grep "r5: raid456 was loaded on demand" '^ROOTINIT modules=.* raid456( |$)' "$L"
t_nogrep "r5: raid1 was not" '^ROOTINIT modules=.* raid1( |$)' "$L"
L=$BW/luks.log
t_grep "luks: the LUKS header is found on the array" "LUKS2 device '/dev/md127' \(UUID=$LUKS_UUID\) is 'root'" "$L"
t_grep "luks: the array is unlocked" "'/dev/md127' is unlocked as '/dev/mapper/root'" "$L"
t_grep "luks: the root's init ran" '^ROOTINIT done' "$L"

# 5. RAID5 with one disk of three: bounded, the degraded start is tried and fails, the
# members seen are listed, the boot ends with a message (no shell in this image).
# shellcheck disable=SC2046
qemu_boot "$BW/short.log" md.img "$A root=LABEL=mdroot5 rootdelay=5" $(disk r5b)
L=$BW/short.log
t_grep "short: the degraded start is tried" "starting it degraded" "$L"
t_grep "short: mdadm names the array it cannot start" "mdadm: failed to start array /dev/md/r5" "$L"
t_grep "short: the kernel says why" "md/raid:md127: not enough operational devices" "$L"
t_grep "short: the root wait is bounded and named" "root device 'LABEL=mdroot5' did not appear within 5 s" "$L"
t_grep "short: the member seen is listed with its array" \
	"vda \(254:0\) type 'linux_raid_member' uuid '[0-9a-f-]+' label 'fixture:r5'" "$L"
t_grep "short: the boot ends with a message" "giving up: the kernel will panic" "$L"
t_nogrep "short: no root init ran" '^ROOTINIT done' "$L"
