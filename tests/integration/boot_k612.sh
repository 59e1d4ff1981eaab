#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The boot matrix's core scenarios on Debian 13's 6.12 kernel (tests/kernel-fixture.sh
# --kernel trixie: merged /usr, .ko.xz modules, CONFIG_MODULE_DECOMPRESS=y): virtio-blk,
# NVMe and AHCI with explicit modules, and a generic image (no autodetect) whose storage
# drivers load on modalias match during coldplug, on virtio-blk and on NVMe. Two QEMU
# boots at a time. The real Debian systemd root on 6.12: boot_systemd_k612.sh.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
read -r KROOT KVER < <("$TOP/tests/kernel-fixture.sh" --kernel trixie)
[ -n "${KVER:-}" ] || { t_fail "no Debian 13 kernel fixture"; exit 1; }
# 6.12 boots slower than 6.1 under TCG, a generic image loading a dozen xz modules
# slowest: 200 s at most each (about 40 s each on a quiet machine).
BOOT_TIMEOUT=${BOOT_TIMEOUT:-200}
source "$TOP/tests/boot/lib.sh"
boot_setup || { t_fail "cannot build the test root's init"; exit 1; }
[ -x "$B/init" ] && [ -x "$MKINITRAMFS" ] || { t_fail "run make first"; exit 1; }
echo "# kernel $KVER from '$KROOT'"
mk_ext4 "$BW/root.img" 64M -L testroot
cd "$T_TMP" || exit 1

# Images: explicit modules as a host image has them, and the generic one.
# The virtio image's root also says "weakdep virtio_blk nbd" (modprobe.d): the init
# loads a weak dependency before its module.
mkdir -p wroot && cp -al "$KROOT/." wroot/ && mkdir -p wroot/etc/modprobe.d
echo "weakdep virtio_blk nbd" >wroot/etc/modprobe.d/weak.conf
KROOT=$T_TMP/wroot gen_image "$BW/virtio.img" zstd no a:virtio_pci a:virtio_blk a:ext4 ||
	t_fail "cannot make the virtio-blk image"
gen_image "$BW/nvme.img" zstd no a:nvme a:ext4 || t_fail "cannot make the NVMe image"
gen_image "$BW/ahci.img" zstd no a:ahci a:sd_mod a:ext4 || t_fail "cannot make the AHCI image"
sed -e 's/^HOOKS=.*/HOOKS=(base modconf block filesystems keyboard)/' \
	"$TOP/mkinitramfs.conf" >generic.conf
"$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c generic.conf -g "$BW/generic.img" \
	>generic.log 2>&1 || { t_fail "cannot make the generic image"; sed 's/^/    | /' generic.log; }

# The same virtio image with modules decompressed at build (MODULES_DECOMPRESS=yes).
printf 'MODULES=(virtio_pci virtio_blk ext4)\nHOOKS=(base)\nMODULES_DECOMPRESS=yes\n' >decomp.conf
"$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c decomp.conf -g "$BW/decomp.img" >decomp.log 2>&1 ||
	{ t_fail "cannot make the decompressed image"; sed 's/^/    | /' decomp.log; }
# A rescue shell image: busybox in a copy of the root; nbd rides along on match only,
# for busybox modprobe to load from the image's modules.dep in the shell.
mkdir -p sroot && cp -al "$KROOT/." sroot/ && mkdir -p sroot/bin && cp /bin/busybox sroot/bin/
printf 'MODULES=(virtio_pci virtio_blk ext4)\nMODULES_MATCH=(nbd)\nHOOKS=(base shell)\n' >shell.conf
"$MKINITRAMFS" -k "$KVER" -r "$T_TMP/sroot" -c shell.conf -g "$BW/shell.img" >shell.log 2>&1 ||
	{ t_fail "cannot make the rescue shell image"; sed 's/^/    | /' shell.log; }

for img in virtio nvme ahci generic decomp shell; do
	"$MKINITRAMFS" -l "$BW/$img.img" >"$img.list" 2>&1
done
KRE=$(printf '%s' "$KVER" | sed 's/[.+]/\\&/g') # the version as an ERE
t_grep "the virtio image holds ext4 for 6.12" "/lib/modules/$KRE/kernel/fs/ext4/ext4\\.ko" virtio.list
t_grep "the generic image holds nvme, kept compressed" "/kernel/drivers/nvme/host/nvme\\.ko\\.xz\$" generic.list
t_grep "kept modules are in an uncompressed first segment" '^# segment 0: none$' virtio.list
t_check "... before the compressed main archive" \
	test "$(sed -n 's/^# segment 1: //p' virtio.list)" = zstd
t_nogrep "no module is decompressed in the virtio image" '\.ko$' virtio.list
t_grep "MODULES_DECOMPRESS=yes decompresses them" "/kernel/fs/ext4/ext4\\.ko\$" decomp.list
t_nogrep "... and keeps none compressed" '\.ko\.xz$' decomp.list
"$MKINITRAMFS" -x "$BW/generic.img" gx >/dev/null 2>&1
t_grep "the generic plan loads nvme on match, as a compressed file" $'^M\tnvme\t[^\t]*\\.ko\\.xz\tmz\t' gx/etc/mkinitramfs/plan

DISK="file=$BW/root.img,format=raw,if=none,id=root"
# boot NAME IMAGE APPEND QEMU_ARGS...: in the background; `wait` collects.
boot() {
	local name=$1 img=$2 append=$3
	shift 3
	# Each boot gets its own copy of the disk: two run at once.
	cp --sparse=always "$BW/root.img" "$BW/$name.disk"
	qemu_boot "$BW/k612-$name.log" "$img" "$append" "${@//@DISK@/$BW/$name.disk}" &
}
booted() { # NAME: the root's init ran
	t_grep "6.12 $1: the root's init ran" '^ROOTINIT done' "$BW/k612-$1.log"
}
loaded() { # NAME MODULE...: the root saw these modules loaded
	local name=$1 m
	shift
	for m in "$@"; do
		t_grep "6.12 $name: '$m' loaded" "^ROOTINIT modules=.* $m( |\$)" "$BW/k612-$name.log"
	done
}

boot virtio "$BW/virtio.img" "root=/dev/vda" -drive "file=@DISK@,format=raw,if=virtio"
boot nvme "$BW/nvme.img" "root=/dev/nvme0n1" -drive "file=@DISK@,format=raw,if=none,id=root" \
	-device nvme,serial=k612,drive=root
wait
booted virtio
loaded virtio virtio_blk ext4 nbd
booted nvme
loaded nvme nvme ext4
t_grep "6.12 nvme: ext4 on the NVMe disk" '^ROOTINIT mount=/dev/nvme0n1 ext4' "$BW/k612-nvme.log"

# AHCI, as everywhere in the boot tests, with the steady guest clock (tests/boot/lib.sh).
BOOT_TIMEOUT=$QEMU_STEADY_TIMEOUT boot ahci "$BW/ahci.img" "root=LABEL=testroot" \
	-machine q35 "${QEMU_STEADY_CLOCK[@]}" -drive "file=@DISK@,format=raw,if=none,id=root" \
	-device ide-hd,drive=root,bus=ide.0
boot generic-virtio "$BW/generic.img" "root=LABEL=testroot" \
	-drive "file=@DISK@,format=raw,if=virtio"
wait
booted ahci
loaded ahci ahci sd_mod ext4
booted generic-virtio
loaded generic-virtio virtio_blk ext4
t_nogrep "6.12 generic on virtio: nvme left unloaded" '^ROOTINIT modules=.* nvme( |$)' \
	"$BW/k612-generic-virtio.log"

boot generic-nvme "$BW/generic.img" "root=LABEL=testroot" \
	-drive "file=@DISK@,format=raw,if=none,id=root" -device nvme,serial=k612g,drive=root
boot decomp "$BW/decomp.img" "root=/dev/vda" -drive "file=@DISK@,format=raw,if=virtio"
wait
booted decomp
loaded decomp virtio_blk ext4
booted generic-nvme
loaded generic-nvme nvme ext4
t_grep "6.12 generic on NVMe: nvme loaded for its device during coldplug" \
	"initramfs: module 'nvme' loaded for device 'pci:v00001B36d00000010" "$BW/k612-generic-nvme.log"
t_nogrep "6.12 generic on NVMe: virtio_blk left unloaded" '^ROOTINIT modules=.* virtio_blk( |$)' \
	"$BW/k612-generic-nvme.log"

# The rescue shell: busybox modprobe loads a compressed module from the image.
cp --sparse=always "$BW/root.img" "$BW/shell.disk"
log=$BW/k612-shell.log
qemu_interactive_start "$log" "$BW/shell.img" "root=/dev/vda rd.break" \
	-drive "file=$BW/shell.disk,format=raw,if=virtio"
if wait_log "$log" 'starting a shell' 120; then
	sleep 1
	qemu_send 'modprobe nbd nbds_max=5 && echo NBD-$(cat /sys/module/nbd/parameters/nbds_max) > /dev/kmsg'
	wait_log "$log" 'NBD-[0-9]' 30
	qemu_send 'exit'
fi
qemu_interactive_end "$log"
t_grep "6.12 rescue shell: busybox modprobe loads nbd.ko.xz from the image" 'NBD-5' "$log"
booted shell
t_report
