#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (not a test): the fallback and host images on the bench's virtio-blk VM with
# -smp 1 and -smp 4, each with this tree's init and, when INIT_BEFORE names another init
# binary, with that one: the kernel's uptime at the root's init (median of BOOTS, 3) and
# how many modules the initramfs loaded. Issue 19's parallel module loading.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
source "$here/../boot/lib.sh"
BOOTS=${BOOTS:-3}
BOOT_TIMEOUT=${BENCH_BOOT_TIMEOUT:-180}
W=$B/bench/smp
CONF=$TOP/mkinitramfs.conf
APPEND="console=ttyS0 panic=-1 root=/dev/vda rw quiet"
rm -rf "$W/work" "$W/logs"
mkdir -p "$W/work" "$W/logs"
T_TMP=$W/work
t_fixture
boot_setup || { bench_log "error: cannot build the root's init"; exit 1; }
musl-gcc -static -Os -o "$BW/rootfs/bin/capture" "$TOP/tests/boot/capture.c" || exit 1
mk_ext4 "$W/work/root.img" 64M -L benchroot
VMLINUZ=$KROOT/boot/vmlinuz-$KVER
ROOTDISK=(-drive "file=$W/work/root.img,format=raw,if=virtio,snapshot=on")

# The VM's sysfs for the host image, captured once per kernel as run.sh does.
SYSFS=$W/capture-$KVER/sysfs
if [ ! -f "$W/capture-$KVER/done" ]; then
	rm -rf "$W/capture-$KVER"
	mkdir -p "$SYSFS"
	"$MKINITRAMFS" -f -k "$KVER" -r "$KROOT" -c "$CONF" -S autodetect \
		-g "$W/work/capture.img" >"$W/logs/capture.gen.log" 2>&1 || exit 1
	truncate -s 4M "$W/work/capture.disk"
	bench_qemu_run "$W/logs/capture.log" "$W/work/capture.img" \
		"console=ttyS0 panic=-1 root=/dev/vda rw init=/bin/capture" "${ROOTDISK[@]}" \
		-drive "file=$W/work/capture.disk,format=raw,if=virtio"
	grep -aq 'CAPTURE done' "$W/logs/capture.log" || { bench_log "error: capture failed"; exit 1; }
	capture_unpack "$W/work/capture.disk" "$W/capture-$KVER"
	touch "$W/capture-$KVER/done"
fi

inits=(after)
[ -n "${INIT_BEFORE:-}" ] && inits=(before after)
for v in "${inits[@]}"; do
	init=$B/init
	[ "$v" = before ] && init=$INIT_BEFORE
	MKINITRAMFS_INIT=$init "$MKINITRAMFS" -f -k "$KVER" -r "$KROOT" -c "$CONF" \
		-S autodetect -g "$W/work/$v-fallback.img" >>"$W/logs/gen.log" 2>&1 || exit 1
	MKINITRAMFS_INIT=$init "$MKINITRAMFS" -f -k "$KVER" -r "$KROOT" -c "$CONF" \
		--sysfs "$SYSFS" --rootfs ext4 --rootdev /dev/vda -g "$W/work/$v-host.img" \
		>>"$W/logs/gen.log" 2>&1 ||
		exit 1
done

declare -A ups=() mods=()
for ((n = 1; n <= BOOTS; n++)); do
	for smp in 1 4; do
		for img in fallback host; do
			for v in "${inits[@]}"; do
				id=$v-$img-smp$smp
				log=$W/logs/$id.$n.log
				# A later -smp overrides the one bench_qemu_run passes.
				bench_qemu_run "$log" "$W/work/$v-$img.img" "$APPEND" -smp "$smp" \
					"${ROOTDISK[@]}"
				if ! grep -aq 'ROOTINIT uptime=' "$log"; then
					bench_log "'$id' boot $n failed: $(bench_boot_reason "$log")"
					continue
				fi
				ups[$id]+=" $(bench_uptime "$log")"
				mods[$id]=$(sed -n 's/.*ROOTINIT modules= *//p' "$log" | head -n1 | wc -w)
				bench_log "'$id' boot $n: $(bench_uptime "$log") s"
			done
		done
	done
done
echo "| init | image | -smp | uptime at root's init, median (all) | modules before root |"
echo "| --- | --- | --- | --- | --- |"
for v in "${inits[@]}"; do
	for img in fallback host; do
		for smp in 1 4; do
			id=$v-$img-smp$smp
			echo "| $v | $img | $smp | $(bench_median_s "${ups[$id]:-}") (${ups[$id]:-failed}) | ${mods[$id]:-?} |"
		done
	done
done
