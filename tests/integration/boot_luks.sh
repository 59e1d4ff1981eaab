#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# LUKS roots, booted: the real Debian kernel under QEMU TCG, disks made with the host's
# real cryptsetup (offline: `reencrypt --encrypt`, this machine has no device-mapper),
# images carrying Debian's cryptsetup. A passphrase typed on the serial console (a wrong
# one first), LUKS1 with cryptdevice=, a key file with cryptkey=, rd.luks.name=,
# crypttab.initramfs, a missing LUKS device, a broken header, and /sbin/modprobe
# answering dm-crypt's request for crypto-xts from the image.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
source "$TOP/tests/boot/luks.bash"
mk_luks "$BW/luks2.img" inside2 --type luks2 "${pbkdf[@]}" &
# LUKS1 cannot be reencrypted offline (it needs dm): a PBKDF2 LUKS2 converts to it.
(mk_luks "$BW/luks1.img" inside1 --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--batch-mode && cryptsetup convert --type luks1 --batch-mode "$BW/luks1.img") &
wait
cryptsetup luksAddKey "${pbkdf[@]}" --key-file <(printf %s "$PASS") \
	"$BW/luks2.img" "$KEY" >/dev/null
U2=$(cryptsetup luksUUID "$BW/luks2.img")
U1=$(cryptsetup luksUUID "$BW/luks1.img")
t_check "the LUKS2 disk was made (UUID $U2)" test -n "$U2"
t_check "the LUKS1 disk was made (UUID $U1)" test -n "$U1"
# A header whose magic is gone: what is left is no LUKS device at all.
cp --sparse=always "$BW/luks1.img" "$BW/broken.img"
printf 'XXXX' | dd of="$BW/broken.img" conv=notrunc status=none

BASE_MODULES='virtio_pci virtio_blk ext4'
# The shipped encrypt hook; and one without xts or ecb preloaded, where dm-crypt's
# request for them must come back through /sbin/modprobe.
cat >hook.conf <<EOC
HOOKS=(base encrypt)
MODULES=($BASE_MODULES)
FILES=(/etc/root.key)
COMPRESSION=zstd
EOC
cat >modprobe.conf <<EOC
HOOKS=(base)
MODULES=($BASE_MODULES dm_mod dm_crypt)
MODULES_MATCH=(xts ecb)
BINARIES=(cryptsetup)
FILES=(/usr/lib/x86_64-linux-gnu/libgcc_s.so.1 /etc/root.key)
COMPRESSION=zstd
EOC
mkdir -p "$LROOT/etc"
printf '# the root\ncryptroot UUID=%s /etc/root.key luks,discard\n' "$U2" \
	>"$LROOT/etc/crypttab.initramfs"
gen hook.conf hook.img || exit 1
gen modprobe.conf modprobe.img || exit 1
rm "$LROOT/etc/crypttab.initramfs"
gen hook.conf notab.img || exit 1
"$MKINITRAMFS" -l hook.img >hook.list
t_grep "the image has cryptsetup" '/s?bin/cryptsetup$' hook.list
t_grep "the image has libgcc_s (dlopened by glibc, no ELF closure names it)" \
	'/libgcc_s\.so\.1$' hook.list
t_grep "the image has dm-crypt" '/dm-crypt\.ko$' hook.list
t_grep "the image has the crypttab.initramfs" ' /etc/crypttab\.initramfs$' hook.list
t_grep "the image has /sbin/modprobe, a link to the init" ' /sbin/modprobe -> /init$' hook.list
echo "# image sizes: encrypt hook $(stat -c %s hook.img) bytes"

D2="file=$BW/luks2.img,format=raw,if=virtio,snapshot=on"
D1="file=$BW/luks1.img,format=raw,if=virtio,snapshot=on"

# 1. LUKS2 argon2id, rd.luks.name=, typed on the console: a wrong passphrase first.
typed_boot() {
	qemu_interactive_start "$BW/typed.log" notab.img \
		"no_timer_check root=/dev/mapper/cryptroot rd.luks.name=$U2=cryptroot" -drive "$D2"
	if wait_log "$BW/typed.log" "Passphrase for '/dev/vda' \(cryptroot\)" "$BOOT_TIMEOUT"; then
		qemu_send "not-the-passphrase"
		wait_log "$BW/typed.log" "wrong passphrase" "$BOOT_TIMEOUT" &&
			wait_log "$BW/typed.log" "Passphrase for" 30
		sleep 1
		qemu_send "$PASS"
	fi
	qemu_interactive_end "$BW/typed.log"
}
# 2. LUKS1, cryptdevice=UUID=...:NAME, typed once.
luks1_boot() {
	qemu_interactive_start "$BW/luks1.log" notab.img \
		"no_timer_check root=/dev/mapper/root cryptdevice=UUID=$U1:root:allow-discards" -drive "$D1"
	wait_log "$BW/luks1.log" "Passphrase for '/dev/vda' \(root\)" "$BOOT_TIMEOUT" &&
		qemu_send "$PASS"
	qemu_interactive_end "$BW/luks1.log"
}
typed_boot &
luks1_boot &
wait
L=$BW/typed.log
t_grep "typed: the prompt names the device and the name" "Passphrase for '/dev/vda' \(cryptroot\)" "$L"
t_grep "typed: the wrong passphrase is refused with a message" \
	"wrong passphrase for '/dev/vda' \('cryptroot'\), 2 of 3 tries left" "$L"
t_grep "typed: the LUKS2 volume is unlocked" "'/dev/vda' is unlocked as '/dev/mapper/cryptroot'" "$L"
t_grep "typed: root is the dm device" "root '/dev/mapper/cryptroot' is '/dev/dm-0' \(ext4\)" "$L"
t_grep "typed: the root's init ran" '^ROOTINIT done' "$L"
t_nogrep "typed: the passphrase is not echoed" "$PASS" "$L"
t_nogrep "typed: the wrong passphrase is not echoed" "not-the-passphrase" "$L"
L=$BW/luks1.log
t_grep "luks1: cryptdevice= names a LUKS1 device" "LUKS1 device '/dev/vda' \(UUID=$U1\) is 'root'" "$L"
t_grep "luks1: the root's init ran" '^ROOTINIT done' "$L"

# 2b. Two LUKS devices with one passphrase: asked once. 2c. Three wrong passphrases.
two_boot() {
	qemu_interactive_start "$BW/two.log" notab.img \
		"no_timer_check root=/dev/mapper/b rd.luks.name=$U2=a rd.luks.name=$U1=b" -drive "$D2" -drive "$D1"
	wait_log "$BW/two.log" "Passphrase for" "$BOOT_TIMEOUT" && qemu_send "$PASS"
	qemu_interactive_end "$BW/two.log"
}
three_boot() {
	local i
	qemu_interactive_start "$BW/three.log" notab.img \
		"no_timer_check root=/dev/mapper/root cryptdevice=UUID=$U1:root" -drive "$D1"
	for i in 1 2 3; do
		wait_log "$BW/three.log" "Passphrase for" "$BOOT_TIMEOUT" || break
		[ "$i" = 1 ] || wait_log "$BW/three.log" "$((3 - i + 1)) of 3 tries left" "$BOOT_TIMEOUT" || break
		sleep 1
		qemu_send "wrong-$i"
	done
	qemu_interactive_end "$BW/three.log"
}
two_boot &
three_boot &
wait
L=$BW/two.log
t_check "two: one prompt for two devices with the same passphrase" \
	test "$(grep -c 'Passphrase for' "$L")" -eq 1
t_grep "two: the first is unlocked" "is unlocked as '/dev/mapper/a'" "$L"
t_grep "two: the second is unlocked" "is unlocked as '/dev/mapper/b'" "$L"
t_grep "two: the root's init ran" '^ROOTINIT done' "$L"
t_check "two: the root's udev finds both dm devices ready" \
	test "$(grep -c '^ROOTINIT udev-dm=.*DM_UDEV_PRIMARY_SOURCE_FLAG=1' "$L")" -eq 2
L=$BW/three.log
t_grep "three: the last wrong passphrase ends the tries" \
	"wrong passphrase for '/dev/vda' \('root'\) 3 times, giving up" "$L"
t_grep "three: the boot names what it could not unlock" \
	"cannot unlock what root device '/dev/mapper/root' needs" "$L"
t_grep "three: no shell in this image: a clear end" "giving up: the kernel will panic" "$L"

# 3. A key file (cryptkey=rootfs:), no prompt, with xts coming through /sbin/modprobe.
qemu_boot "$BW/key.log" modprobe.img \
	"no_timer_check root=/dev/mapper/root cryptdevice=/dev/vda:root cryptkey=rootfs:/etc/root.key" \
	-drive "$D2" &
# 4. crypttab.initramfs (a key file there too).
qemu_boot "$BW/tab.log" hook.img "no_timer_check root=LABEL=inside2" -drive "$D2" &
wait
L=$BW/key.log
t_nogrep "key: no prompt" "Passphrase for" "$L"
t_grep "key: the key file unlocks the root" "'/dev/vda' is unlocked as '/dev/mapper/root'" "$L"
t_grep "key: dm-crypt's request for xts went through /sbin/modprobe" \
	"modprobe 'crypto-xts[^']*': [0-9]+ module\(s\) loaded from the image" "$L"
t_grep "key: the root's init ran" '^ROOTINIT done' "$L"
L=$BW/tab.log
t_grep "tab: crypttab.initramfs is read" "1 LUKS device\(s\) to unlock" "$L"
t_grep "tab: its entry unlocks the root" "'/dev/vda' is unlocked as '/dev/mapper/cryptroot'" "$L"
t_grep "tab: root=LABEL= finds the filesystem inside" "root 'LABEL=inside2' is '/dev/dm-0'" "$L"
t_grep "tab: the root's init ran" '^ROOTINIT done' "$L"
t_grep "tab: the root's udev finds the dm device ready" '^ROOTINIT udev-dm=.*DM_UDEV_PRIMARY_SOURCE_FLAG=1' "$L"

# 5. A missing LUKS device; 6. a header that is not LUKS any more.
MISSING=0b0c0d0e-1111-4222-8333-444455556666
qemu_boot "$BW/missing.log" notab.img \
	"no_timer_check root=/dev/mapper/luks-$MISSING rd.luks.uuid=$MISSING rootdelay=5" -drive "$D1" &
qemu_boot "$BW/broken.log" notab.img "no_timer_check root=/dev/mapper/root cryptdevice=/dev/vda:root" \
	-drive "file=$BW/broken.img,format=raw,if=virtio,snapshot=on" &
wait
L=$BW/missing.log
t_grep "missing: the message names the LUKS device" \
	"LUKS device 'UUID=$MISSING' for 'luks-$MISSING' \(from rd.luks.uuid=\) did not appear" "$L"
t_grep "missing: the devices seen are listed" "vda \(254:0\) type 'crypto_LUKS' uuid '$U1'" "$L"
t_grep "missing: the boot gives up" "giving up" "$L"
L=$BW/broken.log
t_grep "broken: the header is named as not LUKS" \
	"'/dev/vda' \('/dev/vda' for 'root'\) has no LUKS header" "$L"
t_grep "broken: the boot gives up" "giving up" "$L"
t_nogrep "broken: no root init ran" '^ROOTINIT done' "$L"
