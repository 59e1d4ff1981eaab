#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 1 timed against a hand-made busybox image whose /init insmods exactly the
# needed modules: time from kernel start to the root's first line (its /proc/uptime).
# BASELINE_RUNS boots of each, interleaved so machine load hits both alike; medians.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/boot/lib.sh"
RUNS=${BASELINE_RUNS:-5}

t_tmpdir
t_fixture
boot_setup || exit 1
mk_ext4 "$BW/root.img" 64M

ours=$BW/ours.img
make_image "$ours" zstd no a:virtio_pci a:virtio_blk a:ext4 || exit 1

# The busybox image: the same module files, in modprobe's order, minus crc32c-intel
# (it fails under TCG), a polling wait for /dev/vda, busybox switch_root.
st=$BW/bb
mkdir -p "$st"/{bin,dev,proc,sys,new_root,mods}
cp /bin/busybox "$st/bin/busybox"
mknod "$st/dev/console" c 5 1 2>/dev/null || true
order=()
for m in virtio_pci virtio_blk ext4; do
	while read -r _ p _; do
		case $p in *crc32c-intel*) continue ;; esac
		n=${p##*/}
		[ -e "$st/mods/$n" ] && continue
		cp "$p" "$st/mods/$n"
		order+=("$n")
	done < <(modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" | grep '^insmod')
done
{
	echo '#!/bin/busybox sh'
	echo '/bin/busybox mount -t devtmpfs dev /dev'
	echo '/bin/busybox mount -t proc proc /proc'
	echo '/bin/busybox mount -t sysfs sys /sys'
	for n in "${order[@]}"; do echo "/bin/busybox insmod /mods/$n"; done
	echo 'while [ ! -b /dev/vda ]; do /bin/busybox usleep 10000; done'
	echo '/bin/busybox mount -o ro /dev/vda /new_root'
	echo 'exec /bin/busybox switch_root /new_root /sbin/init'
} >"$st/init"
chmod 755 "$st/init"
pack_dir "$st" "$BW/busybox.img" zstd

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
a=() b=() t=()
for ((i = 1; i <= RUNS; i++)); do
	for kind in ours busybox; do
		log=$BW/$kind.$i.log
		qemu_boot "$log" "$BW/$kind.img" "root=/dev/vda" \
			-drive file="$BW/root.img",format=raw,if=virtio
		up=$(sed -n 's/^ROOTINIT uptime=\([0-9.]*\) .*/\1/p' "$log")
		[ -n "$up" ] || { echo "baseline: $kind run $i did not boot"; tail -5 "$log"; exit 1; }
		if [ $kind = ours ]; then
			a+=("$up")
			t+=("$(sed -n 's/.*initramfs: timing: .*total \([0-9]*\) ms/\1/p' "$log")")
		else
			b+=("$up")
		fi
	done
done
echo "baseline: image sizes: ours $(stat -c %s "$ours") bytes, busybox $(stat -c %s "$BW/busybox.img") bytes"
echo "baseline: ours    (imager $BOOT_IMAGER): ${a[*]} s -> median $(median "${a[@]}") s (init total ms: ${t[*]})"
echo "baseline: busybox (hand-made):      ${b[*]} s -> median $(median "${b[@]}") s"
