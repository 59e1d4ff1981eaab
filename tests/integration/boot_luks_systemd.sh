#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A real Debian 12 root (debootstrap minbase + systemd-sysv + udev + dmsetup, cached as the
# bench's chroots are)
# on LUKS2, unlocked by the init, booted by systemd to multi-user.target: the dm device
# the init made without udev must be ready for systemd (no dev-mapper-*.device job
# timeout, the fstab root's fsck and remount done).
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
source "$TOP/tests/boot/sdroot.bash"
BOOT_TIMEOUT=${LUKS_SYSTEMD_TIMEOUT:-600}
VMLINUZ=$KROOT/boot/vmlinuz-$KVER
BW=$T_TMP
cd "$T_TMP"
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

L=$BW/systemd.log
qemu_boot "$L" sd.img "no_timer_check root=/dev/mapper/cryptroot" -drive "file=$T_TMP/root.img,format=raw,if=virtio"
t_grep "systemd: the init unlocked the root" "'/dev/vda' is unlocked as '/dev/mapper/cryptroot'" "$L"
sd_checks systemd "$L"
t_grep "systemd: the dm device of the root is active for systemd" '^SDTEST root-device active$' "$L"
t_grep "systemd: fstab's remount made the root read-write" '^SDTEST root-mount rw' "$L"
