#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot tests: real kernel, real disk images, the init from build/init, QEMU TCG.
# BOOT_IMAGER=mkinitramfs (default) builds images with build/mkinitramfs; =hand packs
# them here (development aid). BOOT_ONLY="1 3" runs only those scenarios.
# Ends with "boot: N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/boot/lib.sh"

t_report() {
	if [ -z "${T_REPORTED:-}" ]; then
		T_REPORTED=1
		echo "boot: $T_PASSED passed, $T_FAILED failed"
	fi
}

want() {
	[ -z "${BOOT_ONLY:-}" ] && return 0
	case " $BOOT_ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}

t_tmpdir
t_fixture
if [ ! -x "$B/init" ]; then
	t_fail "boot: '$B/init' is missing: run make first"
	exit 1
fi
boot_setup || { t_fail "boot: cannot build the test root's init"; exit 1; }
echo "# boot tests: imager '$BOOT_IMAGER', kernel $KVER"

VIRTIO=(a:virtio_pci a:virtio_blk)
# One image per module set, built once, keyed by its arguments.
declare -A IMAGES=()
image() {
	local key="$*" out
	if [ -n "${IMAGES[$key]:-}" ]; then
		echo "${IMAGES[$key]}"
		return 0
	fi
	out=$BW/initrd.${#IMAGES[@]}.img
	make_image "$out" "$@" >&2 || return 1
	IMAGES[$key]=$out
	echo "$out"
}

# scenario N NAME: print the header; the caller checks.
scenario() { echo "# scenario $1: $2"; }

# boot_ok NAME LOG: the root's init ran and powered off.
boot_ok() {
	t_grep "$1: the root's init ran" '^ROOTINIT done' "$2"
}

if want 1; then
	scenario 1 "virtio-blk, ext4, root=/dev/vda"
	mk_ext4 "$BW/s1.img" 64M
	if img=$(image zstd no "${VIRTIO[@]}" a:ext4); then
		qemu_boot "$BW/s1.log" "$img" "root=/dev/vda" \
			-drive file="$BW/s1.img",format=raw,if=virtio
		boot_ok "s1" "$BW/s1.log"
		t_grep "s1: root mounted read-only by default" '^ROOTINIT root=ro' "$BW/s1.log"
		t_grep "s1: timing line" 'initramfs: timing: modules [0-9]+ ms, device [0-9]+ ms, mount [0-9]+ ms, total [0-9]+ ms' "$BW/s1.log"
		t_grep "s1: initramfs freed" '^ROOTINIT initramfs-left=no' "$BW/s1.log"
	else
		t_fail "s1: cannot make the initramfs"
	fi
fi
