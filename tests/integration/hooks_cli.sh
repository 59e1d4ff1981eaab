#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hooks from the command line: -L, -H, -A, -S, unknown hooks, a user hook overriding a
# shipped one, and the microcode hook's early uncompressed cpio before the image.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
cd "$T_TMP"

"$MKINITRAMFS" -L >list.txt 2>&1
t_check "-L succeeds" test $? -eq 0
for h in base autodetect modconf block filesystems keyboard net shell microcode mdadm_udev mdadm keymap consolefont sd-vconsole; do
	t_grep "-L lists '$h' with its help" "^  $h +[a-z]" list.txt
done
"$MKINITRAMFS" -H block >block.txt 2>&1
t_grep "-H block says when its modules load" 'loaded when a device needs them' block.txt
t_grep "-H block names the AHCI drivers' directory" 'kernel/drivers/ata/\*' block.txt
for h in mdadm_udev mdadm; do
	"$MKINITRAMFS" -H $h >md.txt 2>&1
	t_grep "-H $h says the init assembles arrays" 'the init assembles md arrays as their members appear' md.txt
	t_grep "-H $h names the RAID personalities" '^  raid456\?$' md.txt
done
# A root without mdadm: the hook cannot do its work, and says what to install.
printf 'HOOKS=(base mdadm_udev)\n' >md.conf
t_run 1 "mdadm_udev without mdadm in the root fails" -k "$KVER" -r "$KROOT" -c md.conf -g md.img
t_grep "the missing mdadm is named" "hook 'mdadm_udev': no 'mdadm' in the programs of '.*' \(install mdadm\)" out.txt
"$MKINITRAMFS" -H sd-vconsole >vcon.txt 2>&1
t_grep "-H sd-vconsole names the keymap of vconsole.conf" '^console keymap: KEYMAP of /etc/vconsole.conf$' vcon.txt
t_grep "-H sd-vconsole names the font of vconsole.conf" '^console font: FONT of /etc/vconsole.conf$' vcon.txt
"$MKINITRAMFS" -H nosuchhook >nohook.txt 2>&1
t_check "-H of an unknown hook fails with 1" test $? -eq 1
t_grep "-H names the unknown hook" "unknown hook 'nosuchhook'" nohook.txt

# A root with microcode blobs of both vendors, hard-linked from the fixture.
root=$T_TMP/root
cp -al "$KROOT" "$root"
mkdir -p "$root/lib/firmware/intel-ucode" "$root/lib/firmware/amd-ucode"
printf 'INTEL-A' >"$root/lib/firmware/intel-ucode/06-55-04"
printf 'INTEL-B' >"$root/lib/firmware/intel-ucode/06-8f-08"
printf 'AMD-17' >"$root/lib/firmware/amd-ucode/microcode_amd_fam17h.bin"
printf 'not a blob' >"$root/lib/firmware/amd-ucode/README"
printf 'MODULES=(virtio_blk)\nHOOKS=(base)\n' >base.conf

"$MKINITRAMFS" -q -k "$KVER" -r "$root" -c base.conf -A microcode -g mc.img
t_check "-A microcode builds" test $? -eq 0
"$MKINITRAMFS" -l mc.img >mc.list
t_grep "the image starts with an uncompressed segment" '^# segment 0: none' mc.list
t_grep "the early segment holds the Intel blob" ' /kernel/x86/microcode/GenuineIntel\.bin$' mc.list
t_grep "the early segment holds the AMD blob" ' /kernel/x86/microcode/AuthenticAMD\.bin$' mc.list
t_grep "the compressed segment follows" '^# segment 1: zstd' mc.list
t_check "the early cpio comes first, readable by cpio itself" \
	bash -c "cpio -it <mc.img 2>/dev/null | grep -qx kernel/x86/microcode/GenuineIntel.bin"
mkdir x && "$MKINITRAMFS" -x mc.img x
t_check "Intel blobs are concatenated in name order" \
	test "$(cat x/kernel/x86/microcode/GenuineIntel.bin)" = "INTEL-AINTEL-B"
t_check "only amd-ucode/*.bin is taken" \
	test "$(cat x/kernel/x86/microcode/AuthenticAMD.bin)" = "AMD-17"

# After autodetect, only the host CPU's own blob (family-model-stepping).
mkdir -p sysfs/devices
printf 'HOOKS=(base autodetect microcode)\n' >auto.conf
printf 'processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: x\nstepping\t: 4\n' >intel.cpuinfo
"$MKINITRAMFS" -q -k "$KVER" -r "$root" -c auto.conf --sysfs sysfs --rootfs ext4 \
	--cpuinfo intel.cpuinfo -g host.img
"$MKINITRAMFS" -l host.img >host.list
t_grep "a host image carries the host's vendor (GenuineIntel)" "/kernel/x86/microcode/GenuineIntel\.bin$" host.list
t_check "a host image carries no other vendor" \
	test "$(grep -c '/kernel/x86/microcode/' host.list)" -eq 1
mkdir hx && "$MKINITRAMFS" -x host.img hx
t_check "a host image carries only this CPU's blob (06-55-04)" \
	test "$(cat hx/kernel/x86/microcode/GenuineIntel.bin)" = "INTEL-A"
printf 'vendor_id\t: AuthenticAMD\ncpu family\t: 23\nmodel\t\t: 1\nstepping\t: 2\n' >amd.cpuinfo
"$MKINITRAMFS" -q -k "$KVER" -r "$root" -c auto.conf --sysfs sysfs --rootfs ext4 \
	--cpuinfo amd.cpuinfo -g amd.img
mkdir ax && "$MKINITRAMFS" -x amd.img ax
t_check "an AMD family 17h host takes microcode_amd_fam17h.bin" \
	test "$(cat ax/kernel/x86/microcode/AuthenticAMD.bin)" = "AMD-17"
printf 'vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 1\nstepping\t: 1\n' >other.cpuinfo
"$MKINITRAMFS" -k "$KVER" -r "$root" -c auto.conf --sysfs sysfs --rootfs ext4 \
	--cpuinfo other.cpuinfo -g other.img >other.log 2>&1
t_grep "a CPU without a blob: the warning names it" \
	"microcode: no blob for this CPU \(GenuineIntel family 6 model 1 stepping 1\)" other.log

# -S takes a hook out again; HOOKS + -A + -S compose.
"$MKINITRAMFS" -q -k "$KVER" -r "$root" -c base.conf -A microcode,shell -S microcode \
	-g nomc.img 2>nomc.err
t_check "-A shell needs busybox in the root: the error names it" \
	grep -q "busybox" nomc.err
mkdir -p "$root/bin" && cp /bin/busybox "$root/bin/busybox"
"$MKINITRAMFS" -q -k "$KVER" -r "$root" -c base.conf -A microcode,shell -S microcode -g nomc.img
"$MKINITRAMFS" -l nomc.img >nomc.list
t_nogrep "-S microcode leaves the early cpio out" 'microcode' nomc.list
t_grep "-A shell adds busybox" ' /bin/busybox$' nomc.list
t_grep "-A shell adds the applet links" ' /bin/sh -> busybox$' nomc.list

printf 'HOOKS=(base frobnicate)\n' >unknown.conf
"$MKINITRAMFS" -q -k "$KVER" -r "$root" -c unknown.conf -g bad.img 2>unknown.err
t_check "an unknown hook in HOOKS fails the build" test ! -e bad.img
t_grep "the error names the hook and the directories searched" \
	"unknown hook 'frobnicate': not found in '/etc/mkinitramfs/hooks'.*'" unknown.err

# lvm2: what it adds; a root without lvm is named (the boot test, boot_lvm.sh, has lvm).
"$MKINITRAMFS" -H lvm2 >lvm2.txt 2>&1
t_grep "-H lvm2 says the init activates volume groups" 'adds lvm: the init activates LVM volume groups' lvm2.txt
t_grep "-H lvm2 loads dm_mod" '^  dm_mod$' lvm2.txt
"$MKINITRAMFS" -q -k "$KVER" -r "$root" -c base.conf -A lvm2 -g nolvm.img 2>nolvm.err
t_check "-A lvm2 without lvm in the root fails the build" test ! -e nolvm.img
t_grep "the error names lvm and the root" \
	"hook 'lvm2': no 'lvm' in the programs of '$root/' \(install lvm2\)" nolvm.err

# LOAD=: when a generic image loads the hook's modules.
"$MKINITRAMFS" -H filesystems >fs.txt 2>&1
t_grep "-H filesystems says its modules load on request" 'load only on request: the root' fs.txt
"$MKINITRAMFS" -H keyboard >kbd.txt 2>&1
t_grep "-H keyboard says its modules wait for a person" 'once a person must type' kbd.txt
mkdir -p loadhooks
printf 'HELP="x"\nMODULES=(nbd)\nLOAD=sometimes\n' >loadhooks/odd
printf 'HOOKS=(base odd)\n' >odd.conf
MKINITRAMFS_HOOKS_DIR=$T_TMP/loadhooks "$MKINITRAMFS" -q -k "$KVER" -r "$root" -c odd.conf \
	-g odd.img 2>odd.err
t_check "an unknown LOAD= value fails the build" test ! -e odd.img
t_grep "the error names the hook file and the values" \
	"error: hook 'odd': .*/loadhooks/odd: LOAD='sometimes' is not one of boot, early, request, console" odd.err

# A hook of the same name earlier in the search path wins over the shipped one.
mkdir -p myhooks
printf 'HELP="my own block hook"\nMODULES=(nbd)\n' >myhooks/block
MKINITRAMFS_HOOKS_DIR=$T_TMP/myhooks "$MKINITRAMFS" -H block >mine.txt
t_grep "a user hook overrides the shipped one" 'my own block hook' mine.txt
