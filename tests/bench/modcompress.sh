#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The 6.12 benchmark of `make bench` (issue 20), on Debian 13's kernel
# (tests/kernel-fixture.sh --kernel trixie: .ko.xz modules, CONFIG_MODULE_DECOMPRESS=y):
# mkinitramfs with modules kept compressed (MODULES_DECOMPRESS=auto: the .ko.xz files as
# they are, in an uncompressed cpio segment, loaded with MODULE_INIT_COMPRESSED_FILE)
# against decompressed and recompressed (=yes), for an explicit host-style image and a
# generic fallback image, beside initramfs-tools and dracut run against the same 6.12
# tree in their chroots. Build wall and CPU time (median of BENCH_RUNS builds), image
# size (compressed, and the bytes of the files unpacked into memory), and boot time to
# the root's init (median of BENCH_BOOTS QEMU TCG boots, one at a time). Prints a
# Markdown section; a tool that fails is reported with its reason. Nothing is asserted.
# Knobs: BENCH_RUNS (5), BENCH_BOOTS (3), BENCH_BOOT_TIMEOUT (180 s).
# Alone: tests/bench/modcompress.sh, as root.

# One compound command, read whole before it runs.
{
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/../lib.sh"
source "$here/../boot/lib.sh"
bench_private_mounts "$@"

RUNS=${BENCH_RUNS:-5}
read -r KROOT KVER < <("$TOP/tests/kernel-fixture.sh" --kernel trixie)
[ -n "${KVER:-}" ] || { echo "bench: error: no Debian 13 kernel fixture" >&2; exit 1; }
# The peers' chroots of run.sh, holding the 6.12 tree for this run (chroots.sh links
# the fixture it is given in place of the other).
bench_part k612 initramfs-tools dracut
boot_setup || { echo "bench: error: cannot build the root's init" >&2; exit 1; }
bench_part_root
mk_ext4 "$W/work/root.img" 64M -L benchroot
BENCH_QEMU=(-drive "file=$W/work/root.img,format=raw,if=virtio,snapshot=on")

# mkinitramfs: host = the explicit modules of the main benchmark, fallback = the
# generic image of the shipped config's hooks; each with MODULES_DECOMPRESS=auto and =yes.
printf 'MODULES=(virtio_pci virtio_blk ext4)\nHOOKS=(base)\n' >"$W/work/host.conf"
sed -e 's/^HOOKS=.*/HOOKS=(base modconf block filesystems keyboard)/' "$TOP/mkinitramfs.conf" \
	>"$W/work/fallback.conf"
for kind in host fallback; do
	for mode in auto yes; do
		{ cat "$W/work/$kind.conf"; echo "MODULES_DECOMPRESS=$mode"; } >"$W/work/$kind-$mode.conf"
	done
done
gen_ours() { # NAME
	"$MKINITRAMFS" -f -k "$KVER" -r "$KROOT" -c "$W/work/$1.conf" -g "$W/$1.img"
}
gen_host-auto() { gen_ours host-auto; }
gen_host-yes() { gen_ours host-yes; }
gen_fallback-auto() { gen_ours fallback-auto; }
gen_fallback-yes() { gen_ours fallback-yes; }
gen_itools() { bench_itools itools; }
gen_dracut() { bench_dracut dracut; }

ids=(host-auto host-yes fallback-auto fallback-yes itools dracut)
declare -A label=(
	[host-auto]="mkinitramfs host, modules kept .ko.xz (MODULES_DECOMPRESS=auto)"
	[host-yes]="mkinitramfs host, decompressed + recompressed (=yes)"
	[fallback-auto]="mkinitramfs fallback, modules kept .ko.xz (=auto)"
	[fallback-yes]="mkinitramfs fallback, decompressed + recompressed (=yes)"
	[itools]="initramfs-tools MODULES=most (.ko.xz in its zstd image)"
	[dracut]="dracut (defaults: .ko.xz in its gzip image)"
)
declare -A append=()
for id in "${ids[@]}"; do append[$id]="root=/dev/vda rw"; done
declare -A mem=() nfiles=()

bench_log "6.12: a warm-up and $RUNS builds of each, round robin"
bench_build "${ids[@]}"
gtime=() gcpu=()
for ((run = 1; run <= RUNS; run++)); do
	bench_build "${ids[@]}"
done
# In memory: the bytes of the files the kernel unpacks into the rootfs.
for id in "${ids[@]}"; do
	[ -n "${failed[$id]:-}" ] && continue
	"$MKINITRAMFS" -l "$W/$id.img" >"$W/work/$id.list" 2>"$W/work/$id.list.err" || continue
	mem[$id]=$(awk '$1 ~ /^-/ { s += $2 } END { print s + 0 }' "$W/work/$id.list")
	nfiles[$id]=$(awk '$1 ~ /^-/' "$W/work/$id.list" | wc -l)
done
bench_boots "${ids[@]}"

echo
echo "## Debian 13's 6.12 kernel: modules kept compressed"
echo
echo "$KVER (.ko.xz modules, \`CONFIG_MODULE_DECOMPRESS=y\`), its own vmlinuz for every"
echo "image; the same VM and ext4 root disk as above (\`root=/dev/vda rw quiet\`). Build:"
echo "median of $RUNS builds after a warm-up (mkinitramfs with -f), wall and CPU (user +"
echo "system). In memory: the files the kernel unpacks. Boot: median of $BOOTS boots."
echo "host = MODULES=(virtio_pci virtio_blk ext4) HOOKS=(base); fallback = the shipped"
echo "config's generic hooks; initramfs-tools and dracut in their Debian 12 chroots with"
echo "the same module tree."
echo
echo "| image | build wall | build CPU | compressed | in memory | files | uptime at the root's init | wall from QEMU start |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for id in "${ids[@]}"; do
	if [ -n "${failed[$id]:-}" ]; then
		echo "| ${label[$id]} | failed: ${failed[$id]//|//} | | | | | | |"
		continue
	fi
	echo "| ${label[$id]} | $(bench_median_s "${gtime[$id]:-}") | $(bench_median_s "${gcpu[$id]:-}") |" \
		"$(bench_mib "${size[$id]}") | $(bench_mib "${mem[$id]:-0}") | ${nfiles[$id]:-?} |" \
		"$(bench_median_s "${ups[$id]:-}") | $(bench_median_s "${walls[$id]:-}") |"
done
exit 0
}
