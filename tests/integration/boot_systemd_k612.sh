#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real Debian 12 systemd root (tests/boot/sdroot.bash) booted with Debian 13's 6.12
# kernel (tests/kernel-fixture.sh --kernel trixie): the image keeps the .ko.xz modules
# compressed for the kernel to decompress, the root is found by its label, and systemd
# reaches multi-user.target with no job timeout. The root holds the 6.12 module tree as
# an installed kernel package would (merged /usr, .ko.xz, written by Debian 13's depmod),
# so its udev loads, with Debian 12's kmod, a NIC driver the image does not have.
# One boot.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture # the Debian 12 kernel's tree: the cached chroot holds it
source "$TOP/tests/boot/sdroot.bash"
BW=$T_TMP
cd "$T_TMP" || exit 1
R=$T_TMP/sysroot
sd_root "$R" k612-test /dev/disk/by-label/debroot || { t_fail "cannot stage the root"; exit 1; }

read -r KROOT KVER < <("$TOP/tests/kernel-fixture.sh" --kernel trixie)
[ -n "${KVER:-}" ] || { t_fail "no Debian 13 kernel fixture"; exit 1; }
echo "# kernel $KVER from '$KROOT'"
source "$TOP/tests/boot/lib.sh"
# A systemd boot of 6.12 under TCG: a few minutes on a loaded machine at worst.
BOOT_TIMEOUT=${SYSTEMD_K612_TIMEOUT:-480}
VMLINUZ=$KROOT/boot/vmlinuz-$KVER

# The 6.12 modules replace 6.1's, as if the kernel package had been installed.
rm -rf "$R/usr/lib/modules"/*
cp -al "$KROOT/usr/lib/modules/$KVER" "$R/usr/lib/modules/"
cat >"$R/etc/sdtest.extra" <<'EOS'
#!/bin/sh
# multi-user.target does not wait for udev's coldplug: wait (bounded) for the NIC's
# driver, not for all of coldplug (kmod decompresses each .ko.xz in userspace, slow
# under TCG).
i=0
while [ ! -d /sys/module/e1000 ] && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
echo "modules $(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"
echo "udev $(systemctl is-active systemd-udevd.service)"
EOS
chmod 755 "$R/etc/sdtest.extra"
size_mb=$(($(du -sm "$R" | cut -f1) * 5 / 4 + 64))
mkfs.ext4 -q -F -d "$R" -L debroot root.img "${size_mb}M" >/dev/null ||
	{ t_fail "mkfs.ext4 of the Debian root failed"; exit 1; }

gen_image "$BW/sd.img" zstd no a:virtio_pci a:virtio_blk a:ext4 ||
	{ t_fail "cannot make the 6.12 image"; exit 1; }
"$MKINITRAMFS" -l "$BW/sd.img" >sd.list 2>&1
t_grep "the image keeps ext4 compressed for 6.12" '/kernel/fs/ext4/ext4\.ko\.xz$' sd.list
t_nogrep "the image has no NIC driver" '/e1000\.ko' sd.list

L=$BW/systemd-k612.log
start=$(date +%s)
# QEMU's default NIC (e1000) is the device for the root's udev to find a driver for.
# No VGA: its DRM driver and console switch are slow under TCG and prove nothing here.
qemu_boot "$L" "$BW/sd.img" "no_timer_check root=LABEL=debroot" -vga none \
	-drive "file=$T_TMP/root.img,format=raw,if=virtio"
echo "# the boot took $(($(date +%s) - start)) s"
sd_checks "systemd on 6.12" "$L" "$KVER"
t_grep "systemd on 6.12: the init found the root by its label" \
	"root 'LABEL=debroot' is '/dev/vda' \\(ext4\\)" "$L"
t_grep "systemd on 6.12: the root's device unit is active" '^SDTEST root-device active$' "$L"
t_grep "systemd on 6.12: fstab's remount made the root read-write" '^SDTEST root-mount rw' "$L"
t_grep "systemd on 6.12: udev runs in the root" '^SDTEST udev active$' "$L"
t_grep "systemd on 6.12: the root's udev loaded e1000 from its .ko.xz" \
	'^SDTEST modules .*(^| )e1000( |$)' "$L"
t_grep "systemd on 6.12: ext4 was loaded by the init (compressed in the image)" \
	'^SDTEST modules .*(^| )ext4( |$)' "$L"
t_report
