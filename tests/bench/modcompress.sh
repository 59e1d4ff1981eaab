#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark, not a test: on Debian 13's 6.12 kernel (tests/kernel-fixture.sh --kernel
# trixie), modules kept compressed (MODULES_DECOMPRESS=auto) against decompressed and
# recompressed (=yes), for an explicit host-style image and a generic fallback image:
# build time (median of BENCH_RUNS, -f), image size, bytes unpacked into the rootfs,
# and the kernel's uptime when the root's init starts (median of BENCH_BOOTS QEMU TCG
# boots, two at a time). Prints a Markdown table. Nothing is asserted. Build CPU time
# (user + system) is the figure to trust on a loaded machine; wall times are noisy.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_tmpdir
read -r KROOT KVER < <("$TOP/tests/kernel-fixture.sh" --kernel trixie)
. "$TOP/tests/boot/lib.sh"
boot_setup || exit 1
mk_ext4 "$BW/root.img" 64M -L testroot
cd "$T_TMP" || exit 1
RUNS=${BENCH_RUNS:-9}
BOOTS=${BENCH_BOOTS:-3}
KINDS=${BENCH_ONLY:-host fallback} # which images
[ -n "${BENCH_BOOT_TIMEOUT:-}" ] && BOOT_TIMEOUT=$BENCH_BOOT_TIMEOUT # a loaded machine is slow

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf 'MODULES=(virtio_pci virtio_blk ext4)\nHOOKS=(base)\n' >host.conf
sed -e 's/^HOOKS=.*/HOOKS=(base modconf block filesystems keyboard)/' "$TOP/mkinitramfs.conf" >fallback.conf
echo "# $KVER, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| image | modules | build CPU (median of $RUNS) | image | unpacked | files | uptime at root's init (median of $BOOTS) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for kind in $KINDS; do
	for mode in auto yes; do
		name=$kind-$mode
		{ cat "$kind.conf"; echo "MODULES_DECOMPRESS=$mode"; } >"$name.conf"
		for ((i = 0; i < RUNS + 1; i++)); do
			/usr/bin/time -f '%U %S' -o "$name.cpu" "$MKINITRAMFS" -f -k "$KVER" \
				-r "$KROOT" -c "$name.conf" -g "$name.img" >/dev/null 2>&1 || exit 1
			# the first run warms the cache
			[ "$i" -gt 0 ] && awk '{ print $1 + $2 }' "$name.cpu"
		done | median >"$name.time"
		"$MKINITRAMFS" -l "$name.img" >"$name.list"
		unpacked=$(awk '$1 ~ /^-/ { s += $2 } END { print s }' "$name.list")
		files=$(grep -c '^-' "$name.list")
		for ((i = 0; i < BOOTS; i += 2)); do
			for j in 0 1; do
				[ $((i + j)) -lt "$BOOTS" ] || continue
				cp --sparse=always "$BW/root.img" "$BW/$name.$j.disk"
				qemu_boot "$BW/bench-$name-$((i + j)).log" "$name.img" "root=LABEL=testroot quiet" \
					-drive "file=$BW/$name.$j.disk,format=raw,if=virtio" &
			done
			wait
		done
		up=$(for ((i = 0; i < BOOTS; i++)); do
			sed -n 's/.*ROOTINIT uptime=\([0-9.]*\) .*/\1/p' "$BW/bench-$name-$i.log"
		done | median)
		printf '| %s | %s | %.3f s | %s KiB | %s KiB | %s | %s s |\n' "$kind" \
			"$([ "$mode" = auto ] && echo "kept .ko.xz" || echo "decompressed, recompressed")" \
			"$(cat "$name.time")" "$(($(stat -c %s "$name.img") / 1024))" \
			"$((unpacked / 1024))" "$files" "${up:-failed}"
	done
done
t_report >/dev/null
