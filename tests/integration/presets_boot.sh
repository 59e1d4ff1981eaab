#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hooks, presets and autodetect, end to end: the shipped preset template builds a
# generic fallback image that boots on virtio-blk, virtio-scsi, NVMe, AHCI, LSI SCSI,
# the pc machine's IDE and USB storage behind xHCI loading only the drivers each
# machine's root needs (root first: the pc machine's PIIX IDE drivers are left to the
# real root unless the root is behind them), and only the root's filesystem (ext4,
# xfs, vfat) with no keyboard driver; a capture of the booted
# machine's sysfs builds a host image at least 5 times smaller that boots too; with the
# root's device known it defers the drivers off the root's path (the PIIX IDE's) and
# still finds a root moved behind one. The fallback's modules (the 6.1 kernel does not
# decompress modules) are compressed one by one in its uncompressed first segment, and
# only those loaded get decompressed.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
boot_setup || { t_fail "cannot build the test root's init"; exit 1; }
musl-gcc -static -Os -o "$BW/rootfs/bin/capture" "$TOP/tests/boot/capture.c" ||
	{ t_fail "cannot build the capture program"; exit 1; }
mk_ext4 "$BW/root.img" 64M -L testroot
# The same root as xfs and as vfat: a generic image loads their modules on request.
mk_xfs "$BW/xfsroot.img" -L testroot
truncate -s 64M "$BW/vfatroot.img"
mkfs.vfat -n TESTROOT "$BW/vfatroot.img" >/dev/null && mcopy -s -i "$BW/vfatroot.img" \
	"$BW"/rootfs/* ::/ || { t_fail "cannot make the vfat root"; exit 1; }
cd "$T_TMP"

# The template as a package hook would install it, pointed at the fixture kernel.
mkdir -p presets out
sed -e "s|%PKGBASE%|test|g" "$TOP/presets/linux.preset.template" >presets/test.preset
sed -i -e "s|^ALL_kver=.*|ALL_kver=\"$KROOT/boot/vmlinuz-$KVER\"|" \
	-e "s|/boot/initramfs-|$T_TMP/out/initramfs-|" presets/test.preset
echo "ALL_config=\"$T_TMP/mkinitramfs.conf\"" >>presets/test.preset
sed -e 's/^HOOKS=.*/HOOKS=(base autodetect modconf block filesystems keyboard)/' \
	"$TOP/mkinitramfs.conf" >mkinitramfs.conf
FALLBACK=out/initramfs-test-fallback.img
HOST=out/initramfs-test.img

"$MKINITRAMFS" -p "$T_TMP/presets/test.preset" -r "$KROOT" --sysfs "$T_TMP/nosysfs" \
	>gen0.log 2>&1
t_check "a preset whose host image cannot be detected reports failure" \
	test "$?" -ne 0
t_grep "the failing image is named" "image 'default' failed" gen0.log
t_check "the other image of the preset still finished" test -s "$FALLBACK"
# The fallback's modules compressed one by one for its unzstd helper (plan flag 'u').
"$MKINITRAMFS" -x "$FALLBACK" fallback.x >/dev/null
awk -F'\t' '$1 == "M" && $4 ~ /u/ { print $2 }' fallback.x/etc/mkinitramfs/plan >fallback.lazy
t_check "the fallback has modules for unzstd ($(wc -l <fallback.lazy))" \
	test "$(wc -l <fallback.lazy)" -gt 100
awk -F'\t' '$1 == "M" && $4 ~ /u/ && $4 ~ /a/ && $4 !~ /k/' \
	fallback.x/etc/mkinitramfs/plan >fallback.lazy-always
t_check "... none of them loaded at every boot" test ! -s fallback.lazy-always

# Every block-hook driver the fallback could load on match; each machine must load
# exactly the ones it needs.
# sr_mod is left out: the pc machine's empty CD-ROM shows up whenever the ATA probe
# gets to it, before or after root is found, so whether it loads is a race.
STORAGE="virtio_blk virtio_scsi nvme ahci ata_piix ata_generic pata_acpi sd_mod
	usb_storage uas xhci_pci xhci_hcd ehci_pci ehci_hcd ohci_pci uhci_hcd sdhci_pci
	mmc_block sym53c8xx"
storage_loaded() { # LOG: the storage drivers in the root's module list, sorted
	local mods m out=
	mods=$(sed -n 's/^ROOTINIT modules= *//p' "$1")
	for m in $STORAGE; do
		case " $mods " in *" $m "*) out="$out $m" ;; esac
	done
	echo "${out# }"
}

fallback_boot() { # NAME EXPECTED QEMU_ARGS... (ROOT=LABEL=... for another label)
	local name=$1 want=$2 got
	shift 2
	qemu_boot "$BW/$name.log" "$FALLBACK" "root=${ROOT:-LABEL=testroot}" "$@"
	t_grep "fallback on $name: the root's init ran" '^ROOTINIT done' "$BW/$name.log"
	got=$(storage_loaded "$BW/$name.log")
	if [ "$got" = "$want" ]; then
		t_pass "fallback on $name: loaded exactly $(wc -w <<<"$want") storage drivers ($got)"
	else
		t_fail "fallback on $name: storage drivers '$got', wanted '$want'"
	fi
}

# loaded_before_root NAME LOG WANTED UNWANTED: the filesystem and keyboard modules the
# initramfs loaded (the root's init lists them first thing).
loaded_before_root() {
	local name=$1 log=$2 m
	for m in $3; do
		t_grep "$name: '$m' was loaded" "^ROOTINIT modules=.* $m( |\$)" "$log"
	done
	for m in $4; do
		t_nogrep "$name: '$m' was not loaded" "^ROOTINIT modules=.* $m( |\$)" "$log"
	done
}
EXT4_CLOSURE="ext4 jbd2 mbcache crc16 crc32c_generic"
OTHER_FS="btrfs raid6_pq xfs f2fs vfat fat nls_cp437 isofs squashfs overlay"
KEYBOARD="usbhid hid_generic hid serio_raw"
# left_to_root NAME LOG MODULE...: the root came first, the init left these queued
# drivers to the real root and said so.
left_to_root() {
	local name=$1 log=$2 m
	shift 2
	t_grep "$name: the init said it queued the devices' drivers" \
		"initramfs: [0-9]+ device drivers queued, root first" "$log"
	for m in "$@"; do
		t_grep "$name: '$m' was left to the real root" \
			"initramfs: root found: leaving [0-9]+ device drivers to the real root: (.*, )?$m(,|$)" \
			"$log"
	done
}
PIIX="ata_piix ata_generic libata sr_mod cdrom"

DISK="file=$BW/root.img,format=raw,if=none,id=root"
# The pc machine has devices of its own, which are matched like any other: its PIIX
# IDE controller (ata_piix, and ata_generic whose class alias also matches it) with
# the CD-ROM; q35 has none. Root first: the drivers matched wait in a queue, the
# cheapest (in bytes of modules) loads first, and once the root is there the rest is
# left to the real root: the virtio disk's virtio_pci and virtio_blk cost a fraction
# of libata's. A USB mass-storage interface matches usb_storage and uas, as udev
# would load both.
fallback_boot virtio-blk "virtio_blk" -drive "file=$BW/root.img,format=raw,if=virtio"
t_nogrep "fallback on virtio-blk with 1 CPU: no batch, modules load in place" \
	"modules, up to [0-9]+ at once" "$BW/virtio-blk.log"
loaded_before_root "fallback on virtio-blk" "$BW/virtio-blk.log" "$EXT4_CLOSURE" \
	"$OTHER_FS $KEYBOARD $PIIX"
left_to_root "fallback on virtio-blk" "$BW/virtio-blk.log" ata_piix ata_generic
t_grep "fallback on virtio-blk: ext4 was loaded for the root's type" \
	"initramfs: module 'ext4' loaded for 'fs-ext4'" "$BW/virtio-blk.log"
# lazy_decompressed NAME LOG: the init ran unzstd on exactly the 'u' modules it tried
# to load: every such module the root sees was decompressed, and besides them at most
# the ones that failed to load (crc32c-intel under TCG).
lazy_decompressed() {
	local name=$1 log=$2 unpacked loaded failed m
	unpacked=$(sed -n "s/.*initramfs: decompressing \([0-9]*\) modules with '\/lib\/mkinitramfs\/unzstd'.*/\1/p" \
		"$log" | paste -sd+ | bc)
	loaded=0
	for m in $(sed -n 's/^ROOTINIT modules= *//p' "$log"); do
		grep -qx "$m" fallback.lazy && loaded=$((loaded + 1))
	done
	failed=$(grep -c "initramfs: .*module '[^']*' failed to load" "$log")
	if [ -n "$unpacked" ] && [ "$loaded" -gt 0 ] && [ "$unpacked" -ge "$loaded" ] &&
		[ "$unpacked" -le $((loaded + failed)) ]; then
		t_pass "fallback on $name: decompressed only what it loaded ($unpacked for $loaded loaded, $failed failed)"
	else
		t_fail "fallback on $name: decompressed ${unpacked:-none} modules for $loaded loaded, $failed failed"
	fi
}
lazy_decompressed virtio-blk "$BW/virtio-blk.log"
t_nogrep "fallback on virtio-blk: unzstd reported no failure" "initramfs: (cannot|module '[^']*' (is|has|does))" \
	"$BW/virtio-blk.log"
# Two CPUs: a driver's closure loads 2 at once (its deps first); queued drivers go side
# by side only when they cost alike, so the IDE's (libata) do not come along with the
# virtio ones, and sd_mod, queued for the disk virtio_scsi found, goes before them.
fallback_boot virtio-scsi "virtio_scsi sd_mod" -smp 2 \
	-drive "file=$BW/xfsroot.img,format=raw,if=none,id=root" \
	-device virtio-scsi-pci,id=scsi -device scsi-hd,drive=root
t_grep "fallback on virtio-scsi with 2 CPUs: its modules loaded 2 at once" \
	"initramfs: loading [0-9]+ modules, up to 2 at once" "$BW/virtio-scsi.log"
t_grep "... and says which device each driver was loaded for" \
	"initramfs: module 'virtio_scsi' loaded for device 'virtio:d00000008v" \
	"$BW/virtio-scsi.log"
left_to_root "fallback on virtio-scsi" "$BW/virtio-scsi.log" ata_piix ata_generic
t_nogrep "... with no failure" "initramfs: module .* failed to load" "$BW/virtio-scsi.log"
lazy_decompressed virtio-scsi "$BW/virtio-scsi.log"
t_grep "fallback on virtio-scsi: the root is xfs" '^ROOTINIT mount=/dev/sda xfs' "$BW/virtio-scsi.log"
loaded_before_root "fallback on virtio-scsi" "$BW/virtio-scsi.log" "xfs" "ext4 btrfs f2fs vfat $KEYBOARD"
ROOT=LABEL=TESTROOT fallback_boot nvme "nvme" \
	-drive "file=$BW/vfatroot.img,format=raw,if=none,id=root" \
	-device nvme,serial=mkinitramfs,drive=root
t_grep "fallback on nvme: the root is vfat" '^ROOTINIT mount=/dev/nvme0n1 vfat' "$BW/nvme.log"
# vfat's codepage comes through the kernel's request_module(), answered from the image.
loaded_before_root "fallback on nvme" "$BW/nvme.log" "vfat fat nls_cp437" \
	"ext4 xfs btrfs $KEYBOARD $PIIX"
left_to_root "fallback on nvme" "$BW/nvme.log" ata_piix ata_generic
# The bench's LSI machine: sym53c8xx (with scsi_mod) costs less than the IDE's libata,
# and the disk it finds brings sd_mod before the IDE's turn.
fallback_boot lsi "sd_mod sym53c8xx" -device lsi53c895a,id=lsi -drive "$DISK" \
	-device scsi-hd,drive=root,bus=lsi.0,scsi-id=0
t_grep "fallback on lsi: the root is the LSI's disk" '^ROOTINIT mount=/dev/sda ext4' \
	"$BW/lsi.log"
loaded_before_root "fallback on lsi" "$BW/lsi.log" "$EXT4_CLOSURE" "$PIIX"
left_to_root "fallback on lsi" "$BW/lsi.log" ata_piix ata_generic
# The root behind the PIIX itself: the IDE's drivers load (ata_generic, the cheaper,
# binds nothing there) and no "leaving" line names them.
fallback_boot ide "ata_piix ata_generic sd_mod" -drive "file=$BW/root.img,format=raw,if=ide"
t_grep "fallback on ide: the root is the IDE disk" '^ROOTINIT mount=/dev/sda ext4' \
	"$BW/ide.log"
t_nogrep "fallback on ide: the IDE's drivers were not left to the real root" \
	"leaving .*ata_piix" "$BW/ide.log"
# q35's AHCI under a loaded host once timed out IDENTIFY three times: a steady clock
# (tests/boot/lib.sh), with its bound.
BOOT_TIMEOUT=$QEMU_STEADY_TIMEOUT fallback_boot ahci "ahci sd_mod" -machine q35 \
	"${QEMU_STEADY_CLOCK[@]}" -drive "$DISK" -device ide-hd,drive=root,bus=ide.0
fallback_boot usb-xhci "ata_piix ata_generic sd_mod usb_storage uas xhci_pci xhci_hcd" \
	-drive "$DISK" -device qemu-xhci,id=xhci -device usb-storage,bus=xhci.0,drive=root

# Capture the booted machine (virtio-blk) as autodetect would read it. On a third disk
# the capture program first makes a device-mapper stack as LUKS on LVM leaves one (a
# linear LVM volume, a real dm-crypt volume on it): the image is the fallback's
# configuration with the dm modules loaded at boot.
sed -e 's/^MODULES=.*/MODULES=(dm_mod dm_crypt xts ecb)/' mkinitramfs.conf >capture.conf
"$MKINITRAMFS" -q -k "$KVER" -r "$KROOT" -c capture.conf -S autodetect -g capture-initrd.img
truncate -s 4M "$BW/capture.img" "$BW/stack.img"
qemu_boot "$BW/capture.log" capture-initrd.img "root=LABEL=testroot init=/bin/capture" \
	-drive "file=$BW/root.img,format=raw,if=virtio" \
	-drive "file=$BW/capture.img,format=raw,if=virtio" \
	-drive "file=$BW/stack.img,format=raw,if=virtio"
t_grep "the fallback machine captured its sysfs" '^CAPTURE done' "$BW/capture.log"
t_grep "... after making a dm-crypt volume on a linear LVM one" \
	'^CAPTURE made cryptroot on vg-root on vdc' "$BW/capture.log"
capture_unpack "$BW/capture.img" "$T_TMP"
rootfs=$(awk '$5 == "/" { for (i = 7; i <= NF; i++) if ($i == "-") { t = $(i + 1) } } END { print t }' mountinfo)
t_check "the capture names the root filesystem ($rootfs)" test "$rootfs" = ext4
t_check "the capture has device modaliases" \
	test "$(find sysfs/devices -name modalias | wc -l)" -gt 5

"$MKINITRAMFS" -r "$KROOT" -c mkinitramfs.conf -k "$KVER" -M --sysfs sysfs \
	--rootfs "$rootfs" >detected.txt 2>detect.err
t_grep "-M prints virtio_blk for the captured machine" '^virtio_blk$' detected.txt
t_grep "-M prints the root filesystem's module" '^ext4$' detected.txt
t_nogrep "-M does not print nvme" '^nvme$' detected.txt

# The root-stack proof on the captured machine (issue 14): its root device from its own
# mount table, walked down the captured block devices to the drivers bound above them.
rootdev=$(awk '$5 == "/" { d = $3 } END { print d }' mountinfo)
"$MKINITRAMFS" -v -r "$KROOT" -c mkinitramfs.conf -k "$KVER" --sysfs sysfs \
	--rootfs "$rootfs" --rootdev "$rootdev" -g proof.img >proof.log 2>&1
t_check "the captured machine's root stack ($rootdev) is proved" test "$?" -eq 0
t_grep "-v walks the captured root disk" "root stack:   vda: disk$" proof.log
t_grep "... to the virtio_blk driver of its device" \
	"root stack:     virtio[0-9]+: driver 'virtio_blk', module 'virtio_blk': in the image" proof.log
t_grep "... and the PCI function's virtio_pci" \
	"root stack:       0000:00:[0-9a-f.:]+: driver 'virtio-pci', module 'virtio_pci': in the image" proof.log
# The captured dm stack, as a root: the kernel's own sysfs layout of dm slaves. Its
# hooks (encrypt, lvm2) are left out: the proof names them.
"$MKINITRAMFS" -v -r "$KROOT" -c mkinitramfs.conf -k "$KVER" --sysfs sysfs --rootfs ext4 \
	--rootdev /dev/mapper/cryptroot -S encrypt,lvm2 -g dmstack.img >stack.log 2>&1
t_check "the captured LUKS-on-LVM root without its hooks fails" test "$?" -eq 1
t_grep "-v: the captured dm-crypt volume" \
	"root stack:   dm-[0-9]+: dm-crypt 'cryptroot', module 'dm_crypt': in the image, hook 'encrypt': MISSING" stack.log
t_grep "-v: the captured LVM volume below it" \
	"root stack:     dm-[0-9]+: LVM logical volume 'vg-root', module 'dm_mod': in the image, hook 'lvm2': MISSING" stack.log
t_grep "-v: the virtio disk below that, down to its driver" \
	"root stack:         virtio[0-9]+: driver 'virtio_blk', module 'virtio_blk': in the image" stack.log
t_grep "the proof names the encrypt hook" \
	"error: root stack: 'dm-[0-9]+' \(dm-crypt 'cryptroot'\) needs hook 'encrypt' \(or 'sd-encrypt'\), which is not in this build: it was left out with -S" stack.log

# Deferred drivers (issue 19). proof.img is the captured machine's host image with its
# root known (vda): the pc machine's PIIX IDE controller (the CD-ROM's) and the mouse's
# serio_raw are there, off the root's path, so they are deferred ('ad'), with the
# closure only they need; the root's virtio and ext4 load at boot ('a').
plan_flags() { # IMAGE MODULE: the module's plan flags, or "none"
	rm -rf plan.x && "$MKINITRAMFS" -x "$1" plan.x >/dev/null 2>&1
	awk -F'\t' -v m="$2" '$1 == "M" && $2 == m { f = $4 } END { print f ? f : "none" }' \
		plan.x/etc/mkinitramfs/plan
}
flags_are() { # WHAT IMAGE FLAGS MODULE...
	local what=$1 img=$2 want=$3 m got
	shift 3
	for m in "$@"; do
		got=$(plan_flags "$img" "$m")
		if [ "$got" = "$want" ]; then
			t_pass "$what: '$m' is '$want'"
		else
			t_fail "$what: '$m' is '$got', wanted '$want'"
		fi
	done
}
DEFERRED="ata_piix ata_generic libata serio_raw"
flags_are "host image, root on vda" proof.img ad $DEFERRED
flags_are "host image, root on vda" proof.img a virtio_blk virtio_pci ext4 jbd2
"$MKINITRAMFS" -a proof.img >proof.a.txt 2>&1
t_grep "-a lists the deferred drivers" '^  deferred \[d\]:.* ata_piix( |$)' proof.a.txt
"$MKINITRAMFS" -a proof.img -v >proof.av.txt 2>&1
t_grep "-a -v: [a d] for ata_piix" '^  \[a    d  \] ata_piix$' proof.av.txt
# Without the root's device (--sysfs alone) nothing is deferred: autodetect cannot
# tell what the root sits on.
"$MKINITRAMFS" -r "$KROOT" -c mkinitramfs.conf -k "$KVER" --sysfs sysfs \
	--rootfs "$rootfs" -g noroot.img >noroot.log 2>&1
t_check "the host image without --rootdev builds" test "$?" -eq 0
flags_are "host image, root unknown" noroot.img a $DEFERRED virtio_blk
# MODULES= keeps its meaning: always loaded, with its dependencies.
sed -e 's/^MODULES=.*/MODULES=(ata_piix)/' mkinitramfs.conf >piix.conf
"$MKINITRAMFS" -r "$KROOT" -c piix.conf -k "$KVER" --sysfs sysfs --rootfs "$rootfs" \
	--rootdev "$rootdev" -g piix.img >piix.log 2>&1
t_check "the host image with MODULES=(ata_piix) builds" test "$?" -eq 0
flags_are "MODULES=(ata_piix)" piix.img a ata_piix libata
flags_are "MODULES=(ata_piix)" piix.img ad ata_generic serio_raw
# LOAD=early (the kms hook): the VGA's driver (optional: "bochs?") loads at boot, off
# the root's stack as it is; the same hook without that line has it deferred like the
# IDE's.
sed -e 's/^HOOKS=(\(.*\))/HOOKS=(\1 kms)/' mkinitramfs.conf >kms.conf
"$MKINITRAMFS" -r "$KROOT" -c kms.conf -k "$KVER" --sysfs sysfs --rootfs "$rootfs" \
	--rootdev "$rootdev" -g kms.img >kms.log 2>&1
t_check "the host image with the kms hook builds" test "$?" -eq 0
flags_are "kms hook (LOAD=early)" kms.img ao bochs
flags_are "kms hook (LOAD=early)" kms.img ad ata_piix
cp -r "$TOP/hooks/build" kmshooks && sed -i '/^LOAD=early$/d' kmshooks/kms
MKINITRAMFS_HOOKS_DIR=$PWD/kmshooks "$MKINITRAMFS" -r "$KROOT" -c kms.conf -k "$KVER" \
	--sysfs sysfs --rootfs "$rootfs" --rootdev "$rootdev" -g kmsd.img >kmsd.log 2>&1
t_check "the host image with a kms hook without LOAD=early builds" test "$?" -eq 0
flags_are "kms hook without LOAD=early" kmsd.img ado bochs
# Booted on the captured machine's disk: none of the deferred drivers before root.
qemu_boot "$BW/deferred.log" proof.img "root=LABEL=testroot" \
	-drive "file=$BW/root.img,format=raw,if=virtio"
t_grep "the host image with deferred drivers boots" '^ROOTINIT done' "$BW/deferred.log"
loaded_before_root "host image, root on vda" "$BW/deferred.log" "virtio_blk $EXT4_CLOSURE" "$DEFERRED"
t_nogrep "... with no late-root fallback" "deferred drivers" "$BW/deferred.log"
# The root moved behind a deferred driver (the IDE disk; sd_mod given by MODULES=, as
# the capture had no disk of that kind): found after the bound, said in one line.
sed -e 's/^MODULES=.*/MODULES=(sd_mod)/' mkinitramfs.conf >sd.conf
"$MKINITRAMFS" -r "$KROOT" -c sd.conf -k "$KVER" --sysfs sysfs --rootfs "$rootfs" \
	--rootdev "$rootdev" -g late.img >late.log 2>&1
t_check "the host image with MODULES=(sd_mod) builds" test "$?" -eq 0
flags_are "MODULES=(sd_mod)" late.img ad ata_piix
qemu_boot "$BW/late.log" late.img "root=LABEL=testroot" \
	-drive "file=$BW/root.img,format=raw,if=ide"
t_grep "a root behind a deferred driver still boots" '^ROOTINIT done' "$BW/late.log"
t_grep "... from the IDE disk" '^ROOTINIT mount=/dev/sda ext4' "$BW/late.log"
t_grep "... once the init said why it loads the deferred drivers" \
	"initramfs: root not seen after [0-9]+ s: loading the [0-9]+ deferred drivers" \
	"$BW/late.log"

# -P with the captured sysfs: both images of every preset, in parallel.
rm -f out/*
start=$(date +%s.%N)
"$MKINITRAMFS" -P --presetdir "$T_TMP/presets" -r "$KROOT" --sysfs sysfs \
	--rootfs "$rootfs" >genP.log 2>&1
t_check "-P builds every preset's images" test "$?" -eq 0
echo "# -P built both images in $(echo "$(date +%s.%N) - $start" | bc) s"
t_check "-P wrote the host image" test -s "$HOST"
t_check "-P wrote the fallback image" test -s "$FALLBACK"
"$MKINITRAMFS" -a "$FALLBACK" >fallback.analysis
"$MKINITRAMFS" -l "$FALLBACK" >fallback.list
t_grep "the fallback's first segment is uncompressed" '^  0: none ' fallback.analysis
t_nogrep "the fallback has no module outside it" '\.ko$' fallback.list
t_grep "the fallback's modules are .ko.zst" '/virtio_blk\.ko\.zst$' fallback.list
t_grep "the fallback carries the unzstd helper" ' /lib/mkinitramfs/unzstd$' fallback.list
host_size=$(stat -c %s "$HOST")
fallback_size=$(stat -c %s "$FALLBACK")
echo "# host image $host_size bytes, fallback $fallback_size bytes"
t_check "the host image is at least 5 times smaller than the fallback" \
	test $((host_size * 5)) -le "$fallback_size"
"$MKINITRAMFS" -l "$HOST" >host.list
t_grep "the host image has virtio_blk" '/virtio_blk\.ko$' host.list
t_grep "the host image has ext4's softdep crc32c" '/crc32c_generic\.ko$' host.list
t_nogrep "the host image has no .ko.zst (its modules are decompressed at build)" '\.ko\.zst$' host.list
t_nogrep "the host image has no unzstd helper" 'lib/mkinitramfs/unzstd$' host.list
t_nogrep "the host image has no nvme" '/nvme\.ko$' host.list
t_nogrep "the host image has no xfs" '/xfs\.ko$' host.list

qemu_boot "$BW/host.log" "$HOST" "root=LABEL=testroot" \
	-drive "file=$BW/root.img,format=raw,if=virtio"
t_grep "the host image boots the captured machine" '^ROOTINIT done' "$BW/host.log"
qemu_boot "$BW/fallback2.log" "$FALLBACK" "root=LABEL=testroot" \
	-drive "file=$BW/root.img,format=raw,if=virtio"
t_grep "the -P fallback image boots too" '^ROOTINIT done' "$BW/fallback2.log"
