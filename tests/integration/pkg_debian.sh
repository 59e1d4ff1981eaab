#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package, with the real tools:
#  0. the Makefile passes CPPFLAGS, CFLAGS and LDFLAGS on, and -Werror only with WERROR=1;
#  1. dpkg-buildpackage -us -uc -b with Debian's hardening flags; the generator is
#     hardened (bindnow, relro, fortify). nocheck: the unit tests with these flags are
#     pkg_flags.sh's (both in one suite would not fit its time on a loaded machine);
#  2. in a debootstrap chroot (cached, shared with the benchmarks) that has
#     initramfs-tools: `apt-get install ./mkinitramfs.deb` replaces it, apt stays
#     consistent; `apt-get install ./linux-image.deb` (the fixture's kernel package)
#     builds /boot/initrd.img-KVER from the kernel's postinst.d hook; that image boots
#     the package's own kernel in QEMU to the test root;
#  3. update-initramfs (-u, -d, -c -k all, errors), mapped onto the presets that name
#     the kernel, and the dpkg trigger another package's postinst activates;
#  4. removing the kernel package removes the image; installing initramfs-tools again
#     removes mkinitramfs and leaves apt consistent.
# Caches: the .deb (keyed by the sources' hash) and the chroot under build/pkg/.
set -uo pipefail
# The chroot's overlay and API filesystems live and die in a mount namespace of our own.
if [ -z "${PKG_NS:-}" ] && [ "$(id -u)" = 0 ]; then
	exec unshare -m --propagation private env PKG_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/pkg_lib.bash"
. "$TOP/tests/boot/lib.sh"
. "$TOP/tests/bench/lib.sh"
t_tmpdir
t_fixture

if [ "$(id -u)" != 0 ]; then
	t_fail "needs root: debootstrap, chroot and apt in the chroot"
	exit 1
fi
for tool in dpkg-buildpackage dh debootstrap qemu-system-x86_64; do
	command -v "$tool" >/dev/null || { t_fail "'$tool' is needed (tests/deps.sh installs it)"; exit 1; }
done
# Packages and the chroot do not depend on SANITIZE: one cache under build/ for both trees.
CACHE=$TOP/build
PK=$CACHE/pkg
mkdir -p "$PK"
R=$T_TMP/root
# The API filesystems apt and the kernel's scripts need. Not bench_mount_api: it first
# unmounts whatever is mounted on the root, here the overlay itself.
pkg_mount_api() {
	local n
	mount -t proc proc "$R/proc" && mount -t sysfs sysfs "$R/sys" &&
		mount -t tmpfs -o mode=755,size=16m tmpfs "$R/dev" &&
		mount -t tmpfs -o size=256m tmpfs "$R/tmp" || return 1
	for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		IFS=: read -r name maj min <<<"$n"
		mknod -m 666 "$R/dev/$name" c "$maj" "$min" || return 1
	done
	mkdir -p "$R/dev/pts" "$R/dev/shm" && ln -s /proc/self/fd "$R/dev/fd"
}
pkg_umount() {
	bench_umount_api "$R"
	while mountpoint -q "$R" 2>/dev/null; do umount "$R" 2>/dev/null || umount -l "$R" || break; done
}
trap 'pkg_umount; t_cleanup' EXIT

# ---- 0. the Makefile's flags ----------------------------------------------------------
mkf() { pkg_clean_env make -C "$TOP" --no-print-directory -n -B V=1 B="$T_TMP/flags" "$@"; }
mkf CPPFLAGS=-DPKG_CPP CFLAGS=-DPKG_CFLAG LDFLAGS=-Wl,-z,now \
	"$T_TMP/flags/mkinitramfs" >"$T_TMP/flags.log" 2>&1
grep -E '(^| )-c .*generator/main\.c' "$T_TMP/flags.log" >"$T_TMP/cc.log"
t_grep "make: CPPFLAGS reach the generator's compile" '-DPKG_CPP( |$)' "$T_TMP/cc.log"
t_grep "make: CFLAGS reach the generator's compile" '-DPKG_CFLAG( |$)' "$T_TMP/cc.log"
t_nogrep "make: no -Werror in a distribution build" '-Werror( |$)' "$T_TMP/cc.log"
t_grep "make: LDFLAGS reach the generator's link" '-Wl,-z,now .*-o .*/flags/mkinitramfs ' \
	"$T_TMP/flags.log"
mkf WERROR=1 "$T_TMP/flags/mkinitramfs" 2>&1 | grep -E '(^| )-c .*generator/main\.c' >"$T_TMP/cc1.log"
t_grep "make: WERROR=1 (make test, CI) adds -Werror" '-Werror( |$)' "$T_TMP/cc1.log"
t_grep "make test sets WERROR=1" 'test-run WERROR=1' "$TOP/Makefile"

# ---- the chroot, prepared while the package builds --------------------------------------
# Cached: the benchmarks' debootstrap base (tests/bench/chroots.sh), plus initramfs-tools
# and what the two packages depend on, so that a run downloads nothing.
LAYER=$PK/chroot
in_root() { # ROOT CMD...
	local root=$1
	shift
	# A clean environment: nothing of this test's (MKINITRAMFS, B...) leaks in.
	env -i LC_ALL=C DEBIAN_FRONTEND=noninteractive HOME=/root TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		timeout -k 10 900 chroot "$root" "$@"
}
make_layer() {
	local base=$CACHE/bench/chroots/base r=0
	CHROOT_PEERS='' B="$CACHE" "$TOP/tests/bench/chroots.sh" "$KROOT" "$KVER" || return 1
	[ -f "$LAYER/.pkg-ready" ] && [ ! "$LAYER/.pkg-ready" -ot "$base/.bench-ready" ] && return 0
	echo "# making '$LAYER' (once)"
	bench_safe_rm "$LAYER.new" && bench_safe_rm "$LAYER" || return 1
	cp -a "$base" "$LAYER.new" || return 1
	bench_mount_api "$LAYER.new"
	# initramfs-tools as Debian installs it; the rest are the packages' dependencies.
	# The downloaded .debs stay in the chroot's apt cache: switching back needs no network.
	in_root "$LAYER.new" apt-get install -y -q initramfs-tools kmod linux-base libarchive13 \
		libkmod2 liblz4-1 libzstd1 liblzma5 zlib1g || r=1
	bench_umount_api "$LAYER.new"
	[ $r = 0 ] || return 1
	touch "$LAYER.new/.pkg-ready" && mv "$LAYER.new" "$LAYER"
}
make_layer >"$T_TMP/layer.log" 2>&1 &
layer_pid=$!

# ---- 1. the .deb ----------------------------------------------------------------------
hash=$(pkg_hash)
DEB=$PK/deb/mkinitramfs_0.1.0_amd64.deb
if [ -f "$PK/deb/ok-$hash" ] && [ -f "$DEB" ]; then
	echo "# .deb of these sources cached ($hash)"
else
	rm -rf "$PK/deb"
	pkg_tree "$PK/deb/mkinitramfs-0.1.0" || { t_fail "cannot copy the sources"; exit 1; }
	start=$(date +%s)
	(cd "$PK/deb/mkinitramfs-0.1.0" && pkg_clean_env DEB_BUILD_OPTIONS="parallel=2 nocheck" \
		dpkg-buildpackage -us -uc -b) >"$PK/deb/build.log" 2>&1
	rc=$?
	echo "# dpkg-buildpackage: $(($(date +%s) - start)) s"
	t_check "dpkg-buildpackage -us -uc -b succeeds" test $rc -eq 0 ||
		tail -n 30 "$PK/deb/build.log" | sed 's/^/    | /'
	[ $rc = 0 ] && cp "$PK/deb/build.log" "$PK/deb/ok-$hash"
fi
if [ ! -f "$DEB" ]; then
	t_fail "no '$DEB'"
	wait $layer_pid
	exit 1
fi
t_grep "the build used Debian's hardening flags" 'hardening=\+all' "$TOP/debian/rules"
dpkg-deb -f "$DEB" Provides Conflicts Replaces Depends >"$T_TMP/fields"
# libarchive (bzip2 images) and libkmod (module resolution) are loaded with dlopen, so
# shlibs cannot state them.
t_grep "Depends: libarchive13, which the generator dlopens" \
	'^Depends: (.*, )?libarchive13( \| libarchive13t64)?(,|$)' "$T_TMP/fields"
t_grep "Depends: libkmod2, which the generator dlopens" '^Depends: (.*, )?libkmod2(,|$)' \
	"$T_TMP/fields"
t_grep "Provides: linux-initramfs-tool" '^Provides: linux-initramfs-tool$' "$T_TMP/fields"
for c in initramfs-tools initramfs-tools-core dracut; do
	t_grep "Conflicts: $c" "^Conflicts: (.*, )?$c(,|$)" "$T_TMP/fields"
done
# Replaces where files are shared: initramfs-tools-core's mkinitramfs(8) page.
for c in initramfs-tools initramfs-tools-core; do
	t_grep "Replaces: $c" "^Replaces: (.*, )?$c(,|$)" "$T_TMP/fields"
done
dpkg-deb -c "$DEB" | awk '{ print $6 }' >"$T_TMP/files"
for f in ./usr/sbin/mkinitramfs ./usr/sbin/update-initramfs ./usr/lib/mkinitramfs/init \
	./etc/kernel/postinst.d/zz-mkinitramfs ./etc/kernel/postrm.d/zz-mkinitramfs \
	./etc/mkinitramfs.conf ./usr/share/man/man8/update-initramfs.8.gz; do
	t_check "the package has $f" grep -qx -- "$f" "$T_TMP/files"
done
t_nogrep "no pacman hooks in the Debian package" 'libalpm' "$T_TMP/files"
dpkg-deb -x "$DEB" "$T_TMP/x"
GEN=$T_TMP/x/usr/sbin/mkinitramfs
t_check "generator linked with -z now (LDFLAGS honoured)" sh -c "readelf -d '$GEN' | grep -q 'FLAGS.*BIND_NOW'"
t_check "generator has a RELRO segment" sh -c "readelf -lW '$GEN' | grep -q GNU_RELRO"
t_check "generator is fortified (CPPFLAGS honoured)" sh -c "nm -D '$GEN' | grep -q '__[a-z_]*_chk'"
t_check "generator has the stack protector (CFLAGS honoured)" sh -c "nm -D '$GEN' | grep -q __stack_chk_fail"
readelf -d "$GEN" >"$T_TMP/dynamic"
t_nogrep "generator does not link libarchive (loaded when a bzip2 image is read)" \
	'NEEDED.*libarchive' "$T_TMP/dynamic"
t_check "... and names the soname the package depends on" grep -q 'libarchive\.so\.13' "$GEN"
t_nogrep "generator does not link libkmod (loaded when modules are resolved)" \
	'NEEDED.*libkmod' "$T_TMP/dynamic"
t_check "... and names the soname the package depends on" grep -q 'libkmod\.so\.2' "$GEN"
t_check "the script names the installed generator" grep -q '/usr/sbin/mkinitramfs' \
	"$T_TMP/x/usr/sbin/update-initramfs"

# ---- the kernel package: the fixture's own .deb -------------------------------------------
read -r kpkg kver_pkg <"$KROOT/../stamp"
KDEB=$PK/dl/${kpkg}_${kver_pkg}_amd64.deb
if [ ! -f "$KDEB" ]; then
	rm -rf "$PK/dl" && mkdir -p "$PK/dl"
	(cd "$PK/dl" && timeout 600 apt-get download -q "$kpkg=$kver_pkg") >"$T_TMP/dl.log" 2>&1
fi
t_check "the fixture's kernel package is at hand" test -f "$KDEB" || cat "$T_TMP/dl.log"

wait $layer_pid
rc=$?
t_check "the cached chroot is ready" test $rc -eq 0 || sed 's/^/    | /' "$T_TMP/layer.log" | tail -n 30
[ $rc = 0 ] && [ -f "$KDEB" ] || exit 1

# ---- 2. a throwaway system on the cached chroot ----------------------------------------
mkdir -p "$T_TMP/upper" "$T_TMP/work" "$R"
mount -t overlay overlay -o "lowerdir=$LAYER,upperdir=$T_TMP/upper,workdir=$T_TMP/work" "$R" ||
	{ t_fail "cannot mount the overlay on the cached chroot"; exit 1; }
pkg_mount_api || { t_fail "cannot mount /proc, /sys, /dev and /tmp in the chroot"; exit 1; }
mkdir -p "$R/var/tmp/pkgs"
cp "$DEB" "$KDEB" "$R/var/tmp/pkgs/"
ch() { in_root "$R" "$@"; }
status() { ch dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null; }

t_check "precondition: initramfs-tools is installed" test "$(status initramfs-tools)" = "ii "
ch apt-get install -y --no-install-recommends "/var/tmp/pkgs/${DEB##*/}" >"$T_TMP/i1.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/i1.log" | tail -n 25
t_check "apt-get install ./mkinitramfs.deb succeeds" test $rc -eq 0
t_grep "apt removes initramfs-tools for it" '^Removing initramfs-tools ' "$T_TMP/i1.log"
t_check "initramfs-tools is gone" test "$(status initramfs-tools)" != "ii "
t_check "initramfs-tools-core is gone" test "$(status initramfs-tools-core)" != "ii "
t_check "mkinitramfs is installed" test "$(status mkinitramfs)" = "ii "
t_check "apt-get check: dependencies consistent" ch apt-get check -q
t_check "dpkg --audit: nothing half-installed" test -z "$(ch dpkg --audit)"
# dracut is the other way: apt's own resolver, without downloading it.
ch apt-get install -s -q dracut >"$T_TMP/dracut.log" 2>&1
t_grep "apt-get install dracut would remove mkinitramfs (Conflicts)" '^Remv mkinitramfs ' "$T_TMP/dracut.log"
t_grep "... and install dracut" '^Inst dracut ' "$T_TMP/dracut.log"
t_check "root's PATH finds our mkinitramfs" test "$(ch sh -c 'command -v mkinitramfs')" = /usr/sbin/mkinitramfs
ch mkinitramfs -V >"$T_TMP/v" 2>&1
t_grep "... which answers -V" '0\.1\.0' "$T_TMP/v"

# The VM's drivers, as a user's drop-in: the chroot's autodetect sees this machine's
# /sys and an overlay root, not the VM's disk.
mkdir -p "$R/etc/mkinitramfs.conf.d"
echo 'MODULES+=(virtio_pci virtio_blk ext4)' >"$R/etc/mkinitramfs.conf.d/vm.conf"
ch apt-get install -y --no-install-recommends "/var/tmp/pkgs/${KDEB##*/}" >"$T_TMP/k1.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/k1.log" | tail -n 15
t_check "apt-get install ./linux-image.deb succeeds" test $rc -eq 0
t_grep "the kernel's postinst.d ran our hook" "^/etc/kernel/postinst.d/zz-mkinitramfs:" "$T_TMP/k1.log"
INITRD=$R/boot/initrd.img-$KVER
t_check "the kernel's install built /boot/initrd.img-$KVER" test -s "$INITRD"
t_check "with its inputs record" test -s "$INITRD.inputs"
t_check "the kernel package is configured" test "$(status "$kpkg")" = "ii "
"$MKINITRAMFS" -l "$INITRD" >"$T_TMP/list" 2>&1
t_grep "the image has virtio_blk" 'virtio_blk\.ko' "$T_TMP/list"
t_grep "the image has ext4" 'ext4\.ko' "$T_TMP/list"

boot_setup || { t_fail "cannot build the test root's init"; exit 1; }
mk_ext4 "$BW/disk.img" 32M
VMLINUZ=$T_TMP/vmlinuz
cp "$R/boot/vmlinuz-$KVER" "$VMLINUZ"
cp "$INITRD" "$T_TMP/initrd"
qemu_boot "$T_TMP/deb-boot.log" "$T_TMP/initrd" "root=/dev/vda" \
	-drive "file=$BW/disk.img,if=virtio,format=raw"
t_grep "the package's kernel boots with the hook's image to the root" '^ROOTINIT done' \
	"$T_TMP/deb-boot.log"

# ---- 3. update-initramfs, the presets and the trigger -------------------------------------
# A user's preset of this kernel, and one of a kernel that is not installed (building
# it would fail): -k KVER maps onto the first only.
mkdir -p "$R/etc/mkinitramfs.d"
printf 'ALL_kver="/boot/vmlinuz-%s"\nPRESETS=(default)\ndefault_image="/boot/preset-vm.img"\n' \
	"$KVER" >"$R/etc/mkinitramfs.d/vm.preset"
printf "ALL_kver='0.0-other'\nPRESETS=(default)\ndefault_image=/boot/preset-other.img\n" \
	>"$R/etc/mkinitramfs.d/other.preset"
ch update-initramfs -u -k "$KVER" >"$T_TMP/u.log" 2>&1
t_check "update-initramfs -u -k KVER succeeds" test $? -eq 0 || sed 's/^/    | /' "$T_TMP/u.log"
t_grep "... and finds the image up to date" 'is up to date' "$T_TMP/u.log"
t_check "... and builds the image of the preset naming that kernel" test -s "$R/boot/preset-vm.img"
t_check "... not that of another kernel's preset" test ! -e "$R/boot/preset-other.img"
"$MKINITRAMFS" -l "$R/boot/preset-vm.img" >"$T_TMP/plist" 2>&1
t_grep "... which is an image of that kernel" "lib/modules/$KVER/.*virtio_blk\.ko" "$T_TMP/plist"
ch update-initramfs -d -k "$KVER" >"$T_TMP/d.log" 2>&1
t_check "update-initramfs -d -k KVER deletes the image" test $? -eq 0 -a ! -e "$INITRD" -a ! -e "$INITRD.inputs"
t_check "... and the preset's image, keeping the preset" \
	test ! -e "$R/boot/preset-vm.img" -a ! -e "$R/boot/preset-vm.img.inputs" -a -s "$R/etc/mkinitramfs.d/vm.preset"
rm "$R/etc/mkinitramfs.d/other.preset"
ch update-initramfs -c -k all >"$T_TMP/c.log" 2>&1
t_check "update-initramfs -c -k all creates it again" test $? -eq 0 -a -s "$INITRD"
t_check "... and every preset's image" test -s "$R/boot/preset-vm.img"
ch update-initramfs -x >"$T_TMP/e1.log" 2>&1
t_check "update-initramfs -x fails" test $? -eq 1
t_grep "... naming the option" "^update-initramfs: unknown option '-x'$" "$T_TMP/e1.log"
ch update-initramfs -c >"$T_TMP/e2.log" 2>&1
t_check "update-initramfs -c without -k fails" test $? -eq 1
t_grep "... saying what is missing" '^update-initramfs: -c needs -k VERSION or -k all$' "$T_TMP/e2.log"
ch update-initramfs -u -k 0.0-none >"$T_TMP/e3.log" 2>&1
t_check "update-initramfs -u -k NOSUCH fails" test $? -eq 1
t_grep "... with the generator's reason naming the release" \
	"^mkinitramfs: error: kernel '0\.0-none' not found" "$T_TMP/e3.log"
t_grep "... and that an existing image is left as it was" 'an existing image of that kernel is left as it was' "$T_TMP/e3.log"

# Another package's postinst asks for an update: deferred to our trigger, run once.
P=$T_TMP/trig
mkdir -p "$P/DEBIAN"
cat >"$P/DEBIAN/control" <<'CTL'
Package: mkinitramfs-trigger-test
Version: 1
Architecture: all
Maintainer: mkinitramfs tests <tests@example.invalid>
Description: calls update-initramfs -u from its postinst, as firmware packages do
CTL
printf '#!/bin/sh\nset -e\nif [ -x /usr/sbin/update-initramfs ]; then update-initramfs -u; fi\n' \
	>"$P/DEBIAN/postinst"
chmod 755 "$P/DEBIAN/postinst"
dpkg-deb --build "$P" "$R/var/tmp/pkgs/trig.deb" >/dev/null
ch dpkg -i /var/tmp/pkgs/trig.deb >"$T_TMP/t.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/t.log"
t_check "dpkg -i of a package calling update-initramfs succeeds" test $rc -eq 0
t_grep "its update is deferred to the trigger" 'deferring the update' "$T_TMP/t.log"
t_grep "the trigger runs once at the end" '^Processing triggers for mkinitramfs' "$T_TMP/t.log"
t_check "... and updates the image (found up to date)" awk '/^Processing triggers for mkinitramfs/ { p = 1 }
	p && /is up to date/ { f = 1 } END { exit !f }' "$T_TMP/t.log"

# ---- 4. removal and the way back ------------------------------------------------------------
ch apt-get remove -y "$kpkg" >"$T_TMP/r.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/r.log" | tail -n 10
t_check "apt-get remove of the kernel succeeds" test $rc -eq 0
t_check "its image and inputs record are gone" test ! -e "$INITRD" -a ! -e "$INITRD.inputs"
# initramfs-tools' own hooks stay behind as conffiles when it is removed; they call
# update-initramfs, ours now, which does the same: either way the image goes.
t_grep "our postrm.d hook ran" "^/etc/kernel/postrm.d/zz-mkinitramfs:" "$T_TMP/r.log"

ch apt-get install -y --no-download initramfs-tools >"$T_TMP/back.log" 2>&1
rc=$?
sed 's/^/    | /' "$T_TMP/back.log" | tail -n 12
t_check "switching back: apt-get install initramfs-tools succeeds" test $rc -eq 0
t_check "... removes mkinitramfs" test "$(status mkinitramfs)" != "ii "
t_check "... apt is consistent" ch apt-get check -q
t_check "... our kernel hook, left as a conffile, stands aside" \
	ch /etc/kernel/postinst.d/zz-mkinitramfs "$KVER"
