#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The hand-made baseline image of the benchmark, the near-physical limit of boot time:
# busybox as the shell of a /init script that insmods exactly the modules virtio-blk and
# ext4 need (in modprobe --show-depends order), waits for the root device, mounts it and
# switches to it. Nothing of mkinitramfs (neither its init nor its plan) is in it.
# Usage: baseline.sh KROOT KVER OUT [MODULE...]   (zstd -3, as mkinitramfs's default;
# the modules default to virtio_pci virtio_blk ext4, the benchmark VM's)
set -euo pipefail
kroot=$(realpath "$1")
kver=$2
out=$3
shift 3
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(virtio_pci virtio_blk ext4)
busybox=${BUSYBOX:-/bin/busybox}

stage=$(mktemp -d "${out%/*}/baseline.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,root}
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
# The kernel opens it for /init before anything is mounted: the console of the boot.
mknod -m 600 "$stage/dev/console" c 5 1

# The closure of the modules, each once, in the order modprobe would load them.
declare -A seen=()
mods=()
for m in "${wanted[@]}"; do
	while read -r verb path _; do
		[ "$verb" = insmod ] || continue
		[ -n "${seen[$path]:-}" ] && continue
		seen[$path]=1
		rel=${path#"$kroot"}
		mkdir -p "$stage${rel%/*}"
		cp "$path" "$stage$rel"
		mods+=("$rel")
	done < <(modprobe -d "$kroot" -S "$kver" --show-depends "$m")
done

{
	cat <<'EOF'
#!/bin/sh
# The benchmark's baseline init: load the modules, wait for root=, mount, switch.
bb=/bin/busybox
$bb mount -t devtmpfs devtmpfs /dev
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
EOF
	for rel in "${mods[@]}"; do
		# crc32c-intel is one of ext4's softdep alternatives; it fails (ENODEV) on
		# a CPU without SSE4.2, such as QEMU TCG's, and crc32c_generic serves then.
		printf '$bb insmod %s || echo "baseline: insmod %s failed"\n' "$rel" "${rel##*/}"
	done
	cat <<'EOF'
root=/dev/vda
for w in $($bb cat /proc/cmdline); do
	case $w in root=/dev/*) root=${w#root=} ;; esac
done
i=0
while [ ! -b "$root" ] && [ $i -lt 3000 ]; do
	$bb usleep 10000
	i=$((i + 1))
done
$bb mount -t ext4 -o rw "$root" /root || { echo "baseline: cannot mount $root"; exec $bb sh; }
$bb umount /proc /sys
$bb mount --move /dev /root/dev
exec $bb switch_root /root /sbin/init
EOF
} >"$stage/init"
chmod 755 "$stage/init"

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	zstd -q -3 -T0 >"$out.tmp"
mv "$out.tmp" "$out"
