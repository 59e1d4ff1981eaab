#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fsck and usr hooks, booted (QEMU TCG, the real Debian kernel, the host's e2fsck):
# a root whose block bitmap lost a bit (and "not clean") is left alone with
# fsck.mode=skip, then corrected by `e2fsck -p`; a root with a multiply-claimed block,
# which -p must not repair, stops the boot with a message, and fsck.repair=yes mends it;
# a separate /usr on a second disk is mounted from the root's fstab (UUID=), checked
# first, before the root's init runs and reads a file from it. Four boots, two at a time.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
# Generous: two TCG guests at a time on a shared machine (an upper bound, not a goal).
BOOT_TIMEOUT=${FSCK_BOOT_TIMEOUT:-240}
boot_setup || { t_fail "cannot build the test root's init"; exit 1; }
for tool in e2fsck debugfs; do
	command -v $tool >/dev/null || { t_fail "$tool is missing: run make deps (e2fsprogs)"; exit 1; }
done
cd "$T_TMP"

# The build root: the fixture kernel plus the host's e2fsck (and fsck.ext4) with its
# libraries, as on the machine the image is for.
FROOT=$BW/froot
cp -al "$KROOT" "$FROOT"
E2FSCK=$(command -v e2fsck)
for f in "$E2FSCK" $(ldd "$E2FSCK" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }'); do
	mkdir -p "$FROOT$(dirname "$f")"
	cp -L "$f" "$FROOT$f"
done
ln -sf e2fsck "$FROOT$(dirname "$E2FSCK")/fsck.ext4"
# zstd --long too: the kernel unpacks a frame with a 128 MiB long-distance window.
cat >fsck.conf <<EOC
HOOKS=(base fsck usr)
MODULES=(virtio_pci virtio_blk ext4)
COMPRESSION=zstd
COMPRESSION_OPTIONS=(--long)
EOC
"$MKINITRAMFS" -k "$KVER" -r "$FROOT" -c fsck.conf -g fsck.img >gen.log 2>&1
t_check "an image with the fsck and usr hooks builds" test -s fsck.img
bsdtar -tf fsck.img >list.txt 2>&1
t_grep "the image holds the fsck helper" '^lib/mkinitramfs/fsck$' list.txt
t_grep "the image holds the usr helper" '^lib/mkinitramfs/usr$' list.txt
t_grep "the image holds e2fsck" 'sbin/e2fsck$' list.txt
t_grep "the image holds e2fsck's libext2fs" 'libext2fs\.so' list.txt
t_check "the image is zstd --long (a 128 MiB window)" sh -c \
	"zstd -lv fsck.img 2>&1 | grep -q 'Window Size: 128 MiB'"

# The disks. /usr: a marker the root's init prints. Root 1: its fstab mounts /usr by
# UUID; a block of /etc/motd marked free and the state "not clean" (-p corrects it).
# Root 2: /etc/issue's extent points at /etc/motd's block (-p stops at it); its fstab
# names a /usr no disk holds.
mkdir -p usrfs/share/mkinitramfs-test
echo "usr from the second disk" >usrfs/share/mkinitramfs-test/marker
truncate -s 16M usr.img
mkfs.ext4 -q -F -d usrfs usr.img
UUSR=$(blkid -o value -s UUID usr.img 2>/dev/null || dumpe2fs -h usr.img 2>/dev/null |
	sed -n 's/^Filesystem UUID: *//p')
mkdir -p "$BW/rootfs/usr"
echo "other file" >"$BW/rootfs/etc/issue"
printf '# <file system> <mount point> <type> <options> <dump> <pass>\n/dev/vda / ext4 defaults 0 1\nUUID=%s /usr ext4 defaults,nofail,x-systemd.device-timeout=5 0 2\n' \
	"$UUSR" >"$BW/rootfs/etc/fstab"
mk_ext4 root1.img 32M
printf '/dev/vda / ext4 defaults 0 1\nLABEL=nosuchusr /usr ext4 defaults 0 2\n' \
	>"$BW/rootfs/etc/fstab"
mk_ext4 root2.img 32M
B1=$(debugfs -R "blocks /etc/motd" root1.img 2>/dev/null | tr -d ' ')
debugfs -w -R "freeb $B1" root1.img >/dev/null 2>&1
debugfs -w -R "ssv state 0" root1.img >/dev/null 2>&1
B2=$(debugfs -R "blocks /etc/motd" root2.img 2>/dev/null | tr -d ' ')
debugfs -w -R "sif /etc/issue block[5] $B2" root2.img >/dev/null 2>&1
debugfs -w -R "ssv state 0" root2.img >/dev/null 2>&1
e2fsck -fn root1.img >/dev/null 2>&1
t_check "root 1 has an error before the boots (e2fsck -fn exit $?)" test $? -ne 0
e2fsck -fn root2.img >/dev/null 2>&1
t_check "root 2 has an error before the boots (e2fsck -fn exit $?)" test $? -ne 0

CMD="no_timer_check root=/dev/vda"
disk() { echo "file=$1,format=raw,if=virtio"; }
# Round 1: root 1 with fsck.mode=skip (and /usr), root 2 as it is.
qemu_boot "$BW/fsck-skip.log" fsck.img "$CMD fsck.mode=skip" -drive "$(disk root1.img)" \
	-drive "$(disk usr.img)" &
qemu_boot "$BW/fsck-fail.log" fsck.img "$CMD" -drive "$(disk root2.img)" &
wait
L=$BW/fsck-skip.log
t_grep "skip: the root is not checked" "fsck: not checking '/dev/vda': fsck.mode=skip" "$L"
t_nogrep "skip: no checker runs" 'fsck: checking' "$L"
t_grep "skip: the root's init runs" '^ROOTINIT done' "$L"
e2fsck -fn root1.img >/dev/null 2>&1
t_check "skip: root 1 still has its error afterwards" test $? -ne 0
L=$BW/fsck-fail.log
t_grep "exit 4: e2fsck -p ran on the root" "fsck: checking '/dev/vda' \(ext4\): running 'fsck.ext4 -p /dev/vda'" "$L"
t_grep "exit 4: e2fsck said why" 'UNEXPECTED INCONSISTENCY' "$L"
t_grep "exit 4: a clear message" "fsck: 'fsck.ext4 -p /dev/vda' failed on '/dev/vda' with exit status 4 \(errors left uncorrected\): it is not mounted; run 'fsck.ext4 /dev/vda' by hand, or boot with fsck.repair=yes" "$L"
t_grep "exit 4: no shell in the image" "no shell in the image \('/bin/busybox'\), cannot repair the boot" "$L"
t_grep "exit 4: the boot stops" 'giving up: the kernel will panic' "$L"
t_nogrep "exit 4: the root is not mounted" "mounted '/dev/vda' on '/new_root'" "$L"
t_nogrep "exit 4: the root's init does not run" '^ROOTINIT' "$L"

# Round 2: root 1 checked as usual, with /usr; root 2 with fsck.repair=yes (its /usr
# never comes).
qemu_boot "$BW/fsck-fix.log" fsck.img "$CMD" -drive "$(disk root1.img)" -drive "$(disk usr.img)" &
qemu_boot "$BW/fsck-yes.log" fsck.img "$CMD fsck.repair=yes fsck.mode=force rootdelay=3" \
	-drive "$(disk root2.img)" &
wait
L=$BW/fsck-fix.log
t_grep "preen: e2fsck -p runs on the root" "fsck: checking '/dev/vda' \(ext4\): running 'fsck.ext4 -p /dev/vda'" "$L"
t_grep "preen: the error is reported corrected" "fsck: '/dev/vda' had errors, corrected \('fsck.ext4 -p /dev/vda' exit status 1\)" "$L"
t_grep "preen: then the root is mounted" "mounted '/dev/vda' on '/new_root' ro" "$L"
t_grep "usr: /usr is checked first" "fsck: checking '/dev/vdb' \(ext4\): running 'fsck.ext4 -p /dev/vdb'" "$L"
t_grep "usr: /usr is clean" "fsck: '/dev/vdb' is clean" "$L"
t_grep "usr: /usr is mounted by its fstab UUID" "usr: mounted '/dev/vdb' \('UUID=$UUSR' in fstab, ext4\) on '/new_root/usr' ro" "$L"
t_grep "usr: the root's init sees /usr mounted" '^ROOTINIT mount-usr=/dev/vdb ext4 ro' "$L"
t_grep "usr: the root's init reads the file on /usr" '^ROOTINIT usr-marker=usr from the second disk$' "$L"
t_grep "preen: the root's init runs" '^ROOTINIT done' "$L"
e2fsck -fn root1.img >/dev/null 2>&1
t_check "preen: root 1 is clean afterwards (e2fsck -fn exit $?)" test $? -eq 0
L=$BW/fsck-yes.log
t_grep "repair=yes, mode=force: e2fsck -y -f runs" "running 'fsck.ext4 -y -f /dev/vda'" "$L"
t_grep "repair=yes: corrected" "fsck: '/dev/vda' had errors, corrected \('fsck.ext4 -y -f /dev/vda' exit status 1\)" "$L"
t_grep "repair=yes: then the root is mounted" "mounted '/dev/vda' on '/new_root' ro" "$L"
t_grep "usr: a /usr device that never comes is waited for, bounded, and named" "usr: device 'LABEL=nosuchusr' did not appear within 3 s; block devices seen: vda \(ext4\)" "$L"
t_grep "usr: then the boot stops" 'giving up: the kernel will panic' "$L"
t_nogrep "usr: the root's init does not run without its /usr" '^ROOTINIT' "$L"
e2fsck -fn root2.img >/dev/null 2>&1
t_check "repair=yes: root 2 is clean afterwards (e2fsck -fn exit $?)" test $? -eq 0
