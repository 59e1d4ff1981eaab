#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Arch package, as far as a Debian machine allows, with the real makepkg and pacman:
#  1. `make dist`, then makepkg (as an unprivileged user: it refuses root) with Arch's
#     distribution flags in makepkg.conf builds packaging/arch/PKGBUILD; the generator
#     is hardened (bindnow, relro, fortify);
#  2. pacman -U installs it into a throwaway root, its dependencies met by a package
#     standing for the libraries copied from this machine; provides and backup recorded;
#  3. pacman -U of a kernel package that depends on 'initramfs' (met by our provides)
#     fires the 90-hook: the preset is created, the images built, and the image boots;
#  4. pacman -R of the kernel removes its images;
#  5. the switch from mkinitcpio and back (a stand-in package of that name): each
#     transaction removes the other through the conflict, the edited configuration is
#     kept as a .pacsave.
# The built package is cached under build/pkg/arch/, keyed by the sources' hash.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/pkg_lib.bash"
. "$TOP/tests/integration/integ_root.bash"
. "$TOP/tests/boot/lib.sh"
t_tmpdir
t_fixture

if [ "$(id -u)" != 0 ]; then
	t_fail "needs root: pacman runs its hooks chrooted into the test root"
	exit 1
fi
for tool in makepkg pacman bsdtar fakeroot setpriv; do
	command -v "$tool" >/dev/null || { t_fail "'$tool' is needed (tests/deps.sh installs it)"; exit 1; }
done
# The package does not depend on SANITIZE: one cache under build/ for both trees.
PK=$TOP/build/pkg/arch
mkdir -p "$PK"

# ---- 1. makepkg ---------------------------------------------------------------------------
hash=$(pkg_hash)
PKG=$(ls "$PK"/mkinitramfs-0.1.0-1-x86_64.pkg.tar.* 2>/dev/null | head -n 1)
if [ -f "$PK/ok-$hash" ] && [ -n "$PKG" ]; then
	echo "# package of these sources cached ($hash)"
else
	rm -rf "$PK" && mkdir -p "$PK/src"
	pkg_clean_env make -C "$TOP" --no-print-directory dist B="$PK" >"$T_TMP/dist.log" 2>&1
	t_check "make dist writes the release tarball" test -s "$PK/mkinitramfs-0.1.0.tar.gz" ||
		sed 's/^/    | /' "$T_TMP/dist.log"
	cp "$PK/mkinitramfs-0.1.0.tar.gz" "$TOP/packaging/arch/PKGBUILD" "$PK/src/"
	# Arch's own flags (its makepkg.conf), which Debian's copy leaves commented out.
	cp /etc/makepkg.conf "$PK/makepkg.conf"
	cat >>"$PK/makepkg.conf" <<'CONF'
CFLAGS="-march=x86-64 -mtune=generic -O2 -pipe -fno-plt -fexceptions -Wp,-D_FORTIFY_SOURCE=2 -Wformat -Werror=format-security -fstack-clash-protection -fcf-protection"
LDFLAGS="-Wl,-O1,--sort-common,--as-needed,-z,relro,-z,now"
MAKEFLAGS="-j2"
PKGEXT='.pkg.tar.zst'
CONF
	chown -R 65534:65534 "$PK"
	start=$(date +%s)
	# --nodeps: this machine's pacman database is empty (Debian has the build
	# dependencies); --nocheck: the unit tests run with distribution flags in the
	# Debian package's build already.
	(cd "$PK/src" && pkg_clean_env setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$PK" PKGDEST="$PK" SRCDEST="$PK/src" BUILDDIR="$PK/work" \
		makepkg --config "$PK/makepkg.conf" --nodeps --nocheck --noconfirm) >"$PK/makepkg.log" 2>&1
	rc=$?
	echo "# makepkg: $(($(date +%s) - start)) s"
	t_check "makepkg builds the PKGBUILD as an unprivileged user" test $rc -eq 0 ||
		tail -n 30 "$PK/makepkg.log" | sed 's/^/    | /'
	PKG=$(ls "$PK"/mkinitramfs-0.1.0-1-x86_64.pkg.tar.* 2>/dev/null | head -n 1)
	[ $rc = 0 ] && [ -n "$PKG" ] && touch "$PK/ok-$hash"
fi
if [ -z "$PKG" ]; then
	t_fail "no package in '$PK'"
	exit 1
fi
bsdtar -xOf "$PKG" .PKGINFO >"$T_TMP/pkginfo"
t_grep ".PKGINFO: provides initramfs" '^provides = initramfs$' "$T_TMP/pkginfo"
t_grep ".PKGINFO: conflicts with mkinitcpio" '^conflict = mkinitcpio$' "$T_TMP/pkginfo"
t_grep ".PKGINFO: the configuration is a backup file" '^backup = etc/mkinitramfs.conf$' "$T_TMP/pkginfo"
bsdtar -tf "$PKG" >"$T_TMP/files"
for f in usr/bin/mkinitramfs usr/lib/mkinitramfs/init usr/share/libalpm/hooks/90-mkinitramfs-install.hook \
	usr/share/libalpm/hooks/60-mkinitramfs-remove.hook usr/share/libalpm/scripts/mkinitramfs-install \
	etc/mkinitramfs.conf usr/share/man/man8/mkinitramfs.8.gz; do
	t_check "the package has $f" grep -qx -- "$f" "$T_TMP/files"
done
t_nogrep "no Debian kernel hooks in the Arch package" '^etc/kernel/' "$T_TMP/files"
mkdir -p "$T_TMP/x"
bsdtar -xf "$PKG" -C "$T_TMP/x" usr/bin/mkinitramfs
GEN=$T_TMP/x/usr/bin/mkinitramfs
t_check "generator linked with -z now (makepkg.conf's LDFLAGS)" sh -c "readelf -d '$GEN' | grep -q 'FLAGS.*BIND_NOW'"
t_check "generator is fortified (makepkg.conf's CFLAGS)" sh -c "nm -D '$GEN' | grep -q '__[a-z_]*_chk'"

# ---- 2. pacman -U into a throwaway root -------------------------------------------------------
R=$T_TMP/root
P=$T_TMP/pkgs
mkdir -p "$P"
root_base "$R" || { t_fail "cannot make the throwaway root"; exit 1; }
# The libraries the packaged generator needs, from this machine; a package that
# provides what the PKGBUILD depends on stands for Arch's.
root_copy_elf_from "$R" "$GEN"
mkdir -p "$R/var/lib/pacman" "$R/var/cache/pacman/pkg" "$R/usr/share/libalpm/hooks" \
	"$R/usr/share/libalpm/scripts"
root_depmod_hook "$R"
cat >"$R/etc/pacman.conf" <<'CONF'
[options]
Architecture = auto
SigLevel = Never
LocalFileSigLevel = Never
CONF
# pacman runs the hooks with its environment: none of this test's (MKINITRAMFS names
# the test wrapper, outside the root) may reach them.
pac() {
	pkg_clean_env pacman --root "$R" --config "$R/etc/pacman.conf" --dbpath "$R/var/lib/pacman" \
		--cachedir "$R/var/cache/pacman/pkg" --hookdir "$R/usr/share/libalpm/hooks" \
		--noconfirm --noprogressbar "$@"
}
pacq() { pkg_clean_env pacman --root "$R" --config "$R/etc/pacman.conf" --dbpath "$R/var/lib/pacman" "$@"; }
mkdir -p "$T_TMP/libs/usr/share/doc/host-libs"
echo "stands for glibc kmod libarchive zstd xz zlib lz4" >"$T_TMP/libs/usr/share/doc/host-libs/README"
libs=$(root_pkg "$P" host-libs 1-1 "$T_TMP/libs" "provides = glibc
provides = kmod
provides = libarchive
provides = zstd
provides = xz
provides = zlib
provides = lz4")
pac -U "$libs" >"$T_TMP/u0.log" 2>&1
t_check "pacman -U host-libs" test $? -eq 0 || sed 's/^/    | /' "$T_TMP/u0.log"

# The switch from mkinitcpio: a package of that name (what pacman resolves conflicts by)
# providing initramfs, as Arch's does. --ask 4 (ALPM_QUESTION_CONFLICT_PKG) answers yes
# to "Remove mkinitcpio?", as a user would.
mkdir -p "$T_TMP/mkcpio/usr/share/doc/mkinitcpio"
echo "stands for Arch's mkinitcpio" >"$T_TMP/mkcpio/usr/share/doc/mkinitcpio/README"
mkcpio=$(root_pkg "$P" mkinitcpio 39-1 "$T_TMP/mkcpio" "provides = initramfs")
pac -U "$mkcpio" >"$T_TMP/u00.log" 2>&1
t_check "pacman -U mkinitcpio (the stand-in)" test $? -eq 0 || sed 's/^/    | /' "$T_TMP/u00.log"

pac -U --ask 4 "$PKG" >"$T_TMP/u1.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/u1.log"
t_check "pacman -U mkinitramfs succeeds, its dependencies resolved" test $rc -eq 0
t_grep "... its conflict with mkinitcpio asked about" 'mkinitcpio.* are in conflict' "$T_TMP/u1.log"
t_check "... and mkinitcpio removed" sh -c "! pacman --root '$R' --dbpath '$R/var/lib/pacman' -Q mkinitcpio 2>/dev/null"
t_nogrep "its hooks succeed" 'failed to execute' "$T_TMP/u1.log"
t_grep "its own files fire its 90-hook (the Target names the installed path)" \
	'Updating initramfs images' "$T_TMP/u1.log"
t_check "installed: /usr/bin/mkinitramfs runs in the root" chroot "$R" /usr/bin/mkinitramfs -V
pacq -Qi mkinitramfs >"$T_TMP/qi" 2>&1
t_grep "pacman -Qi: provides initramfs" '^Provides +: initramfs' "$T_TMP/qi"
pacq -Qii mkinitramfs >"$T_TMP/qii" 2>&1
t_grep "pacman -Qii: /etc/mkinitramfs.conf is a backup file" '^UNMODIFIED[[:space:]].*/etc/mkinitramfs\.conf$' \
	"$T_TMP/qii"

# The machine's configuration, edited as a user would (a backup file: upgrades keep it).
cat >"$R/etc/mkinitramfs.conf" <<'CONF'
MODULES=(virtio_pci virtio_blk ext4)
HOOKS=(base)
COMPRESSION=zstd
CONF

# ---- 3. a kernel package transaction ----------------------------------------------------------
K=$T_TMP/linux-test
M=usr/lib/modules/$KVER
mkdir -p "$K/$M"
cp "$KROOT/boot/vmlinuz-$KVER" "$K/$M/vmlinuz"
echo linux-test >"$K/$M/pkgbase"
cp "$KROOT/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$K/$M/"
t_copy_modules "$K" "$M" virtio_pci virtio_blk ext4 crc32c_generic crc32c-intel
kpkg=$(root_pkg "$P" linux-test 6.1-1 "$K" "depend = initramfs")
pac -U "$kpkg" >"$T_TMP/u2.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/u2.log"
t_check "pacman -U linux-test (depends on initramfs) succeeds" test $rc -eq 0
t_nogrep "its hooks succeed" 'failed to execute' "$T_TMP/u2.log"
t_grep "the packaged 90-hook ran" 'building the images of preset .linux-test.' "$T_TMP/u2.log"
IMG=$R/boot/initramfs-linux-test.img
t_check "the preset was created" test -s "$R/etc/mkinitramfs.d/linux-test.preset"
t_check "default image built" test -s "$IMG"
t_check "fallback image built" test -s "$R/boot/initramfs-linux-test-fallback.img"
"$MKINITRAMFS" -l "$IMG" >"$T_TMP/list" 2>&1
t_grep "the image has virtio_blk" 'virtio_blk\.ko' "$T_TMP/list"
boot_setup || { t_fail "cannot build the test root's init"; exit 1; }
mk_ext4 "$BW/disk.img" 32M
VMLINUZ=$R/boot/vmlinuz-linux-test
cp "$IMG" "$T_TMP/img"
qemu_boot "$T_TMP/arch-boot.log" "$T_TMP/img" "root=/dev/vda" \
	-drive "file=$BW/disk.img,if=virtio,format=raw"
t_grep "the packaged hook's image boots in QEMU" '^ROOTINIT done' "$T_TMP/arch-boot.log"

# ---- 4. removal ----------------------------------------------------------------------------
pac -R linux-test >"$T_TMP/r.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/r.log"
t_check "pacman -R linux-test succeeds" test $rc -eq 0
t_check "its images are removed" test ! -e "$IMG" -a ! -e "$R/boot/initramfs-linux-test-fallback.img"
t_check "its kernel copy and preset are removed" \
	test ! -e "$R/boot/vmlinuz-linux-test" -a ! -e "$R/etc/mkinitramfs.d/linux-test.preset"

# ---- 5. the way back to mkinitcpio -----------------------------------------------------------
pac -U --ask 4 "$mkcpio" >"$T_TMP/back.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/back.log"
t_check "switching back: pacman -U mkinitcpio succeeds" test $rc -eq 0
t_check "... and removes mkinitramfs (its conflict)" \
	sh -c "! pacman --root '$R' --dbpath '$R/var/lib/pacman' -Q mkinitramfs 2>/dev/null"
t_check "... keeping the edited configuration as /etc/mkinitramfs.conf.pacsave (backup=)" \
	grep -q '^MODULES=(virtio_pci virtio_blk ext4)$' "$R/etc/mkinitramfs.conf.pacsave"
