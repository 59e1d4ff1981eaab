#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The LUKS root benchmark of `make bench`: image size and boot time to the root's init
# for one LUKS2 root on one VM, unlocked by a key file in the image for every tool:
# mkinitramfs (encrypt hook, /etc/crypttab.initramfs), initramfs-tools with
# cryptsetup-initramfs (crypttab with the initramfs option, KEYFILE_PATTERN), dracut with
# its crypt module (rd.luks.uuid=, rd.luks.key=). Prints a Markdown section; a tool
# that fails is reported with its reason. A benchmark, not a test: nothing is asserted.
# Knobs: BENCH_BOOTS (3), BENCH_BOOT_TIMEOUT (180 s).

# One compound command, read whole before it runs.
{
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/../lib.sh"
source "$here/../boot/lib.sh"
bench_private_mounts "$@"

t_fixture
bench_part luks initramfs-tools+cryptsetup-initramfs dracut+cryptsetup

# The test suites' LUKS set-up: the root's init, the build root with cryptsetup and the
# key file ($KEY, also /etc/root.key in LROOT), mk_luks. A cheap PBKDF2 keyslot for the
# key file: the key derivation is the same work for every tool, the rest is theirs.
t_fail() { echo "bench: error: $*" >&2; }
source "$here/../boot/luks.bash"
BOOT_TIMEOUT=${BENCH_BOOT_TIMEOUT:-180} # luks.bash sets the tests' own
bench_part_root
cheap=(--pbkdf pbkdf2 --pbkdf-force-iterations 1000 --batch-mode)
mk_luks "$W/work/luks.img" benchluks --type luks2 "${cheap[@]}" || exit 1
cryptsetup luksAddKey "${cheap[@]}" --key-file <(printf %s "$PASS") "$W/work/luks.img" \
	"$KEY" >/dev/null || exit 1
cryptsetup luksKillSlot --batch-mode --key-file "$KEY" "$W/work/luks.img" 0 >/dev/null || exit 1
U=$(cryptsetup luksUUID "$W/work/luks.img")
DISK="file=$W/work/luks.img,format=raw,if=virtio,snapshot=on"
DRIVERS="virtio_pci virtio_blk ext4"

# mkinitramfs: the encrypt hook, the root's crypttab.initramfs naming the key file, and the
# key file (FILES=, as mkinitcpio wants it too).
printf 'cryptroot UUID=%s /etc/root.key luks\n' "$U" >"$LROOT/etc/crypttab.initramfs"
printf 'HOOKS=(base encrypt)\nMODULES=(%s)\nFILES=(/etc/root.key)\n' "$DRIVERS" >"$W/work/ours.conf"
gen_ours() {
	"$MKINITRAMFS" -k "$KVER" -r "$LROOT" -c "$W/work/ours.conf" -g "$W/ours.img"
}

# initramfs-tools: cryptsetup-initramfs takes crypttab entries marked initramfs, and
# key files matching KEYFILE_PATTERN into the image.
mkdir -p "$CH_IT/etc/keys"
install -m 600 "$KEY" "$CH_IT/etc/keys/root.key"
printf 'cryptroot UUID=%s /etc/keys/root.key luks,initramfs\n' "$U" >"$CH_IT/etc/crypttab"
printf 'CRYPTSETUP=y\nKEYFILE_PATTERN="/etc/keys/*.key"\n' \
	>"$CH_IT/etc/cryptsetup-initramfs/conf-hook"
sed -i 's/^#*UMASK=.*/UMASK=0077/' "$CH_IT/etc/initramfs-tools/initramfs.conf"
grep -q '^UMASK=' "$CH_IT/etc/initramfs-tools/initramfs.conf" ||
	echo UMASK=0077 >>"$CH_IT/etc/initramfs-tools/initramfs.conf"
gen_itools() {
	bench_itools itools
}

# dracut: its crypt module, with a crypttab naming the key file installed beside it
# (systemd-cryptsetup in the image reads both).
mkdir -p "$CH_DR/etc"
install -m 600 "$KEY" "$CH_DR/etc/root.key"
printf 'luks-%s UUID=%s /etc/root.key luks\n' "$U" "$U" >"$CH_DR/etc/crypttab"
gen_dracut() {
	bench_dracut dracut --no-hostonly --add crypt --drivers "$DRIVERS" \
		--install "/etc/root.key /etc/crypttab"
}

ids=(ours itools dracut)
declare -A label=(
	[ours]="mkinitramfs HOOKS=(base encrypt) MODULES=($DRIVERS)"
	[itools]="initramfs-tools + cryptsetup-initramfs (MODULES=most)"
	[dracut]="dracut --no-hostonly --add crypt --drivers \"$DRIVERS\""
)
declare -A append=(
	[ours]="root=/dev/mapper/cryptroot"
	[itools]="root=/dev/mapper/cryptroot"
	[dracut]="root=/dev/mapper/luks-$U rd.luks.uuid=$U"
)
BENCH_QEMU=(-drive "$DISK")
bench_build "${ids[@]}"
bench_boots "${ids[@]}"

echo
echo "## LUKS root, key file"
echo
echo "One LUKS2 root (ext4 inside, a PBKDF2 keyslot of 1000 iterations so that the key"
echo "derivation costs every tool the same little), unlocked by a key file in the image;"
echo "the same kernel, VM and disk as above, \`console=ttyS0 quiet\`; median of $BOOTS boots."
echo
echo "| image | compressed | uptime at the root's init | wall from QEMU start |"
echo "| --- | --- | --- | --- |"
bench_rows "${ids[@]}"
exit 0
}
