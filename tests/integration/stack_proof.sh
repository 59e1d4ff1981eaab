#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The root-stack proof (issue 14): with autodetect, the generator walks the root's and
# resume's block devices down a sysfs tree (dm and md slaves, partitions, the disk's
# device and every parent with a driver bound), puts each layer's module in the image,
# adds the hook of each userspace step (dm-crypt, LVM, md, resume, a network root), and
# fails the build naming any piece the image lacks. The sysfs trees are synthesised
# with the layout of a real kernel's (links as /sys has them), for stacked machines:
# LUKS on LVM on NVMe, md RAID1 on two SATA disks, swap on an LV for resume, NFS and NBD
# roots. No QEMU: the proof is the generator's.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
cd "$T_TMP" || exit 1
KV=6.1.0-stack

# ---- sysfs trees ----------------------------------------------------------------------

# blockdev TREE DEVPATH MAJ:MIN: a block device at TREE/devices/DEVPATH, with its dev
# attribute, /sys/dev/block and /sys/class/block links.
blockdev() {
	local tree=$1 path=$2 dev=$3 name=${2##*/}
	mkdir -p "$tree/devices/$path" "$tree/dev/block" "$tree/class/block"
	echo "$dev" >"$tree/devices/$path/dev"
	mkdir -p "$tree/devices/$path/holders" "$tree/devices/$path/slaves"
	ln -sr "$tree/devices/$path" "$tree/dev/block/$dev"
	ln -sr "$tree/devices/$path" "$tree/class/block/$name"
}
# partition TREE DISKPATH NAME N MAJ:MIN
partition() {
	blockdev "$1" "$2/$3" "$5"
	echo "$4" >"$1/devices/$2/$3/partition"
}
# driver TREE DEVPATH DRIVER BUS [MODULE]: a driver bound to a device; MODULE empty:
# a builtin with no module link.
driver() {
	local tree=$1 path=$2 drv=$3 bus=$4 mod=${5:-}
	mkdir -p "$tree/devices/$path" "$tree/bus/$bus/drivers/$drv"
	ln -sfr "$tree/bus/$bus/drivers/$drv" "$tree/devices/$path/driver"
	if [ -n "$mod" ]; then
		mkdir -p "$tree/module/$mod"
		ln -sfr "$tree/module/$mod" "$tree/bus/$bus/drivers/$drv/module"
	fi
}
# dm TREE N NAME UUID MAJ:MIN SLAVEPATH...
dm() {
	local tree=$1 n=$2 name=$3 uuid=$4 dev=$5 s
	shift 5
	blockdev "$tree" "virtual/block/dm-$n" "$dev"
	mkdir -p "$tree/devices/virtual/block/dm-$n/dm"
	echo "$name" >"$tree/devices/virtual/block/dm-$n/dm/name"
	echo "$uuid" >"$tree/devices/virtual/block/dm-$n/dm/uuid"
	for s in "$@"; do
		ln -sr "$tree/devices/$s" "$tree/devices/virtual/block/dm-$n/slaves/${s##*/}"
		ln -sr "$tree/devices/virtual/block/dm-$n" "$tree/devices/$s/holders/dm-$n"
	done
}
# md TREE NAME LEVEL MAJ:MIN SLAVEPATH...
md() {
	local tree=$1 name=$2 level=$3 dev=$4 s
	shift 4
	blockdev "$tree" "virtual/block/$name" "$dev"
	mkdir -p "$tree/devices/virtual/block/$name/md"
	echo "$level" >"$tree/devices/virtual/block/$name/md/level"
	for s in "$@"; do
		ln -sr "$tree/devices/$s" "$tree/devices/virtual/block/$name/slaves/${s##*/}"
	done
}

# An NVMe controller at 0000:00:04.0 with namespace nvme0n1 and its partitions: the
# namespace's device link points to the nvme0 class device, whose parent is the PCI
# function the nvme driver is bound to (the "device/../driver" case).
NVME=pci0000:00/0000:00:04.0
nvme_disk() {
	local tree=$1
	blockdev "$tree" "$NVME/nvme/nvme0/nvme0n1" 259:0
	ln -sr "$tree/devices/$NVME/nvme/nvme0" "$tree/devices/$NVME/nvme/nvme0/nvme0n1/device"
	ln -sr "$tree/devices/$NVME" "$tree/devices/$NVME/nvme/nvme0/device"
	driver "$tree" "$NVME" nvme pci nvme
	echo 'pci:v00008086d00005845sv00001AF4sd00001100bc01sc08i02' >"$tree/devices/$NVME/modalias"
	partition "$tree" "$NVME/nvme/nvme0/nvme0n1" nvme0n1p1 1 259:1
	partition "$tree" "$NVME/nvme/nvme0/nvme0n1" nvme0n1p2 2 259:2
}
P1=$NVME/nvme/nvme0/nvme0n1/nvme0n1p2

# LUKS (dm-1, "cryptroot") on an LV (dm-0, vg-root) on nvme0n1p2; swap on vg-swap (dm-2).
luks_lvm_nvme() {
	local tree=$1
	nvme_disk "$tree"
	dm "$tree" 0 vg-root LVM-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb 254:0 "$P1"
	dm "$tree" 1 cryptroot CRYPT-LUKS2-0123456789abcdef0123456789abcdef-cryptroot 254:1 \
		virtual/block/dm-0
	dm "$tree" 2 vg-swap LVM-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaacccccccccccccccccccccccccccccccc 254:2 "$P1"
	mkdir -p "$tree/power" && echo 0:0 >"$tree/power/resume"
}

# md0 (RAID1) on sda1 and sdb1: SATA disks behind AHCI at 0000:00:1f.2; each disk's
# device is a SCSI device (driver sd, module sd_mod) under ata ports and a SCSI host.
AHCI=pci0000:00/0000:00:1f.2
sata_disk() { # TREE PORT LETTER MINOR
	local tree=$1 port=$2 l=$3 minor=$4 scsi
	scsi=$AHCI/ata$port/host$((port - 1))/target$((port - 1)):0:0/$((port - 1)):0:0:0
	blockdev "$tree" "$scsi/block/sd$l" "8:$minor"
	ln -sr "$tree/devices/$scsi" "$tree/devices/$scsi/block/sd$l/device"
	driver "$tree" "$scsi" sd scsi sd_mod
	partition "$tree" "$scsi/block/sd$l" "sd${l}1" 1 "8:$((minor + 1))"
	SATA_PART=$scsi/block/sd$l/sd${l}1
}
md_sata() {
	local tree=$1 a b
	driver "$tree" "$AHCI" ahci pci ahci
	sata_disk "$tree" 1 a 0 && a=$SATA_PART
	sata_disk "$tree" 2 b 16 && b=$SATA_PART
	md "$tree" md0 raid1 9:0 "$a" "$b"
}

luks_lvm_nvme lln
md_sata mds
nvme_disk plain # root straight on a partition: no userspace step
mkdir -p crypt && nvme_disk crypt &&
	dm crypt 0 cryptroot CRYPT-LUKS1-00000000000000000000000000000000-cryptroot 254:0 "$P1"
mkdir -p nbd && blockdev nbd virtual/block/nbd0 43:0
mkdir -p mpath && nvme_disk mpath && dm mpath 0 mpatha mpath-3600508b400105e210000900000490000 254:0 "$P1"
mkdir -p loop && nvme_disk loop && dm loop 0 vg-root LVM-x 254:0 virtual/block/dm-0

# ---- module trees ---------------------------------------------------------------------

cat >stack.spec <<'EOF'
module nvme-core exports=nvme_core_sym
module nvme needs=nvme_core_sym alias=pci:v*d*sv*sd*bc01sc08i02*
module dm-mod exports=dm_sym
module dm-crypt needs=dm_sym
module dm-integrity needs=dm_sym
module md-mod exports=md_sym
module raid1 needs=md_sym alias=md-personality-3,md-raid1,md-level-1
module raid456 needs=md_sym alias=md-raid5,md-raid6,md-raid4
module scsi-mod exports=scsi_sym
module libata exports=ata_sym needs=scsi_sym
module libahci exports=libahci_sym needs=ata_sym
module ahci needs=libahci_sym
module sd-mod needs=scsi_sym
module ext4 alias=fs-ext4
module nbd
module sunrpc exports=rpc_sym
module nfs exports=nfs_sym needs=rpc_sym alias=fs-nfs,fs-nfs4
module nfsv3 needs=nfs_sym
module nfsv4 needs=nfs_sym
builtin loop
EOF
"$TOP/tests/fixtures/mktree.sh" stack.spec full "$KV" || { t_fail "mktree stack.spec"; exit 1; }
# The same kernel without the nvme driver: an image for it cannot reach the root.
grep -v '^module nvme needs' stack.spec >nonvme.spec
"$TOP/tests/fixtures/mktree.sh" nonvme.spec nonvme "$KV" || { t_fail "mktree nonvme"; exit 1; }

# The userspace steps' hooks: stand-ins of the names, since this fake root has no
# cryptsetup, lvm or mdadm for the real hooks to copy. The proof checks that the hook
# is in the build, not what it holds (the boot suites test those).
mkdir -p hooks
for h in encrypt sd-encrypt lvm2 mdadm_udev; do
	printf 'HELP="stand-in for the %s hook"\n' "$h" >"hooks/$h"
done
export MKINITRAMFS_HOOKS_DIR=$T_TMP/hooks
printf 'HOOKS=(base autodetect)\n' >auto.conf

build() { # WANT NAME TREE ROOT ARGS...
	local want=$1 name=$2 tree=$3 root=$4
	shift 4
	t_run "$want" "$name" -v -k "$KV" -r "$root" -c auto.conf --sysfs "$tree" \
		--rootfs ext4 "$@"
}

# ---- LUKS on LVM on NVMe, swap on another LV ------------------------------------------

echo 254:2 >lln/power/resume
build 0 "LUKS on LVM on NVMe builds" lln full --rootdev /dev/mapper/cryptroot -g lln.img
cp out.txt lln.out
t_grep "autodetect adds the encrypt hook, saying why" \
	"autodetect: root stack: 'dm-1' \(dm-crypt 'cryptroot'\) needs hook 'encrypt': adding it" lln.out
t_grep "autodetect adds the lvm2 hook" "autodetect: root stack: 'dm-0' \(LVM logical volume 'vg-root'\) needs hook 'lvm2': adding it" lln.out
t_grep "autodetect adds the resume hook for the swap LV" "autodetect: resume stack: 'swap' \(hibernation image\) needs hook 'resume': adding it" lln.out
t_grep "-v: the filesystem on top" "root stack: /: filesystem 'ext4', module 'fs-ext4': in the image" lln.out
t_grep "-v: the LUKS layer" "root stack:   dm-1: dm-crypt 'cryptroot', module 'dm_crypt': in the image, hook 'encrypt': in HOOKS" lln.out
t_grep "-v: the LV below it" "root stack:     dm-0: LVM logical volume 'vg-root', module 'dm_mod': in the image, hook 'lvm2': in HOOKS" lln.out
t_grep "-v: the partition" "root stack:       nvme0n1p2: partition 2 of 'nvme0n1'" lln.out
t_grep "-v: the disk" "root stack:         nvme0n1: disk$" lln.out
t_grep "-v: the controller's driver, found above the nvme0 class device" \
	"root stack:           0000:00:04.0: driver 'nvme', module 'nvme': in the image" lln.out
t_grep "-v: resume's chain" "resume stack:   dm-2: LVM logical volume 'vg-swap'" lln.out
"$MKINITRAMFS" -l lln.img >lln.list
for m in nvme nvme-core dm-mod dm-crypt ext4; do
	t_grep "the image holds $m" "/$m\.ko$" lln.list
done
"$MKINITRAMFS" --show-config lln.img >lln.conf 2>&1
t_grep "the embedded configuration names the added hooks" "^HOOKS=\('base' 'autodetect' 'encrypt' 'lvm2' 'resume'\)" lln.conf

# The same machine named three other ways; the hooks already in HOOKS are not added.
printf 'HOOKS=(base autodetect sd-encrypt lvm2 resume)\n' >listed.conf
t_run 0 "root by MAJ:MIN, hooks listed" -k "$KV" -r full -c listed.conf --sysfs lln \
	--rootfs ext4 --rootdev 254:1 -g a.img
t_nogrep "nothing is added when HOOKS lists sd-encrypt (for dm-crypt), lvm2, resume" "needs hook .*: adding it" out.txt
build 0 "root by its sysfs name" lln full --rootdev dm-1 -g b.img
t_grep "root by name walks the same stack" "nvme0n1p2: partition 2" out.txt
build 0 "--rootdev with autodetect left out builds" lln full --rootdev dm-1 -S autodetect -g noauto.img
t_grep "--rootdev without autodetect: said to be ignored" \
	"warning: --rootdev is read only by the autodetect hook, which this build does not run: ignored" out.txt
t_nogrep "--rootdev without autodetect: no stack walked" "root stack" out.txt

# resume= of --cmdline when the running kernel has none set.
echo 0:0 >lln/power/resume
printf 'root=/dev/mapper/cryptroot resume=/dev/mapper/vg-swap quiet\n' >cmdline
build 0 "resume= from --cmdline" lln full --rootdev 254:1 --cmdline cmdline -g c.img
t_grep "resume= of --cmdline is walked" "resume stack:   dm-2: LVM logical volume 'vg-swap'" out.txt
printf 'resume=/dev/mapper/vg-swap noresume\n' >cmdline
build 0 "noresume after resume=" lln full --rootdev 254:1 --cmdline cmdline -g c.img
t_nogrep "noresume: no resume stack" "resume stack" out.txt
printf 'resume=/dev/mapper/nosuch\n' >cmdline
build 0 "resume= naming no device is a warning" lln full --rootdev 254:1 --cmdline cmdline -g c.img
t_grep "the unknown resume= is named" "warning: autodetect: resume='/dev/mapper/nosuch' names no block device in 'lln/class/block', ignoring" out.txt

# -M prints the stack's modules with the rest.
t_run 0 "-M on the LUKS/LVM/NVMe machine" -k "$KV" -r full -c auto.conf --sysfs lln \
	--rootfs ext4 --rootdev 254:1 -M
for m in dm_crypt dm_mod nvme ext4; do t_grep "-M prints $m" "^$m$" out.txt; done

# ---- the pieces that are missing ------------------------------------------------------

build 1 "LV on NVMe whose driver the kernel lacks fails" lln nonvme --rootdev 254:0 -g d.img
t_grep "the failure names the nvme module and the controller" \
	"error: root stack: module 'nvme' for '0000:00:04.0' \(driver 'nvme'\) is not in the image: neither '.*nonvme/lib/modules/$KV' has it nor is it built into the kernel" out.txt
t_grep "the failure says the image cannot reach root" \
	"error: the image cannot reach root: 1 layer of its stack lacks a piece \(-v prints the stack\)" out.txt
t_check "no image is written" test ! -e d.img

build 1 "root on dm-crypt with the encrypt hook left out fails" crypt full --rootdev 254:0 \
	-S encrypt -g e.img
t_grep "the failure names the encrypt hook" \
	"error: root stack: 'dm-0' \(dm-crypt 'cryptroot'\) needs hook 'encrypt' \(or 'sd-encrypt'\), which is not in this build: it was left out with -S" out.txt
t_check "no image is written" test ! -e e.img

echo 254:2 >lln/power/resume
build 1 "resume without the resume hook fails" lln full --rootdev 254:1 -S resume -g f.img
t_grep "the failure names the resume hook" \
	"error: resume stack: 'swap' \(hibernation image\) needs hook 'resume', which is not in this build: it was left out with -S" out.txt

# Without the stand-ins, the shipped lvm2 hook is the one autodetect adds: in a root
# without lvm, the build fails naming the package to install.
MKINITRAMFS_HOOKS_DIR=$T_TMP/nohooks build 1 "root on LVM with the shipped lvm2 hook but no lvm fails" \
	lln full --rootdev 254:0 -g g.img
t_grep "autodetect says it adds the lvm2 hook" \
	"autodetect: root stack: 'dm-0' \(LVM logical volume 'vg-root'\) needs hook 'lvm2': adding it" out.txt
t_grep "the failure names the missing program and its package" \
	"error: hook 'lvm2': no 'lvm' in the programs of 'full/' \(install lvm2\)" out.txt
t_check "no image is written" test ! -e g.img

build 1 "a multipath root fails" mpath full --rootdev 254:0 -g h.img
t_grep "the failure names the dm target nothing sets up" \
	"error: root stack: 'dm-0' is a device-mapper 'mpatha' \(uuid 'mpath-3600508b400105e210000900000490000'\), which no hook of mkinitramfs sets up at boot" out.txt

build 1 "a dm device that is its own slave fails" loop full --rootdev 254:0 -g i.img
t_grep "the loop is named, bounded" "error: root stack: deeper than 32 layers at 'loop/devices/virtual/block/dm-0': a loop in the sysfs tree\?" out.txt

build 1 "--rootdev naming no device fails" lln full --rootdev /dev/mapper/nosuch -g j.img
t_grep "the unknown --rootdev is named" \
	"error: --rootdev '/dev/mapper/nosuch': no such block device in 'lln/class/block' \(give MAJ:MIN, NAME or /dev/mapper/NAME\)" out.txt
build 1 "--rootdev MAJ:MIN absent from the tree fails" lln full --rootdev 7:99 -g j.img
t_grep "the missing device number is named" "error: root stack: no block device 7:99 in 'lln/dev/block'" out.txt

rm -rf crypt/devices/virtual/block/dm-0/slaves
build 1 "a dm device without slaves/ fails" crypt full --rootdev 254:0 -g k.img
t_grep "the missing slaves/ is named" "error: root stack: cannot read 'crypt/devices/virtual/block/dm-0/slaves': what 'dm-0' is built on is unknown" out.txt

# ---- md RAID1 on two SATA disks -------------------------------------------------------

build 0 "md RAID1 on two SATA disks builds" mds full --rootdev /dev/md0 -g md.img
t_grep "autodetect adds the mdadm_udev hook" "autodetect: root stack: 'md0' \(md RAID, level raid1\) needs hook 'mdadm_udev': adding it" out.txt
t_grep "-v: the array, its personality resolved by alias" "root stack:   md0: md RAID, level raid1, module 'md-raid1': in the image, hook 'mdadm_udev': in HOOKS" out.txt
t_grep "-v: both members" "root stack:     sdb1: partition 1 of 'sdb'" out.txt
t_grep "-v: the SCSI disk driver" "root stack:         0:0:0:0: driver 'sd', module 'sd_mod': in the image" out.txt
t_grep "-v: the AHCI controller" "root stack:           0000:00:1f.2: driver 'ahci', module 'ahci': in the image" out.txt
"$MKINITRAMFS" -l md.img >md.list
for m in raid1 md-mod ahci libahci sd-mod; do t_grep "the image holds $m" "/$m\.ko$" md.list; done
build 1 "md RAID1 without mdadm_udev fails" mds full --rootdev 9:0 -S mdadm_udev -g md2.img
t_grep "the failure names mdadm_udev (or mdadm)" "needs hook 'mdadm_udev' \(or 'mdadm'\), which is not in this build: it was left out with -S" out.txt

# ---- plain and network roots ----------------------------------------------------------

build 0 "root on a plain NVMe partition builds" plain full --rootdev nvme0n1p2 -g p.img
t_nogrep "no hook is added for a plain partition" "needs hook .*: adding it" out.txt

# The running kernel has nvme built in (no module link), the target kernel has it as a
# module: the image gets it all the same, asked for by the driver's name.
mkdir -p builtin && nvme_disk builtin && rm builtin/bus/pci/drivers/nvme/module
build 0 "a driver built into the running kernel only builds" builtin full --rootdev 259:2 -g bi.img
t_grep "-v: the built-in driver is asked for by its name" \
	"0000:00:04.0: driver 'nvme', built into the running kernel, module 'nvme': in the image" out.txt
"$MKINITRAMFS" -l bi.img >bi.list
t_grep "the image holds the target kernel's nvme module" "/nvme\.ko$" bi.list
build 0 "... and built into the target kernel too" builtin nonvme --rootdev 259:2 -g bi2.img
t_grep "-v: a driver of no module name is built in" \
	"0000:00:04.0: driver 'nvme', built into the running kernel, module 'nvme': none of that name, built in" out.txt

build 0 "root on /dev/nbd0 builds" nbd full --rootdev 43:0 -g nbd.img
t_grep "autodetect adds the net hook for nbd" "autodetect: root stack: 'nbd0' \(virtual disk\) needs hook 'net': adding it" out.txt
"$MKINITRAMFS" -l nbd.img >nbd.list
t_grep "the nbd image holds nbd" "/nbd\.ko$" nbd.list

mkdir -p nfs/devices
t_run 0 "an NFSv4 root builds" -v -k "$KV" -r full -c auto.conf --sysfs nfs --rootfs nfs4 -g nfs.img
t_grep "autodetect adds the net hook for nfs4" "autodetect: root stack: '/' \(network filesystem 'nfs4'\) needs hook 'net': adding it" out.txt
"$MKINITRAMFS" -l nfs.img >nfs.list
t_grep "the NFS image holds nfsv4" "/nfsv4\.ko$" nfs.list
t_grep "the NFS image holds sunrpc" "/sunrpc\.ko$" nfs.list
t_run 1 "an NFS root without the net hook fails" -k "$KV" -r full -c auto.conf --sysfs nfs \
	--rootfs nfs -S net -g nfs3.img
t_grep "the failure names the net hook" "error: root stack: '/' \(network filesystem 'nfs'\) needs hook 'net', which is not in this build: it was left out with -S" out.txt

# ---- the real Debian kernel: the names the walk produces resolve there ----------------

t_run 0 "-M on the real kernel for LUKS on LVM on NVMe" -k "$KVER" -r "$KROOT" -c auto.conf \
	--sysfs lln --rootfs ext4 --rootdev 254:1 -M
for m in dm_crypt dm_mod nvme ext4; do t_grep "-M (Debian $KVER) prints $m" "^$m$" out.txt; done
t_run 0 "-M on the real kernel for md RAID1 on SATA" -k "$KVER" -r "$KROOT" -c auto.conf \
	--sysfs mds --rootfs ext4 --rootdev 9:0 -M
for m in raid1 ahci sd_mod; do t_grep "-M (Debian $KVER) prints $m" "^$m$" out.txt; done

# Without --rootdev a --sysfs tree is another machine's: its root is not guessed.
t_run 0 "--sysfs without --rootdev builds" -v -k "$KV" -r full -c auto.conf --sysfs plain \
	--rootfs ext4 -g q.img
t_grep "-v says the stack is not walked" "autodetect: --sysfs without --rootdev: the root's stack is not walked" out.txt
