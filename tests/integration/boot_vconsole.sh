#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The console keymap and font, booted: a LUKS2 root whose passphrase has a 'z', typed on
# QEMU's emulated PS/2 keyboard (the monitor's sendkey, into the virtual console that
# is /dev/console here) by someone with a German keyboard. The German layout swaps Y and
# Z: the key at the US 'y' position must type 'z'. First the keys a US typist would
# press for the passphrase (refused: with de-latin1 loaded they type 'y's), then the
# German typist's keys (accepted). The helper logs the keymap it loaded and the font it
# set, which it reads back from the console.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
source "$TOP/tests/boot/luks.bash"
# The build root as a German user's.
t_console_root "$LROOT"
printf 'KEYMAP=de-latin1\nFONT=lat9w-14\n' >"$LROOT/etc/vconsole.conf"
PASS=zebrazoo
mk_luks "$BW/disk-de.img" inside-de --type luks2 "${pbkdf[@]}"
U=$(cryptsetup luksUUID "$BW/disk-de.img")
t_check "the LUKS2 disk was made (UUID $U)" test -n "$U"

# mkinitcpio's way of writing it.
cat >de.conf <<EOC
HOOKS=(base keyboard keymap consolefont encrypt)
MODULES=(virtio_pci virtio_blk ext4)
COMPRESSION=zstd
EOC
gen de.conf de.img || exit 1
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
qemu_keyboard_start "$L" de.img \
	"no_timer_check console=tty0 root=/dev/mapper/cryptroot rd.luks.name=$U=cryptroot" \
	-drive "file=$BW/disk-de.img,format=raw,if=virtio,snapshot=on"
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
