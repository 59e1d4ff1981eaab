#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The pacman hooks with the real pacman, in a throwaway root that has mkinitramfs
# installed (make install DESTDIR=) and a depmod hook (60) like Arch's:
#  1. pacman -U linux-test (the fixture kernel's vmlinuz, pkgbase and the virtio + ext4
#     closure): /boot/vmlinuz-linux-test, the preset from the template, both images; the
#     image boots in QEMU;
#  2. a package adding nbd under updates/: one rebuild for the transaction, and the image
#     boots with nbd loaded with the parameter from MODULES;
#  3. a firmware package that no image includes: the trigger is a no-op, timed;
#  4. a failing build: pacman reports the hook failed, the old image stays byte for byte;
#  5. pacman -R linux-test: images, kernel copy and preset are gone.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/integ_root.bash"
. "$TOP/tests/boot/lib.sh"
t_tmpdir
t_fixture

if [ "$(id -u)" != 0 ]; then
	t_fail "needs root: pacman runs its hooks chrooted into the test root"
	exit 1
fi
if ! command -v pacman >/dev/null || ! command -v bsdtar >/dev/null; then
	t_fail "pacman and bsdtar are needed (tests/deps.sh installs pacman-package-manager)"
	exit 1
fi
R=$T_TMP/root
P=$T_TMP/pkgs
mkdir -p "$P"
root_make "$R" || { t_fail "cannot make the throwaway root"; exit 1; }
boot_setup || { t_fail "cannot build the test root's init"; exit 1; }
mk_ext4 "$BW/disk.img" 32M

root_depmod_hook "$R"
mkdir -p "$R/var/lib/pacman" "$R/var/cache/pacman/pkg"
cat >"$R/etc/pacman.conf" <<'CONF'
[options]
Architecture = auto
SigLevel = Never
LocalFileSigLevel = Never
CONF
# The machine's configuration: what this VM needs; nbd only once a package brings it.
cat >"$R/etc/mkinitramfs.conf" <<'CONF'
MODULES=(virtio_pci virtio_blk ext4 "nbd? nbds_max=64")
HOOKS=(base)
COMPRESSION=zstd
CONF

# pacman runs the hooks with its environment: the test wrapper that MKINITRAMFS names
# (tests/lib.sh exports it) is not inside the root.
pac() {
	env -u MKINITRAMFS -u MKINITRAMFS_BIN pacman --root "$R" --config "$R/etc/pacman.conf" --dbpath "$R/var/lib/pacman" \
		--cachedir "$R/var/cache/pacman/pkg" --hookdir "$R/usr/share/libalpm/hooks" \
		--noconfirm --noprogressbar "$@"
}

# mkpkg NAME VERSION DIR: a pacman package of DIR's usr/ tree, made with bsdtar.
mkpkg() {
	local name=$1 ver=$2 dir=$3
	cat >"$dir/.PKGINFO" <<PKGINFO
pkgname = $name
pkgbase = $name
pkgver = $ver
pkgdesc = mkinitramfs test package
url = https://example.invalid/
builddate = 0
packager = mkinitramfs tests
size = $(du -sb "$dir/usr" | cut -f1)
arch = x86_64
license = GPL2
PKGINFO
	(cd "$dir" && bsdtar --zstd -cf "$P/$name-$ver-x86_64.pkg.tar.zst" .PKGINFO usr)
	echo "$P/$name-$ver-x86_64.pkg.tar.zst"
}

# ---- 1. the kernel package -----------------------------------------------------------
K=$T_TMP/linux-test
M=usr/lib/modules/$KVER
mkdir -p "$K/$M"
cp "$KROOT/boot/vmlinuz-$KVER" "$K/$M/vmlinuz"
echo linux-test >"$K/$M/pkgbase"
cp "$KROOT/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$K/$M/"
t_copy_modules "$K" "$M" virtio_pci virtio_blk ext4 crc32c_generic crc32c-intel
pkg=$(mkpkg linux-test 6.1-1 "$K")
echo "# linux-test: $(du -h "$pkg" | cut -f1), $(find "$K/$M" -name '*.ko*' | wc -l) modules"

pac -U "$pkg" >"$T_TMP/u1.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/u1.log"
t_check "pacman -U linux-test succeeds" test $rc -eq 0
t_nogrep "its hooks succeed" 'failed to execute' "$T_TMP/u1.log"
t_grep "depmod hook ran" "depmod $KVER" "$T_TMP/u1.log"
t_check "kernel copied to /boot/vmlinuz-linux-test" cmp -s "$K/$M/vmlinuz" "$R/boot/vmlinuz-linux-test"
sed 's/%PKGBASE%/linux-test/g' "$TOP/presets/linux.preset.template" >"$T_TMP/preset.want"
t_check "preset created from the template" cmp -s "$T_TMP/preset.want" \
	"$R/etc/mkinitramfs.d/linux-test.preset"
IMG=$R/boot/initramfs-linux-test.img
t_check "default image built" test -s "$IMG"
t_check "fallback image built" test -s "$R/boot/initramfs-linux-test-fallback.img"
t_check "inputs recorded next to the image" test -s "$IMG.inputs"
"$B/mkinitramfs" -l "$IMG" >"$T_TMP/l1" 2>&1
t_grep "image has virtio_blk" 'virtio_blk\.ko' "$T_TMP/l1"
t_nogrep "image has no nbd yet" 'nbd\.ko' "$T_TMP/l1"
VMLINUZ=$R/boot/vmlinuz-linux-test
cp "$IMG" "$T_TMP/img1"
qemu_boot "$T_TMP/boot1.log" "$T_TMP/img1" "root=/dev/vda" \
	-drive "file=$BW/disk.img,if=virtio,format=raw"
t_grep "the hook's image boots in QEMU" '^ROOTINIT done' "$T_TMP/boot1.log"

# ---- 2. a module under updates/ --------------------------------------------------------
N=$T_TMP/linux-test-nbd
mkdir -p "$N/$M/updates"
cp "$(modinfo -b "$KROOT" -k "$KVER" -n nbd)" "$N/$M/updates/"
pkg=$(mkpkg linux-test-nbd 1-1 "$N")
pac -U "$pkg" >"$T_TMP/u2.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/u2.log"
t_check "pacman -U linux-test-nbd succeeds" test $rc -eq 0
t_nogrep "its hooks succeed" 'failed to execute' "$T_TMP/u2.log"
t_check "one rebuild of every preset for the transaction" \
	test "$(grep -c 'rebuilding the images of every preset' "$T_TMP/u2.log")" = 1
t_check "depmod ran before the rebuild" awk '/depmod/ { d = NR } /rebuilding/ { r = NR }
	END { exit !(d && r && d < r) }' "$T_TMP/u2.log"
"$B/mkinitramfs" -l "$IMG" >"$T_TMP/l2" 2>&1
t_grep "rebuilt image has updates/nbd.ko" "lib/modules/$KVER/updates/nbd\.ko" "$T_TMP/l2"
cp "$IMG" "$T_TMP/img2"
qemu_boot "$T_TMP/boot2.log" "$T_TMP/img2" "root=/dev/vda" \
	-drive "file=$BW/disk.img,if=virtio,format=raw"
t_grep "rebuilt image boots" '^ROOTINIT done' "$T_TMP/boot2.log"
t_grep "nbd loaded with nbds_max=64 from MODULES" '^ROOTINIT nbds_max=64' "$T_TMP/boot2.log"

# ---- 3. firmware no image includes: a no-op ------------------------------------------
F=$T_TMP/fw
mkdir -p "$F/usr/lib/firmware/test"
head -c 4096 /dev/urandom >"$F/usr/lib/firmware/test/unused.bin"
pkg=$(mkpkg test-firmware 1-1 "$F")
before=$(stat -c '%i %Y' "$IMG")
start=$(date +%s%N)
pac -U "$pkg" >"$T_TMP/u3.log" 2>&1
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
sed 's/^/    | /' "$T_TMP/u3.log"
t_check "pacman -U test-firmware succeeds" test $rc -eq 0
t_nogrep "its hooks succeed" 'failed to execute' "$T_TMP/u3.log"
t_grep "unchanged images are skipped" "is up to date" "$T_TMP/u3.log"
t_check "image untouched by the no-op trigger" test "$(stat -c '%i %Y' "$IMG")" = "$before"
echo "# no-op firmware transaction: ${ms} ms (pacman included)"

# A kernel noted as removed that is installed again (an upgrade to a new version): its
# images stay.
mkdir -p "$R/var/lib/mkinitramfs"
echo linux-test >"$R/var/lib/mkinitramfs/pacman-removed"
chroot "$R" /usr/share/libalpm/scripts/mkinitramfs-install </dev/null >"$T_TMP/up.log" 2>&1
t_check "upgraded kernel: images, kernel copy and preset kept" test -s "$IMG" -a \
	-s "$R/boot/vmlinuz-linux-test" -a -s "$R/etc/mkinitramfs.d/linux-test.preset"
t_check "upgraded kernel: the note is consumed" test ! -e "$R/var/lib/mkinitramfs/pacman-removed"

# A removed kernel whose preset was edited: its images and kernel copy go, the preset stays.
O=$R/etc/mkinitramfs.d/linux-other.preset
{
	sed 's/%PKGBASE%/linux-other/g' "$TOP/presets/linux.preset.template"
	echo '# mine'
	echo 'default_uki="/efi/linux-other.efi"'
	echo "fallback_efi_image='/efi/linux-other-fallback.efi'"
} >"$O"
mkdir -p "$R/efi"
touch "$R"/boot/{initramfs-linux-other.img,initramfs-linux-other-fallback.img,vmlinuz-linux-other}
touch "$R"/efi/{linux-other.efi,linux-other-fallback.efi,linux-keep.efi}
echo linux-other >"$R/var/lib/mkinitramfs/pacman-removed"
chroot "$R" /usr/share/libalpm/scripts/mkinitramfs-install </dev/null >"$T_TMP/other.log" 2>&1
t_check "removed kernel: its images and kernel copy are deleted" \
	test -z "$(ls "$R"/boot/*linux-other* 2>/dev/null)"
t_check "removed kernel: the UKIs its preset names (_uki, _efi_image) are deleted" \
	test ! -e "$R/efi/linux-other.efi" -a ! -e "$R/efi/linux-other-fallback.efi"
t_check "removed kernel: other files in the ESP stay" test -e "$R/efi/linux-keep.efi"
t_check "removed kernel: an edited preset is kept" test -s "$O"
t_grep "removed kernel: and the user is told" "keeping '/etc/mkinitramfs.d/linux-other.preset'" \
	"$T_TMP/other.log"
rm -f "$O"

# ---- 4. a failing build keeps the old image ------------------------------------------
cp "$R/etc/mkinitramfs.conf" "$T_TMP/conf.saved"
echo 'MODULES+=(no_such_module)' >>"$R/etc/mkinitramfs.conf"
head -c 4096 /dev/urandom >"$F/usr/lib/firmware/test/unused.bin"
pkg=$(mkpkg test-firmware 1-2 "$F")
pac -U "$pkg" >"$T_TMP/u4.log" 2>&1
sed 's/^/    | /' "$T_TMP/u4.log"
t_grep "the build failure is reported with its reason" "module 'no_such_module' not found" \
	"$T_TMP/u4.log"
t_grep "pacman reports the hook failed" 'command failed to execute correctly' "$T_TMP/u4.log"
t_check "the old image stays byte for byte" cmp -s "$T_TMP/img2" "$IMG"
cp "$T_TMP/conf.saved" "$R/etc/mkinitramfs.conf"

# ---- 5. removal ---------------------------------------------------------------------
pac -R linux-test-nbd linux-test test-firmware >"$T_TMP/r.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/r.log"
t_check "pacman -R succeeds" test $rc -eq 0
t_check "images removed" test ! -e "$IMG" -a ! -e "$R/boot/initramfs-linux-test-fallback.img"
t_check "inputs records removed" test ! -e "$IMG.inputs"
t_check "kernel copy removed" test ! -e "$R/boot/vmlinuz-linux-test"
t_check "preset removed" test ! -e "$R/etc/mkinitramfs.d/linux-test.preset"
t_check "no removal note left behind" test ! -e "$R/var/lib/mkinitramfs/pacman-removed"
