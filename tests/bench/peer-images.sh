#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Images made by the peers themselves, for tests that read them: initramfs-tools'
# mkinitramfs and dracut, each run in its cached chroot (tests/bench/chroots.sh) for the
# kernel fixture, each with an early microcode cpio (a made-up Intel blob: the
# chroots have no microcode package) in front of its compressed main archive, as a
# machine with intel-microcode installed gets. Cached under build/bench/peer-images/KEY,
# KEY naming the inputs (peer versions, kernel, the fixture's module index, this
# script); prints that directory, which holds itools.img and dracut.img.
# Usage: peer-images.sh KROOT KVER   (run as root; mounts are made in a private namespace)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
kroot=$1
kver=$2
source "$top/tests/bench/lib.sh"
bench_private_mounts "$@"

mkdir -p "$B/bench"
exec 7>"$B/bench/peer-images.lock"
flock -w 1800 7 || {
	bench_log "error: timed out waiting for '$B/bench/peer-images.lock'"
	exit 1
}
CHROOT_PEERS="initramfs-tools dracut" "$top/tests/bench/chroots.sh" "$kroot" "$kver" >&2
ch=$B/bench/chroots
it=$ch/initramfs-tools
dr=$ch/dracut
key=$({
	cat "$it/.bench-ready" "$dr/.bench-ready"
	echo "$kver"
	sha256sum <"$kroot/lib/modules/$kver/modules.dep.bin"
	sha256sum <"$0"
} | sha256sum | cut -c1-16)
out=$B/bench/peer-images/$key
if [ -s "$out/itools.img" ] && [ -s "$out/dracut.img" ]; then
	echo "$out"
	exit 0
fi
bench_log "making initramfs-tools and dracut images for '$kver' into '$out'"
rm -rf "$B/bench/peer-images"
mkdir -p "$out"

in_chroot() { # DIR CMD...: with its API filesystems, unmounted after
	local root=$1 r=0
	shift
	bench_mount_api "$root"
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root \
		timeout -k 10 900 chroot "$root" "$@" >>"$out/make.log" 2>&1 || r=$?
	bench_umount_api "$root"
	return $r
}
fail() {
	bench_log "error: $*, see '$out/make.log'"
	tail -n 20 "$out/make.log" >&2
	exit 1
}

# initramfs-tools: a configuration directory of its own whose hook prepends an early
# cpio through hook-functions' prepend_earlyinitramfs, as the microcode packages' hooks do.
conf=/etc/initramfs-tools-peerimg
rm -rf "$it$conf"
cp -a "$it/etc/initramfs-tools" "$it$conf"
cat >"$it$conf/hooks/test-ucode" <<'EOH'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
d=$(mktemp -d)
mkdir -p "$d/kernel/x86/microcode"
printf 'INTEL-UCODE-TEST' >"$d/kernel/x86/microcode/GenuineIntel.bin"
(cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$d.cpio"
prepend_earlyinitramfs "$d.cpio"
rm -rf "$d" "$d.cpio"
EOH
chmod 755 "$it$conf/hooks/test-ucode"
mkdir -p "$it/peer-out"
in_chroot "$it" mkinitramfs -d "$conf" -o /peer-out/itools.img "$kver" ||
	fail "initramfs-tools' mkinitramfs failed"
mv "$it/peer-out/itools.img" "$out/"
rm -rf "$it$conf" "$it/peer-out"

# dracut, with its defaults (the compressor it finds first) and early microcode from
# the firmware directory.
mkdir -p "$dr/usr/lib/firmware/intel-ucode" "$dr/peer-out"
printf 'INTEL-UCODE-TEST' >"$dr/usr/lib/firmware/intel-ucode/06-55-04"
in_chroot "$dr" dracut --force --no-hostonly --early-microcode /peer-out/dracut.img "$kver" ||
	fail "dracut failed"
mv "$dr/peer-out/dracut.img" "$out/"
rm -rf "$dr/usr/lib/firmware/intel-ucode" "$dr/peer-out"
rmdir --ignore-fail-on-non-empty "$dr/usr/lib/firmware"
echo "$out"
