# SPDX-License-Identifier: GPL-2.0-or-later
# Shared set-up of the LVM boot suites (not a test: .bash). Source after
# tests/boot/lib.sh (BW set): LVM disks made offline with the host's lvm2 on loop
# devices (this machine's kernel has no device-mapper), with lvm_q, attach, detach_all,
# lv_offset and put. Adds detach_all to the EXIT trap.
if ! command -v lvm >/dev/null; then
	t_fail "lvm is missing: run make deps (package lvm2)"
	exit 1
fi
# lvm on this machine: its configuration and locks in the scratch directory (never the
# host's /etc/lvm), no devices file, no udev, no device-mapper, no metadata backups.
mkdir -p "$BW/lvmetc" "$BW/lvmlock"
: >"$BW/lvmetc/lvm.conf"
export LVM_SYSTEM_DIR=$BW/lvmetc LVM_SUPPRESS_FD_WARNINGS=1
LVMC="global{activation=0 locking_dir=\"$BW/lvmlock\"} backup{backup=0 archive=0}
devices{use_devicesfile=0 obtain_device_list_from_udev=0}"
LOOPS=()
lvm_q() { lvm "$@" -q --config "$LVMC" 2>"$BW/lvm.err" >/dev/null || {
	echo "    | lvm $*: $(tr '\n' ' ' <"$BW/lvm.err")"
	return 1
}; }
detach_all() {
	local l
	for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
	LOOPS=()
}
trap 'detach_all; t_cleanup' EXIT
# attach FILE [SIZE]: a loop device on FILE (its first SIZE bytes), in $LOOP.
attach() {
	LOOP=$(losetup -f --show ${2:+--sizelimit "$2"} "$1") || return 1
	LOOPS+=("$LOOP")
}
# lv_offset VG LV: the byte offset of the LV's first extent on its (first) PV.
lv_offset() {
	lvm pvs --config "$LVMC" --segments --noheadings --units b --nosuffix \
		-o pe_start,pvseg_start,vg_extent_size,vg_name,lv_name 2>/dev/null |
		awk -v vg="$1" -v lv="$2" '$4 == vg && $5 == lv { print $1 + $2 * $3; exit }'
}
# put IMAGE DISK VG LV: write IMAGE at the LV's first extent in DISK.
put() {
	local off
	off=$(lv_offset "$3" "$4")
	[ -n "$off" ] || { echo "    | no extent of $3/$4"; return 1; }
	dd if="$1" of="$2" bs=1M seek="$off" oflag=seek_bytes conv=notrunc,sparse status=none
}

