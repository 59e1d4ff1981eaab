#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The console keymap and font, booted: a LUKS2 root whose passphrase has a 'z', typed on
# QEMU's emulated PS/2 keyboard (the monitor's sendkey, into the virtual console that
# is /dev/console here) by someone with a German keyboard. The German layout swaps Y and
# Z: the key at the US 'y' position must type 'z'. First the keys a US typist would
# press for the passphrase (refused: with de-latin1 loaded they type 'y's), then the
# German typist's keys (accepted). The helper logs the keymap it loaded and the font it
# set, which it reads back from the console.
# The configuration is the one an Arch user with an encrypted root writes (issue 13):
# the generic image (-S autodetect, as the fallback preset builds it) boots the VM once,
# where the root's init is the capture program that records the VM's sysfs with the
# unlocked dm-crypt root on top; the host image built from that capture with the same
# configuration, its root stack proved, boots the same VM and disk.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
source "$TOP/tests/boot/luks.bash"
# The build root as a German user's.
t_console_root "$LROOT"
musl-gcc -static -Os -o "$BW/rootfs/bin/capture" "$TOP/tests/boot/capture.c" ||
	{ t_fail "cannot build the capture program"; exit 1; }
printf 'KEYMAP=de-latin1\nFONT=lat9w-14\n' >"$LROOT/etc/vconsole.conf"
PASS=zebrazoo
mk_luks "$BW/disk-de.img" inside-de --type luks2 "${pbkdf[@]}"
U=$(cryptsetup luksUUID "$BW/disk-de.img")
t_check "the LUKS2 disk was made (UUID $U)" test -n "$U"

# mkinitcpio's way of writing it, for an encrypted root; the generic image as
# mkinitcpio's fallback preset builds it.
cat >arch.conf <<'EOC'
# /etc/mkinitcpio.conf, as the installation guide leaves it for an encrypted root
MODULES=()
BINARIES=()
FILES=()
HOOKS=(base autodetect modconf keyboard keymap consolefont block encrypt filesystems)
COMPRESSION="zstd"
#COMPRESSION="xz"
COMPRESSION_OPTIONS=()
#MODULES_DECOMPRESS="no"
EOC
"$MKINITRAMFS" -k "$KVER" -r "$LROOT" -c arch.conf -S autodetect -g de.img >de.img.log 2>&1 ||
	{ t_fail "the generic image of the Arch configuration failed"; sed 's/^/    | /' de.img.log; exit 1; }
"$MKINITRAMFS" -l de.img >de.list
t_grep "the image has the vconsole helper" ' /lib/mkinitramfs/vconsole$' de.list
t_grep "the image has the binary keymap" ' /etc/mkinitramfs/keymap\.bin$' de.list
t_grep "the image has the font" ' /etc/mkinitramfs/font\.psf$' de.list

# Until the pattern shows or QEMU has ended (then there is nothing more to wait for).
wait_boot() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -Eq -- "$1" "$L" 2>/dev/null && return 0
		kill -0 "$QPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
L=$BW/de.log
truncate -s 4M "$BW/capture.img"
qemu_keyboard_start "$L" de.img \
	"no_timer_check console=tty0 root=/dev/mapper/cryptroot rd.luks.name=$U=cryptroot init=/bin/capture" \
	-drive "file=$BW/disk-de.img,format=raw,if=virtio,snapshot=on" \
	-drive "file=$BW/capture.img,format=raw,if=virtio"
if wait_boot "LUKS2 device '/dev/vda' .* is 'cryptroot'" "$BOOT_TIMEOUT"; then
	sleep 2
	qemu_sendkeys z e b r a z o o # what a US keyboard would need
	if wait_boot "wrong passphrase for '/dev/vda'" "$BOOT_TIMEOUT"; then
		sleep 2
		qemu_sendkeys y e b r a y o o # the same keys a German keyboard has
	fi
fi
qemu_keyboard_end "$L"
t_grep "the helper loaded the keymap of vconsole.conf" \
	"keymap 'de-latin1' loaded: [0-9]+ keys in [0-9]+ tables" "$L"
t_grep "the helper set the font, read back 8x14 from the console" \
	"console font 'lat9w-14' set: 256 glyphs of 8x14, read back the same" "$L"
t_grep "the font's unicode table was loaded" "console font 'lat9w-14': [0-9]+ unicode mappings" "$L"
t_check "the keymap was loaded before the passphrase was asked" \
	test "$(grep -n "keymap 'de-latin1' loaded" "$L" | cut -d: -f1)" -lt \
	"$(grep -n "LUKS2 device '/dev/vda'" "$L" | head -n1 | cut -d: -f1)"
t_grep "the US positions of 'zebrazoo' type something else: refused" \
	"wrong passphrase for '/dev/vda' \('cryptroot'\), 2 of 3 tries left" "$L"
t_grep "the German positions type 'zebrazoo': the root is unlocked" \
	"'/dev/vda' is unlocked as '/dev/mapper/cryptroot'" "$L"
t_grep "the boot goes on to the root" "switching root to '/new_root'" "$L"
t_nogrep "the helper reported no failure" "vconsole' failed" "$L"
t_grep "the unlocked root's capture program recorded the VM" '^CAPTURE done' "$L"

# The host image: the same configuration, autodetect reading the captured VM, the root
# stack walked from the dm-crypt volume down to the virtio disk's PCI function.
capture_unpack "$BW/capture.img" "$T_TMP"
rootfs=$(awk '$5 == "/" { for (i = 7; i <= NF; i++) if ($i == "-") { t = $(i + 1) } } END { print t }' mountinfo)
rootdev=$(awk '$5 == "/" { d = $3 } END { print d }' mountinfo)
t_check "the captured root is ext4 ($rootfs)" test "$rootfs" = ext4
t_grep "the captured root ($rootdev) is the dm-crypt volume" "^CRYPT-LUKS2-" "sysfs/dev/block/$rootdev/dm/uuid"
"$MKINITRAMFS" -v -k "$KVER" -r "$LROOT" -c arch.conf --sysfs sysfs --rootfs "$rootfs" \
	--rootdev /dev/mapper/cryptroot -g host.img >host.img.log 2>&1
t_check "the host image of the Arch configuration is built" test "$?" -eq 0
t_grep "-v: the chain starts at the root filesystem" \
	"root stack: /: filesystem 'ext4', module 'fs-ext4': in the image$" host.img.log
t_grep "-v: ... on the dm-crypt volume, with its hook" \
	"root stack:   dm-[0-9]+: dm-crypt 'cryptroot', module 'dm_crypt': in the image, hook 'encrypt': in HOOKS$" host.img.log
t_grep "-v: ... on the virtio disk" "root stack:     vda: disk$" host.img.log
t_grep "-v: ... down to virtio_blk" \
	"root stack:       virtio[0-9]+: driver 'virtio_blk', module 'virtio_blk': in the image$" host.img.log
t_grep "-v: ... and the PCI function's virtio_pci" \
	"root stack:         0000:00:[0-9a-f.:]+: driver 'virtio-pci', module 'virtio_pci': in the image$" host.img.log
"$MKINITRAMFS" -l host.img >host.list
for m in virtio_blk virtio_pci dm-mod dm-crypt xts ecb ext4; do
	t_grep "the host image has $m" "/$m\.ko(\.[a-z]+)?$" host.list
done
t_grep "the host image has the binary keymap" ' /etc/mkinitramfs/keymap\.bin$' host.list
t_grep "the host image has the font" ' /etc/mkinitramfs/font\.psf$' host.list
# The generic image preloaded all of the encrypt hook's modules; the VM's dm-crypt table
# holds xts and ecb, the rest were loaded and unused, like the USB keyboard drivers.
for m in dm-integrity essiv sha512_generic usbhid; do
	t_check "the VM had $m loaded, unused" test "$(cat "sysfs/module/${m//-/_}/refcnt")" = 0
	t_nogrep "... the host image leaves out $m (unused)" "/$m\.ko" host.list
done
t_nogrep "the host image has no nvme" '/nvme\.ko' host.list
t_nogrep "the host image has no xfs" '/xfs\.ko' host.list
host_size=$(stat -c %s host.img)
generic_size=$(stat -c %s de.img)
echo "# host image $host_size bytes, generic $generic_size bytes"
t_check "the host image is at least 2 times smaller than the generic one" \
	test $((host_size * 2)) -le "$generic_size"

# The host image on the same VM and disk, as Arch's cryptdevice= names the root; the
# passphrase typed on the German layout.
L=$BW/host.log
qemu_keyboard_start "$L" host.img \
	"no_timer_check console=tty0 root=/dev/mapper/cryptroot cryptdevice=UUID=$U:cryptroot" \
	-drive "file=$BW/disk-de.img,format=raw,if=virtio,snapshot=on" \
	-drive "file=$BW/capture.img,format=raw,if=virtio,snapshot=on"
if wait_boot "LUKS2 device '/dev/vda' .* is 'cryptroot'" "$BOOT_TIMEOUT"; then
	sleep 2
	qemu_sendkeys y e b r a y o o
fi
qemu_keyboard_end "$L"
t_grep "host: the keymap of vconsole.conf is loaded" "keymap 'de-latin1' loaded" "$L"
t_grep "host: the German keys unlock the root" "'/dev/vda' is unlocked as '/dev/mapper/cryptroot'" "$L"
t_grep "host: root is the dm device" "root '/dev/mapper/cryptroot' is '/dev/dm-0' \(ext4\)" "$L"
t_grep "host: the root's init ran" '^ROOTINIT done' "$L"
t_grep "host: ... on the unlocked root" '^ROOTINIT mount=/dev/dm-0 ext4' "$L"
for m in virtio_blk dm_crypt xts; do
	t_grep "host: '$m' was loaded" "^ROOTINIT modules=.* $m( |\$)" "$L"
done
