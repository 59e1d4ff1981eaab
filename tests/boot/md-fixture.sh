#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# md RAID disk images for the boot tests, made where md exists: this machine's kernel
# has none, so the arrays are created inside a VM booted with the test kernel and a
# small initramfs of busybox-static plus the host's real mdadm with its libraries.
#
#   md-fixture.sh KROOT KVER ROOTFS
#
# ROOTFS is the directory the root filesystems are made from. Prints the cache
# directory on stdout; it holds the member images and info.env (UUIDs, names):
#   r1a r1b       RAID1, metadata 1.2, name "root", ext4 labelled "mdroot1"
#   r5a r5b r5c   RAID5 of three, name "r5", ext4 labelled "mdroot5"
#   l1a l1b       RAID1, name "crypt", holding LUKS2 (key file = key) over ext4
#                 labelled "mdluks"
# The cache (build/md-fixture/<key>) is keyed by this script, the kernel, mdadm,
# busybox, cryptsetup and the ROOTFS contents: other suites and reruns share it.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kroot=$1 kver=$2 rootfs=$3
B=${B:-$top/build}
say() { echo "md-fixture: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

for tool in mdadm cryptsetup qemu-system-x86_64 mkfs.ext4 cpio sha256sum; do
	command -v "$tool" >/dev/null || die "'$tool' is missing: run make deps"
done
[ -x /bin/busybox ] || die "'/bin/busybox' is missing: run make deps (busybox-static)"
mdadm=$(command -v mdadm)
vmlinuz=$kroot/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || die "no kernel '$vmlinuz'"

key=$({
	cat "$0"
	echo "$kver"
	sha256sum "$mdadm" /bin/busybox "$(command -v cryptsetup)"
	(cd "$rootfs" && find . -type f | LC_ALL=C sort | xargs sha256sum)
} | sha256sum | cut -c1-16)
cache=$B/md-fixture/$key
if [ -f "$cache/info.env" ]; then
	echo "$cache"
	exit 0
fi
mkdir -p "$B/md-fixture"
# One maker at a time: suites started together wait for the first one's images.
exec 8>"$B/md-fixture/lock"
flock -w 1200 8 || die "timed out waiting for '$B/md-fixture/lock'"
if [ -f "$cache/info.env" ]; then
	echo "$cache"
	exit 0
fi
work=$(mktemp -d "$B/md-fixture/work.XXXXXX")
trap '[ -n "${MD_FIXTURE_KEEP:-}" ] || rm -rf "$work"' EXIT

# The filesystems, made here; the VM copies them onto the arrays.
mkfs.ext4 -q -F -d "$rootfs" -L mdroot1 "$work/fs1" 32M >/dev/null
mkfs.ext4 -q -F -d "$rootfs" -L mdroot5 "$work/fs5" 32M >/dev/null
printf 'md key' >"$work/key"
truncate -s 48M "$work/luks"
mkfs.ext4 -q -F -d "$rootfs" -L mdluks "$work/luks" 32M >/dev/null
cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 16M --pbkdf argon2id \
	--pbkdf-memory 8192 --pbkdf-force-iterations 4 --pbkdf-parallel 1 --batch-mode \
	--key-file "$work/key" "$work/luks" >/dev/null || die "cryptsetup reencrypt failed"
for d in r1a r1b; do truncate -s 40M "$work/$d"; done
for d in l1a l1b; do truncate -s 52M "$work/$d"; done
for d in r5a r5b r5c; do truncate -s 24M "$work/$d"; done

# The VM's initramfs: busybox, mdadm and its libraries, the md and virtio modules.
ir=$work/initramfs
mkdir -p "$ir"/{bin,sbin,dev,proc,sys,run,lib/modules}
cp /bin/busybox "$ir/bin/busybox"
ln -s busybox "$ir/bin/sh"
copy_lib() {
	mkdir -p "$ir$(dirname "$1")"
	cp -L "$1" "$ir$1"
}
cp "$mdadm" "$ir/sbin/mdadm"
for lib in $(ldd "$mdadm" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }'); do
	copy_lib "$lib"
done
: >"$ir/modules.list"
for m in virtio_pci virtio_blk raid1 raid456; do
	modprobe -d "$kroot" -S "$kver" -C /dev/null --show-depends "$m" |
		awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	cp "$ko" "$ir/lib/modules/"
	echo "/lib/modules/${ko##*/}" >>"$ir/modules.list"
done
cat >"$ir/init" <<'EOF'
#!/bin/sh
export PATH=/sbin:/bin
/bin/busybox --install -s /bin
fail() {
	echo "FIXTURE-FAIL $*"
	poweroff -f
	sleep 60
}
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
while read -r ko; do insmod "$ko" 2>/dev/null; done </modules.list
grep -q raid1 /proc/modules || fail "raid1 did not load"
grep -q raid456 /proc/modules || fail "raid456 did not load"
# Disks by their QEMU serial, not by probe order.
for d in /sys/block/vd*; do ln -s "/dev/${d##*/}" "/dev/$(cat "$d/serial")"; done
mk() { # MD LEVEL NAME SOURCE MEMBERS...
	md=$1 level=$2 name=$3 src=$4
	shift 4
	mdadm --create "$md" --run --metadata=1.2 --level="$level" --name="$name" \
		--homehost=fixture --assume-clean --raid-devices=$# "$@" || fail "mdadm --create $name"
	dd if="$src" of="$md" bs=1M 2>/dev/null || fail "copy onto $name"
	sync
	mdadm --detail "$md" | sed 's/^/FIXTURE /'
	mdadm --stop "$md" || fail "mdadm --stop $name"
}
mk /dev/md1 1 root /dev/fs1 /dev/r1a /dev/r1b
mk /dev/md5 5 r5 /dev/fs5 /dev/r5a /dev/r5b /dev/r5c
mk /dev/md2 1 crypt /dev/luks /dev/l1a /dev/l1b
sync
echo FIXTURE-OK
poweroff -f
EOF
chmod 755 "$ir/init"
(cd "$ir" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$work/initrd"

drives=()
for d in r1a r1b r5a r5b r5c l1a l1b fs1 fs5 luks; do
	drives+=(-drive "file=$work/$d,format=raw,if=none,id=$d" -device "virtio-blk-pci,drive=$d,serial=$d")
done
say "creating the arrays in a VM (kernel $kver, $(mdadm --version 2>&1 | head -n1))"
timeout -k 5 "${MD_FIXTURE_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -m 512 -smp 1 \
	-nographic -no-reboot -kernel "$vmlinuz" -initrd "$work/initrd" \
	-append "console=ttyS0 panic=-1 no_timer_check quiet" "${drives[@]}" </dev/null \
	>"$work/vm.log" 2>&1 || true
sed -i 's/\r$//' "$work/vm.log"
if grep -q '^FIXTURE-FAIL' "$work/vm.log" || ! grep -q '^FIXTURE-OK' "$work/vm.log"; then
	grep '^FIXTURE-FAIL' "$work/vm.log" >&2 || say "the VM ended without FIXTURE-OK"
	tail -n 20 "$work/vm.log" | sed 's/^/  | /' >&2
	die "the fixture VM did not make the arrays (log above)"
fi

# The array UUID as mdadm prints it, from the 1.2 superblock (4 KiB in, set_uuid at 16):
# mdadm --examine wants a block device.
array_uuid() {
	od -An -tx1 -j $((4096 + 16)) -N 16 "$work/$1" | tr -d ' \n' |
		sed -E 's/^(.{8})(.{8})(.{8})(.{8})$/\1:\2:\3:\4/'
}
mkdir -p "$work/out"
for d in r1a r1b r5a r5b r5c l1a l1b key; do mv "$work/$d" "$work/out/$d"; done
cp "$work/vm.log" "$work/out/vm.log"
{
	echo "MD_R1_UUID=$(array_uuid out/r1a)"
	echo "MD_R5_UUID=$(array_uuid out/r5a)"
	echo "MD_L1_UUID=$(array_uuid out/l1a)"
	echo "FS_R1_UUID=$(blkid -p -o value -s UUID "$work/fs1")"
	echo "FS_R5_UUID=$(blkid -p -o value -s UUID "$work/fs5")"
	echo "LUKS_UUID=$(cryptsetup luksUUID "$work/luks")"
} >"$work/out/info.env"
grep -Eq '=$|=0{8}:' "$work/out/info.env" && die "an identity is missing: $(tr '\n' ' ' <"$work/out/info.env")"
rm -rf "$cache"
mv "$work/out" "$cache"
say "arrays made in '$cache'"
echo "$cache"
