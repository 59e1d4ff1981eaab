#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A real Debian 12 root (debootstrap minbase + systemd-sysv + udev + dmsetup, cached as the
# bench's chroots are)
# on LUKS2, unlocked by the init, booted by systemd to multi-user.target: the dm device
# the init made without udev must be ready for systemd (no dev-mapper-*.device job
# timeout, the fstab root's fsck and remount done). The same root on LVM on LUKS2 (an
# LV of a PV inside LUKS, activated by the image's lvm) boots beside it.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
source "$TOP/tests/boot/sdroot.bash"
BOOT_TIMEOUT=${LUKS_SYSTEMD_TIMEOUT:-600}
VMLINUZ=$KROOT/boot/vmlinuz-$KVER
BW=$T_TMP
cd "$T_TMP"
source "$TOP/tests/boot/lvm.bash"
if ! command -v cryptsetup >/dev/null; then
	t_fail "cryptsetup is missing: run make deps (package cryptsetup-bin)"
	exit 1
fi
# The root (tests/boot/sdroot.bash) with an fstab naming the dm device.
R=$T_TMP/sysroot
sd_root "$R" luks-test /dev/mapper/cryptroot || { t_fail "cannot stage the root"; exit 1; }

KEY=$T_TMP/root.key
head -c 64 /dev/urandom >"$KEY"
size_mb=$(($(du -sm "$R" | cut -f1) * 3 / 2 + 64))
truncate -s $((size_mb + 16))M root.img
mkfs.ext4 -q -F -d "$R" -L debroot root.img "${size_mb}M" >/dev/null ||
	{ t_fail "mkfs.ext4 of the Debian root failed"; exit 1; }
cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 16M --pbkdf argon2id \
	--pbkdf-memory 32768 --pbkdf-force-iterations 4 --pbkdf-parallel 1 --batch-mode \
	--key-file "$KEY" root.img >/dev/null || { t_fail "cryptsetup reencrypt failed"; exit 1; }
U=$(cryptsetup luksUUID root.img)
t_check "the Debian root is inside LUKS2 ($U)" test -n "$U"

# The build root: the fixture kernel, the base system's own cryptsetup? The base has
# none, so the host's, with its libraries, as in boot_luks.
LROOT=$T_TMP/lroot
cp -al "$KROOT" "$LROOT"
copy_in() {
	local f
	for f in "$@"; do
		mkdir -p "$LROOT$(dirname "$f")"
		cp -L "$f" "$LROOT$f"
	done
}
CS=$(command -v cryptsetup)
copy_in "$CS" $(ldd "$CS" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }')
copy_in /usr/lib/x86_64-linux-gnu/libgcc_s.so.1
mkdir -p "$LROOT/etc"
cp "$KEY" "$LROOT/etc/root.key"
printf 'cryptroot UUID=%s /etc/root.key luks\n' "$U" >"$LROOT/etc/crypttab.initramfs"
cat >sd.conf <<EOC
HOOKS=(base modconf block filesystems keyboard sd-encrypt)
MODULES=(virtio_pci virtio_blk ext4)
FILES=(/etc/root.key)
COMPRESSION=zstd
EOC
"$MKINITRAMFS" -k "$KVER" -r "$LROOT" -c sd.conf -g sd.img >gen.log 2>&1 ||
	{ t_fail "mkinitramfs failed"; sed 's/^/    | /' gen.log | tail; exit 1; }

# The same root on LVM on LUKS2: VG "deb", LV "root" (fstab: /dev/mapper/deb-root,
# root=/dev/deb/root), its PV in the first part of a file that becomes LUKS2 in place.
R2=$T_TMP/sysroot-lvm
sd_root "$R2" lvm-test /dev/mapper/deb-root || { t_fail "cannot stage the LVM root"; exit 1; }
make_lvm_root() {
	truncate -s $((size_mb + 16 + 16))M lvm.img
	attach lvm.img $((size_mb + 16))M || return 1
	lvm_q pvcreate "$LOOP" && lvm_q vgcreate -s 1M deb "$LOOP" &&
		lvm_q lvcreate -an -Zn -y -L "${size_mb}M" -n root deb || return 1
	mkfs.ext4 -q -F -d "$R2" -L deblvm lvroot.img "${size_mb}M" >/dev/null &&
		put lvroot.img lvm.img deb root || return 1
	detach_all
	rm -f lvroot.img
	cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 16M --pbkdf argon2id \
		--pbkdf-memory 32768 --pbkdf-force-iterations 4 --pbkdf-parallel 1 --batch-mode \
		--key-file "$KEY" lvm.img >/dev/null
}
make_lvm_root || { detach_all; t_fail "cannot make the LVM-on-LUKS Debian root"; exit 1; }
UL=$(cryptsetup luksUUID lvm.img)
LVMBIN=$(command -v lvm)
copy_in "$LVMBIN" $(ldd "$LVMBIN" | awk '/=> \// { print $3 }')
sed 's/sd-encrypt)/sd-encrypt lvm2)/' sd.conf >sdlvm.conf
"$MKINITRAMFS" -k "$KVER" -r "$LROOT" -c sdlvm.conf -g sdlvm.img >genlvm.log 2>&1 ||
	{ t_fail "mkinitramfs with lvm2 failed"; sed 's/^/    | /' genlvm.log | tail; exit 1; }

qemu_boot "$BW/systemd-lvm.log" sdlvm.img \
	"no_timer_check root=/dev/deb/root rd.luks.name=$UL=pv rd.luks.key=/etc/root.key" \
	-drive "file=$T_TMP/lvm.img,format=raw,if=virtio" &
L=$BW/systemd.log
qemu_boot "$L" sd.img "no_timer_check root=/dev/mapper/cryptroot" -drive "file=$T_TMP/root.img,format=raw,if=virtio" &
wait
t_grep "systemd: the init unlocked the root" "'/dev/vda' is unlocked as '/dev/mapper/cryptroot'" "$L"
sd_checks systemd "$L"
t_grep "systemd: the dm device of the root is active for systemd" '^SDTEST root-device active$' "$L"
t_grep "systemd: fstab's remount made the root read-write" '^SDTEST root-mount rw' "$L"

L=$BW/systemd-lvm.log
t_grep "systemd-lvm: the init unlocked the PV's LUKS volume" "'/dev/vda' is unlocked as '/dev/mapper/pv'" "$L"
t_grep "systemd-lvm: lvm activated the VG" "LVM PV '/dev/dm-0': lvm vgchange" "$L"
t_grep "systemd-lvm: root is the LV" "root '/dev/deb/root' is '/dev/dm-1' \(ext4\)" "$L"
sd_checks systemd-lvm "$L"
t_grep "systemd-lvm: the LV's dm device is active for systemd" '^SDTEST root-device active$' "$L"
t_grep "systemd-lvm: fstab's remount made the root read-write" '^SDTEST root-mount rw' "$L"
