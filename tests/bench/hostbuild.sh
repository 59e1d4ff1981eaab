#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mkinitramfs alone, whole process, median of BENCH_BUILD_RUNS (21) runs after one
# warm-up: the explicit host image (MODULES=(virtio_pci virtio_blk ext4), HOOKS=(base))
# and its no-op regeneration, the autodetected host image (the sysfs of BENCH_SYSFS,
# this machine's /sys unless run.sh passes the benchmark VM's capture) and its no-op,
# and the fallback image beside `zstd -3 -T0` of the same cpio bytes. One line each.
# The explicit image three ways: with no frame cache, with an empty one every run
# (cold: compress all, store all) and with the one the previous run filled (warm);
# every other row with the warm cache, the fallback also without.
# A benchmark, not a test: nothing here asserts a time.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/hostbuild.XXXXXX")
trap 'rm -rf "$W"' EXIT
# The frame cache of the rows that name none: here, never root's /var/cache.
export MKINITRAMFS_CACHE=$W/cache
source "$here/../lib.sh"
source "$here/lib.sh"
t_fixture
command -v perf >/dev/null || { echo "hostbuild: error: 'perf' is missing (linux-perf)" >&2; exit 1; }
RUNS=${BENCH_BUILD_RUNS:-21}
SYSFS=${BENCH_SYSFS:-/sys}
printf 'MODULES=(virtio_pci virtio_blk ext4)\nHOOKS=(base)\n' >"$W/explicit.conf"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

# median_ms CMD...: runs CMD once to warm up, then RUNS times under `perf stat`; the
# median wall time (perf's "time elapsed": the command alone, not perf) and the median
# CPU time (task-clock: all threads, user and system), in ms. On a shared, loaded
# machine the wall time measures the neighbours too; the CPU time much less. $PRE, when
# set, is run before each run, outside the timing.
median_ms() {
	local run ts=() cs=()
	"$@" >"$W/log" 2>&1 || { echo "failed: $(tail -n 1 "$W/log")"; return 1; }
	for ((run = 0; run < RUNS; run++)); do
		[ -z "${PRE:-}" ] || $PRE
		perf stat -e task-clock -o "$W/stat" -- "$@" >"$W/log" 2>&1 ||
			{ echo "failed: $(tail -n 1 "$W/log")"; return 1; }
		ts+=("$(awk '/seconds time elapsed/ { print $1 * 1000 }' "$W/stat")")
		cs+=("$(awk '/msec task-clock/ { gsub(",", "", $1); print $1 }' "$W/stat")")
	done
	printf '%s wall, %s CPU' "$(bench_median "${ts[@]}" | awk '{ printf "%.1f ms", $1 }')" \
		"$(bench_median "${cs[@]}" | awk '{ printf "%.1f ms", $1 }')"
}
# The binary itself, not tests/lib.sh's stderr-check.sh wrapper (a shell per run).
mk=("$MKINITRAMFS_BIN" -k "$KVER" -r "$KROOT")

# row LABEL CMD...: one line, or the failure and exit 1.
row() {
	local label=$1 out
	shift
	out=$(median_ms "$@") || { echo "hostbuild: error: $label: $out" >&2; exit 1; }
	echo "$out"
}
explicit=$(row explicit "${mk[@]}" -f -c "$W/explicit.conf" --no-cache -g "$W/explicit.img") ||
	exit 1
echo "explicit host build (-f), no frame cache: $explicit"
empty_cold() { rm -rf "$W/cold"; }
explicit=$(PRE=empty_cold row explicit "${mk[@]}" -f -c "$W/explicit.conf" --cache "$W/cold" \
	-g "$W/explicit.img") || exit 1
echo "explicit host build (-f), cold frame cache: $explicit"
explicit=$(row explicit "${mk[@]}" -f -c "$W/explicit.conf" -g "$W/explicit.img") || exit 1
echo "explicit host build (-f), warm frame cache: $explicit"
enoop=$(row "explicit no-op" "${mk[@]}" -c "$W/explicit.conf" -g "$W/explicit.img") || exit 1
echo "no-op of the explicit image:  $enoop"
# A capture's root device as the bench's host image has it (the virtio VM's: vda); this
# machine's own is found in its mount table.
rootdev=()
[ -n "${BENCH_SYSFS:-}" ] && rootdev=(--rootdev "${BENCH_ROOTDEV:-/dev/vda}")
host=$(row autodetected "${mk[@]}" -f -c "$TOP/mkinitramfs.conf" --sysfs "$SYSFS" \
	--rootfs ext4 "${rootdev[@]}" -g "$W/host.img") || exit 1
echo "autodetected host build (-f): $host"
before=$(stat -c %i.%Y "$W/host.img")
noop=$(row no-op "${mk[@]}" -c "$TOP/mkinitramfs.conf" --sysfs "$SYSFS" --rootfs ext4 \
	"${rootdev[@]}" -g "$W/host.img") || exit 1
untouched=no
[ "$before" = "$(stat -c %i.%Y "$W/host.img")" ] && untouched=yes
echo "no-op regeneration:           $noop (image left untouched: $untouched)"
fb=$(row fallback "${mk[@]}" -f -c "$TOP/mkinitramfs.conf" -S autodetect -g "$W/fallback.img") ||
	exit 1
bench_plain_cpio "$TOP/mkinitramfs.conf" "$W/fallback.cpio" "${mk[@]}" || exit 1
zs=$(row zstd zstd -q -3 -T0 -f "$W/fallback.cpio" -o "$W/fallback.zst") || exit 1
echo "fallback build (-f):          $fb"
fb=$(row fallback "${mk[@]}" -f -c "$TOP/mkinitramfs.conf" -S autodetect --no-cache \
	-g "$W/fallback.img") || exit 1
echo "fallback build (-f), no frame cache: $fb"
echo "zstd -3 -T0, same $(bench_mib "$(stat -c %s "$W/fallback.cpio")") cpio: $zs"
