#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mkinitramfs alone, whole-process wall time, median of BENCH_BUILD_RUNS (21) runs after
# one warm-up: the explicit host image (MODULES=(virtio_pci virtio_blk ext4),
# HOOKS=(base)), the autodetected host image (the sysfs of BENCH_SYSFS, this machine's
# /sys unless run.sh passes the benchmark VM's capture), a no-op regeneration of it, and
# the fallback image beside `zstd -3 -T0` of the same cpio bytes. Prints one line each.
# A benchmark, not a test: nothing here asserts a time.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
source "$here/lib.sh"
t_fixture
command -v perf >/dev/null || { echo "hostbuild: error: 'perf' is missing (linux-perf)" >&2; exit 1; }
RUNS=${BENCH_BUILD_RUNS:-21}
SYSFS=${BENCH_SYSFS:-/sys}
W=$(mktemp -d "${TMPDIR:-/tmp}/hostbuild.XXXXXX")
trap 'rm -rf "$W"' EXIT
printf 'MODULES=(virtio_pci virtio_blk ext4)\nHOOKS=(base)\n' >"$W/explicit.conf"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

# median_ms CMD...: runs CMD once to warm up, then RUNS times; the median wall time and
# the median CPU time (perf's task-clock: all threads, user and system) in ms. On a
# shared, loaded machine the wall time measures the neighbours; the CPU time does not.
median_ms() {
	local run t0 ts=() cs=()
	"$@" >"$W/log" 2>&1 || { echo "failed: $(tail -n 1 "$W/log")"; return 1; }
	for ((run = 0; run < RUNS; run++)); do
		t0=$(date +%s%N)
		perf stat -x, -e task-clock -o "$W/stat" -- "$@" >"$W/log" 2>&1 ||
			{ echo "failed: $(tail -n 1 "$W/log")"; return 1; }
		ts+=("$((($(date +%s%N) - t0) / 1000))")
		cs+=("$(awk -F, '$3 ~ /^task-clock/ { print $1 }' "$W/stat")")
	done
	printf '%s wall, %s CPU' "$(bench_median "${ts[@]}" | awk '{ printf "%.1f ms", $1 / 1000 }')" \
		"$(bench_median "${cs[@]}" | awk '{ printf "%.1f ms", $1 }')"
}
mk=("$MKINITRAMFS" -k "$KVER" -r "$KROOT")

echo "explicit host build (-f):    $(median_ms "${mk[@]}" -f -c "$W/explicit.conf" -g "$W/explicit.img")"
echo "autodetected host build (-f): $(median_ms "${mk[@]}" -f -c "$TOP/mkinitramfs.conf" --sysfs "$SYSFS" \
	--rootfs ext4 -g "$W/host.img")"
before=$(stat -c %i.%Y "$W/host.img")
echo "no-op regeneration:           $(median_ms "${mk[@]}" -c "$TOP/mkinitramfs.conf" --sysfs "$SYSFS" \
	--rootfs ext4 -g "$W/host.img") (image left untouched: $([ "$before" = \
	"$(stat -c %i.%Y "$W/host.img")" ] && echo yes || echo no))"
fb=$(median_ms "${mk[@]}" -f -c "$TOP/mkinitramfs.conf" -S autodetect -g "$W/fallback.img")
zstd -dcq "$W/fallback.img" >"$W/fallback.cpio"
zs=$(median_ms zstd -q -3 -T0 -f "$W/fallback.cpio" -o "$W/fallback.zst")
echo "fallback build (-f):          $fb; zstd -3 -T0 on its $(bench_mib "$(stat -c %s \
	"$W/fallback.cpio")") cpio: $zs"
