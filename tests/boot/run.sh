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
		# Independent frames, each ending between entries: the kernel unpacks them
		# one by one (a frame ending inside an entry fails the unpack).
		frames=$(zstd -lv "$img" 2>/dev/null | sed -n 's/^# Zstandard Frames: //p')
		t_check "s1: the image is several zstd frames (${frames:-none})" \
			test "${frames:-0}" -ge 2
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

# boot_scenario NAME "IMAGE ARGS" APPEND QEMU_ARGS...: make or reuse the image, boot.
# Returns 1 (after a failure line) when the image cannot be made.
boot_scenario() {
	local name=$1 spec=$2 append=$3 img
	shift 3
	# shellcheck disable=SC2086
	if ! img=$(image $spec); then
		t_fail "$name: cannot make the initramfs"
		return 1
	fi
	qemu_boot "$BW/$name.log" "$img" "$append" "$@"
}

EXT4_VIRTIO="zstd no ${VIRTIO[*]} a:ext4"
vdisk() { echo "-drive file=$1,format=raw,if=virtio"; }

if want 2; then
	scenario 2 "root=UUID= ext4 (and PARTUUID= of an MBR partition)"
	mk_ext4 "$BW/s2.part" 64M -U 3f1c2a6e-8d5b-4c1e-9a7f-0b2d4e6f8a10 -L rootfs
	mk_mbr "$BW/s2.img" "$BW/s2.part" 1234abcd
	rm -f "$BW/s2.part"
	# shellcheck disable=SC2046
	if boot_scenario s2 "$EXT4_VIRTIO" "root=UUID=3F1C2A6E-8D5B-4C1E-9A7F-0B2D4E6F8A10" \
		$(vdisk "$BW/s2.img"); then
		boot_ok s2 "$BW/s2.log"
		t_grep "s2: the partition was mounted" '^ROOTINIT mount=/dev/vda1 ext4' "$BW/s2.log"
	fi
	# shellcheck disable=SC2046
	if boot_scenario s2b "$EXT4_VIRTIO" "root=PARTUUID=1234abcd-01" $(vdisk "$BW/s2.img"); then
		boot_ok s2b "$BW/s2b.log"
		t_grep "s2b: MBR PARTUUID found vda1" '^ROOTINIT mount=/dev/vda1 ext4' "$BW/s2b.log"
	fi
	rm -f "$BW/s2.img"
fi

if want 3; then
	scenario 3 "root=LABEL= xfs behind virtio-scsi"
	mk_xfs "$BW/s3.img" -L xfsroot
	if boot_scenario s3 "zstd no a:virtio_pci a:virtio_scsi a:sd_mod a:xfs" \
		"root=LABEL=xfsroot" -device virtio-scsi-pci,id=scsi0 \
		-drive file="$BW/s3.img",if=none,format=raw,id=d0 \
		-device scsi-hd,drive=d0,bus=scsi0.0; then
		boot_ok s3 "$BW/s3.log"
		t_grep "s3: xfs on the SCSI disk" '^ROOTINIT mount=/dev/sda xfs' "$BW/s3.log"
	fi
	rm -f "$BW/s3.img"
fi

if want 4; then
	scenario 4 "root=PARTUUID= on a GPT partition, btrfs on NVMe"
	mk_btrfs "$BW/s4.part"
	mk_gpt "$BW/s4.img" "$BW/s4.part" 6a3b9c1d-2e4f-4a5b-8c7d-9e0f1a2b3c4d btrfsroot
	rm -f "$BW/s4.part"
	if boot_scenario s4 "zstd no a:nvme a:btrfs" \
		"root=PARTUUID=6A3B9C1D-2E4F-4A5B-8C7D-9E0F1A2B3C4D" \
		-drive file="$BW/s4.img",if=none,format=raw,id=nv0 \
		-device nvme,serial=boot4,drive=nv0; then
		boot_ok s4 "$BW/s4.log"
		t_grep "s4: btrfs on the NVMe partition" '^ROOTINIT mount=/dev/nvme0n1p1 btrfs' "$BW/s4.log"
	fi
	rm -f "$BW/s4.img"
fi

if want 5; then
	scenario 5 "root=PARTLABEL= on AHCI SATA, ext4"
	mk_ext4 "$BW/s5.part" 64M
	mk_gpt "$BW/s5.img" "$BW/s5.part" 0c5e7a90-1b2c-4d3e-8f40-5a6b7c8d9e0f "sata root"
	rm -f "$BW/s5.part"
	if BOOT_TIMEOUT=$QEMU_STEADY_TIMEOUT boot_scenario s5 "zstd no a:ahci a:sd_mod a:ext4" \
		'root=PARTLABEL="sata root"' "${QEMU_STEADY_CLOCK[@]}" -device ahci,id=ahci -drive file="$BW/s5.img",if=none,format=raw,id=s0 \
		-device ide-hd,drive=s0,bus=ahci.0; then
		boot_ok s5 "$BW/s5.log"
		t_grep "s5: ext4 on the SATA partition" '^ROOTINIT mount=/dev/sda1 ext4' "$BW/s5.log"
	fi
	rm -f "$BW/s5.img"
fi

# One plain ext4 disk for the scenarios about modules, the command line and failures.
mk_ext4 "$BW/plain.img" 64M -U 11111111-2222-4333-8444-555555555555
NBD="zstd no ${VIRTIO[*]} a:ext4 a:nbd:nbds_max=1024"

if want 6; then
	scenario 6 "module parameters from the plan, then from the kernel command line"
	# shellcheck disable=SC2046
	if boot_scenario s6 "$NBD" "root=/dev/vda" $(vdisk "$BW/plain.img"); then
		t_grep "s6: nbds_max=1024 from the configuration" '^ROOTINIT nbds_max=1024$' "$BW/s6.log"
	fi
	# shellcheck disable=SC2046
	if boot_scenario s6b "$NBD" "root=/dev/vda nbd.nbds_max=7" $(vdisk "$BW/plain.img"); then
		t_grep "s6b: nbd.nbds_max=7 on the command line wins" '^ROOTINIT nbds_max=7$' "$BW/s6b.log"
	fi
fi

if want 7; then
	scenario 7 "modprobe.blacklist= leaves a module unloaded"
	# shellcheck disable=SC2046
	if boot_scenario s7 "$NBD" "root=/dev/vda modprobe.blacklist=floppy,nbd" \
		$(vdisk "$BW/plain.img"); then
		boot_ok s7 "$BW/s7.log"
		t_grep "s7: nbd not loaded" '^ROOTINIT nbds_max=<absent>$' "$BW/s7.log"
		t_grep "s7: the init says why" "module 'nbd' is blacklisted" "$BW/s7.log"
	fi
fi

if want 8; then
	scenario 8 "a root that never appears"
	MISSING=UUID=0badc0de-0000-4000-8000-000000000000
	if img=$(image zstd yes "${VIRTIO[@]}" a:ext4); then
		log=$BW/s8.log
		qemu_interactive_start "$log" "$img" "root=$MISSING rootdelay=3" \
			$(vdisk "$BW/plain.img")
		if wait_log "$log" 'starting a shell' 60; then
			sleep 1
			qemu_send 'echo SHELL-ANSWER-$((6*7))'
			wait_log "$log" 'SHELL-ANSWER-42' 20
			qemu_send 'echo o > /proc/sysrq-trigger'
		fi
		qemu_interactive_end "$log"
		t_grep "s8: the message names the root awaited" \
			"root device '$MISSING' did not appear within 3 s" "$log"
		t_grep "s8: the devices seen are listed with their type and UUID" \
			"vda \([0-9]+:0\) type 'ext4' uuid '11111111-2222-4333-8444-555555555555'" "$log"
		t_grep "s8: the emergency shell answers on the serial console" \
			'^SHELL-ANSWER-42' "$log"
	else
		t_fail "s8: cannot make the initramfs"
	fi
	# shellcheck disable=SC2046
	if boot_scenario s8b "$EXT4_VIRTIO" "root=$MISSING rootdelay=2" $(vdisk "$BW/plain.img"); then
		t_grep "s8b: the message names the root awaited" \
			"root device '$MISSING' did not appear within 2 s" "$BW/s8b.log"
		t_grep "s8b: no shell: said so" "no shell in the image" "$BW/s8b.log"
		t_grep "s8b: then the kernel panics" 'Kernel panic - not syncing: Attempted to kill init' "$BW/s8b.log"
	fi
fi

if want 8; then
	scenario 8c "the root appears but its filesystem's module is not in the image"
	# shellcheck disable=SC2046
	if boot_scenario s8c "zstd no ${VIRTIO[*]}" "root=/dev/vda" $(vdisk "$BW/plain.img"); then
		t_grep "s8c: the mount error names the type and the errno" \
			"cannot mount '/dev/vda' \(type 'ext4', flags ''\) on '/new_root': ENODEV" \
			"$BW/s8c.log"
		t_grep "s8c: and says what is missing" \
			"the kernel does not know filesystem 'ext4': is its module in the image" \
			"$BW/s8c.log"
	fi
fi

if want 9; then
	scenario 9 "rd.break opens a shell, boot continues after exit"
	# nbd rides along as load-on-match: no device matches it, so it is in the image
	# but not loaded, for busybox modprobe in the shell to load from the image's
	# text modules.dep.
	# The keyboard hook without autodetect: its modules wait for the shell.
	if img=$(image zstd yes "${VIRTIO[@]}" a:ext4 m:nbd h:keyboard); then
		log=$BW/s9.log
		qemu_interactive_start "$log" "$img" "root=/dev/vda rd.break" $(vdisk "$BW/plain.img")
		if wait_log "$log" 'starting a shell' 60; then
			sleep 1
			qemu_send 'echo BREAK-$((40+2)) > /dev/kmsg'
			wait_log "$log" 'BREAK-42' 20
			qemu_send 'modprobe nbd nbds_max=5 && echo NBD-$(cat /sys/module/nbd/parameters/nbds_max) > /dev/kmsg'
			wait_log "$log" 'NBD-[0-9]' 20
			qemu_send 'echo KBD-$(grep -c "^usbhid " /proc/modules) > /dev/kmsg'
			wait_log "$log" 'KBD-[0-9]' 20
			qemu_send 'exit'
		fi
		qemu_interactive_end "$log"
		t_grep "s9: the shell ran before mounting root" 'BREAK-42' "$log"
		t_grep "s9: busybox modprobe loads a module from the image" 'NBD-5' "$log"
		boot_ok s9 "$log"
		t_grep "s9: the shell had the keyboard hook's modules" 'KBD-1' "$log"
	else
		t_fail "s9: cannot make the initramfs"
	fi
fi

if want 10; then
	scenario 10 "each compression boots (zstd is scenario 1)"
	for comp in gzip xz lz4 none; do
		# shellcheck disable=SC2046
		if boot_scenario "s10-$comp" "$comp no ${VIRTIO[*]} a:ext4" "root=/dev/vda" \
			$(vdisk "$BW/plain.img"); then
			boot_ok "s10-$comp" "$BW/s10-$comp.log"
		fi
	done
fi

if want 11; then
	scenario 11 "rw, rootflags=, quiet; init= with arguments, rd.debug, root=MAJ:MIN"
	# root=254:0: virtio-blk, the only driver here asking for a dynamic block major,
	# gets the first one the kernel hands out.
	# shellcheck disable=SC2046
	if boot_scenario s11 "$EXT4_VIRTIO" "root=/dev/vda rw rootflags=noatime,commit=17 quiet ignore_loglevel" \
		$(vdisk "$BW/plain.img"); then
		t_grep "s11: rw" '^ROOTINIT root=rw$' "$BW/s11.log"
		t_grep "s11: quiet keeps warnings" "initramfs: optional module 'crc32c_intel'" "$BW/s11.log"
		t_nogrep "s11: quiet drops the rest" "initramfs: (mounted|timing|switching)" "$BW/s11.log"
		t_grep "s11: rootflags reached the mount" '^ROOTINIT mount=/dev/vda ext4 rw,noatime,.*commit=17' "$BW/s11.log"
	fi
	# shellcheck disable=SC2046
	if boot_scenario s11b "$EXT4_VIRTIO" "root=254:0 init=/bin/alt-init rd.debug -- hello world" \
		$(vdisk "$BW/plain.img"); then
		t_grep "s11b: rd.debug logs each module load" "initramfs: loading module 'ext4' from" "$BW/s11b.log"
		t_grep "s11b: rd.debug logs each device probed" "initramfs: block device 'vda'" "$BW/s11b.log"
		t_grep "s11b: rd.debug logs the mount" "initramfs: mount '/dev/vda' type 'ext4' on '/new_root': ok" "$BW/s11b.log"
		t_grep "s11b: init= ran" '^ROOTINIT argv\[0\]=/bin/alt-init$' "$BW/s11b.log"
		t_grep "s11b: first argument forwarded" '^ROOTINIT argv\[1\]=hello$' "$BW/s11b.log"
		t_grep "s11b: second argument forwarded" '^ROOTINIT argv\[2\]=world$' "$BW/s11b.log"
		t_grep "s11b: ro by default" '^ROOTINIT root=ro$' "$BW/s11b.log"
	fi
fi

if want 12; then
	scenario 12 "a generic image loads only the storage drivers that match"
	GENERIC="zstd no m:virtio_pci m:virtio_blk m:virtio_scsi m:nvme m:ahci m:sd_mod"
	GENERIC+=" m:megaraid_sas m:mpt3sas m:hpsa m:aacraid m:vmw_pvscsi m:mptspi m:xen_blkfront"
	GENERIC+=" m:mmc_block m:sdhci_pci m:usb_storage m:uas a:ext4"
	# shellcheck disable=SC2046
	if boot_scenario s12 "$GENERIC" "root=/dev/vda" $(vdisk "$BW/plain.img"); then
		boot_ok s12 "$BW/s12.log"
		t_grep "s12: virtio_blk loaded on match" '^ROOTINIT modules=.* virtio_blk( |$)' "$BW/s12.log"
		t_grep "s12: the init says which device matched" \
			"initramfs: module 'virtio_blk' loaded for device 'virtio:d00000002v" "$BW/s12.log"
		t_nogrep "s12: no unmatched driver loaded" \
			'^ROOTINIT modules=.* (nvme|ahci|megaraid_sas|mpt3sas|hpsa|aacraid|vmw_pvscsi|mptspi|xen_blkfront|sdhci_pci|uas)( |$)' \
			"$BW/s12.log"
	fi
	cp "$BW/plain.img" "$BW/s12b.img"
	if boot_scenario s12b "$GENERIC" "root=/dev/nvme0n1" \
		-drive file="$BW/s12b.img",if=none,format=raw,id=nv0 \
		-device nvme,serial=boot12,drive=nv0; then
		boot_ok s12b "$BW/s12b.log"
		t_grep "s12b: nvme loaded on match" '^ROOTINIT modules=.* nvme( |$)' "$BW/s12b.log"
		t_grep "s12b: the init says which device matched" \
			"initramfs: module 'nvme' loaded for device 'pci:v00001B36d00000010" "$BW/s12b.log"
		t_nogrep "s12b: no unmatched driver loaded" \
			'^ROOTINIT modules=.* (virtio_blk|virtio_scsi|ahci|megaraid_sas|mpt3sas|hpsa|aacraid|vmw_pvscsi|mptspi|xen_blkfront|sdhci_pci|uas)( |$)' \
			"$BW/s12b.log"
	fi
	rm -f "$BW/s12b.img"
fi
