#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hibernation and resume, booted (QEMU TCG, the real Debian kernel): the root (LUKS2)
# swaps on a LUKS2 swap area opened with a key file and hibernates; the next boot
# hands the swap's dm device to /sys/power/resume as soon as it appears, before root is
# mounted, and the hibernated program runs on with its memory intact.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
source "$TOP/tests/boot/luks.bash"
build_hibinit
mk_luks "$BW/luks2.img" inside2 --type luks2 "${pbkdf[@]}" &
(truncate -s 160M "$BW/swap.img" && mkswap -L swp "$BW/swap.img" 147456 >/dev/null 2>&1 &&
	cryptsetup reencrypt --encrypt --reduce-device-size 16M --type luks2 "${pbkdf[@]}" \
		--key-file "$KEY" "$BW/swap.img" >/dev/null) &
wait
cryptsetup luksAddKey "${pbkdf[@]}" --key-file <(printf %s "$PASS") \
	"$BW/luks2.img" "$KEY" >/dev/null
U2=$(cryptsetup luksUUID "$BW/luks2.img")
U3=$(cryptsetup luksUUID "$BW/swap.img")
t_check "the LUKS2 root disk was made (UUID $U2)" test -n "$U2"
t_check "the LUKS2 swap disk was made (UUID $U3)" test -n "$U3"
cat >resume.conf <<EOC
HOOKS=(base encrypt resume)
MODULES=(virtio_pci virtio_blk ext4)
FILES=(/etc/root.key)
COMPRESSION=zstd
EOC
gen resume.conf resume.img || exit 1

D2="file=$BW/luks2.img,format=raw,if=virtio,snapshot=on"
HIBCMD="no_timer_check root=/dev/mapper/root rd.luks.name=$U2=root rd.luks.name=$U3=swap
	rd.luks.key=/etc/root.key resume=/dev/mapper/swap init=/sbin/hibinit"
HIBCMD=$(echo $HIBCMD)
DSWAP="file=$BW/swap.img,format=raw,if=virtio"
# 1. No image on the swap yet: the kernel checks, the boot goes on; the root hibernates.
qemu_boot "$BW/hib1.log" resume.img "$HIBCMD" -drive "$D2" -drive "$DSWAP"
# 2. noresume: nothing is handed to the kernel (on a copy: the image must stay).
cp --sparse=always "$BW/swap.img" "$BW/swap-copy.img"
qemu_boot "$BW/noresume.log" resume.img "$HIBCMD noresume init=/sbin/init" -drive "$D2" \
	-drive "file=$BW/swap-copy.img,format=raw,if=virtio" &
L=$BW/hib1.log
t_grep "hib1: the resume device is handed to the kernel (no image yet)" \
	"resume: '/dev/dm-[0-9]+' \(swap\) holds no hibernation image signature" "$L"
t_grep "hib1: the boot goes on to the root" '^HIBINIT fresh start token=' "$L"
t_nogrep "hib1: the root hibernated (its write did not return)" '^HIBINIT after' "$L"
TOKEN=$(sed -n 's/^HIBINIT fresh start token=//p' "$L")
if [ -n "$TOKEN" ]; then
	qemu_boot "$BW/hib2.log" resume.img "$HIBCMD" -drive "$D2" -drive "$DSWAP"
	L=$BW/hib2.log
	t_grep "hib2: the hibernation image is found inside LUKS" \
		"resume: '/dev/dm-[0-9]+' holds a hibernation image, resuming from it" "$L"
	t_grep "hib2: the hibernated root runs on with its memory intact" \
		"^HIBINIT after hibernation token=$TOKEN\$" "$L"
	t_nogrep "hib2: no fresh start" '^HIBINIT fresh start' "$L"
	t_nogrep "hib2: nothing mounted the root before the resume" \
		"mounted '/dev/dm-[0-9]+' on '/new_root'" "$L"
else
	t_fail "hib2: no token from the first boot, cannot resume"
fi
wait
L=$BW/noresume.log
t_grep "noresume: the resume device is left alone" "noresume: not resuming from '/dev/mapper/swap'" "$L"
t_nogrep "noresume: nothing written to /sys/power/resume" "resume: '/dev/" "$L"
t_grep "noresume: the root's init ran" '^ROOTINIT done' "$L"
