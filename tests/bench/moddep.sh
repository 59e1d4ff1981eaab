#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (not a test): time moddep's resolution on the Debian kernel tree, for the
# closure of every module one by one (one process), for all modules at once, and for a
# typical 30-module host set resolved and staged; modprobe --show-depends for scale.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
tool=$B/tests/tools/moddep-closure
read -r root kver < <("$top/tests/kernel-fixture.sh")
moddir=$root/lib/modules/$kver
names=$(mktemp)
trap 'rm -f "$names"' EXIT
sed -n 's/^\([^:]*\):.*/\1/p' "$moddir/modules.dep" | sed 's|.*/||; s/\.ko.*//' | sort -u >"$names"
n=$(wc -l <"$names")

now() { date +%s.%N; }
t0=$(now)
"$tool" "$root" "$kver" <"$names" >/dev/null 2>&1
t1=$(now)
echo "moddep: closure of each of $n modules, one process: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s"

host_set=(virtio_pci virtio_blk virtio_scsi virtio_net ext4 xfs btrfs vfat nls_cp437
	nls_iso8859_1 nvme ahci sd_mod sr_mod usb_storage uas xhci_pci ehci_pci ohci_pci
	hid_generic usbhid dm_mod dm_crypt raid1 raid456 md_mod loop nbd "nbd nbds_max=1024"
	e1000e)
t0=$(now)
"$tool" --plan "$root" "$kver" "${host_set[@]}" >/dev/null 2>&1
t1=$(now)
echo "moddep: typical ${#host_set[@]}-entry host set, resolve + stage + plan (whole process): $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s"

mapfile -t all <"$names"
t0=$(now)
"$tool" --plan "$root" "$kver" "${all[@]}" >/dev/null 2>&1 || true
t1=$(now)
echo "moddep: all $n modules in one image, resolve + stage + plan: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s"

t0=$(now)
for m in "${host_set[@]}"; do
	modprobe -d "$root" -S "$kver" -C /dev/null --show-depends $m >/dev/null 2>&1 || true
done
t1=$(now)
echo "modprobe --show-depends for the same host set, one call each: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s"
