#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A real Debian 12 root (debootstrap minbase + systemd-sysv + udev + dmsetup, cached as the
# bench's chroots are)
# on LUKS2, unlocked by the init, booted by systemd to multi-user.target: the dm device
# the init made without udev must be ready for systemd (no dev-mapper-*.device job
# timeout, the fstab root's fsck and remount done).
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
BOOT_TIMEOUT=${LUKS_SYSTEMD_TIMEOUT:-600}
VMLINUZ=$KROOT/boot/vmlinuz-$KVER
BW=$T_TMP
cd "$T_TMP"
if ! command -v cryptsetup >/dev/null; then
	t_fail "cryptsetup is missing: run make deps (package cryptsetup-bin)"
	exit 1
fi
# The bench's base system plus udev (a systemd root without udev activates no device
# at all), dmsetup (device-mapper's udev rules, which hide a dm device from systemd
# unless its udev database says the dm rules saw it) and kmod, cached like the bench's
# peers.
BASE=$B/bench/chroots/udev+dmsetup+kmod
if [ ! -f "$BASE/.bench-ready" ]; then
	BENCH_PEERS=udev+dmsetup+kmod "$TOP/tests/bench/chroots.sh" "$KROOT" "$KVER" >chroots.log 2>&1 || {
		t_fail "cannot make the Debian base chroot (tests/bench/chroots.sh)"
		tail -n 20 chroots.log | sed 's/^/    | /'
		exit 1
	}
fi

# The root: the base chroot (hard links: only files replaced here differ), with an
# fstab naming the dm device, and a unit that reports once multi-user.target is
# reached and powers off.
R=$T_TMP/sysroot
cp -al "$BASE" "$R"
rm -f "$R/.bench-ready" "$R/etc/fstab" "$R/etc/hostname"
echo "/dev/mapper/cryptroot / ext4 errors=remount-ro 0 1" >"$R/etc/fstab"
echo luks-test >"$R/etc/hostname"
# The report goes to the serial console and to a raw second disk (vdb), which the test
# reads afterwards: a channel no tty hangup or console interleaving can lose.
mkdir -p "$R/usr/local/sbin"
cat >"$R/usr/local/sbin/sdtest-report" <<'EOS'
#!/bin/sh
{
	echo "SDTEST reached $(systemctl is-active multi-user.target)"
	echo "SDTEST root-device $(systemctl show -P ActiveState dev-mapper-cryptroot.device)"
	echo "SDTEST failed-units $(systemctl list-units --failed --no-legend | wc -l)"
	systemctl list-units --failed --no-legend | sed "s/^/SDTEST failed: /"
	echo "SDTEST root-mount $(findmnt -n -o OPTIONS /)"
} >/run/sdtest.report 2>&1
cat /run/sdtest.report >/dev/ttyS0
dd if=/run/sdtest.report of=/dev/vdb conv=fsync status=none
systemctl --no-block poweroff
EOS
chmod 755 "$R/usr/local/sbin/sdtest-report"
cat >"$R/etc/systemd/system/sdtest.service" <<'EOU'
[Unit]
Description=report the boot to the test and power off
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/sdtest-report
[Install]
WantedBy=multi-user.target
EOU
mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
ln -sf ../sdtest.service "$R/etc/systemd/system/multi-user.target.wants/sdtest.service"
# No password prompts or network waits in a test VM. The serial getty is masked: it is
# Type=idle, so it starts about when the report does, and its vhangup() of ttyS0 makes the
# report's writes to the same tty fail (a CI run lost every SDTEST line that way).
ln -sf /dev/null "$R/etc/systemd/system/systemd-networkd-wait-online.service"
ln -sf /dev/null "$R/etc/systemd/system/serial-getty@ttyS0.service"

KEY=$T_TMP/root.key
head -c 64 /dev/urandom >"$KEY"
size_mb=$(($(du -sm "$R" | cut -f1) * 3 / 2 + 64))
truncate -s $((size_mb + 16))M root.img
mkfs.ext4 -q -F -d "$R" -L debroot root.img "${size_mb}M" >/dev/null ||
	{ t_fail "mkfs.ext4 of the Debian root failed"; exit 1; }
cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 16M --pbkdf argon2id \
	--pbkdf-memory 32768 --pbkdf-force-iterations 4 --pbkdf-parallel 1 --batch-mode \
	--key-file "$KEY" root.img >/dev/null || { t_fail "cryptsetup reencrypt failed"; exit 1; }
U=$(cryptsetup luksUUID root.img)
t_check "the Debian root is inside LUKS2 ($U)" test -n "$U"

# The build root: the fixture kernel, the base system's own cryptsetup? The base has
# none, so the host's, with its libraries, as in boot_luks.
LROOT=$T_TMP/lroot
cp -al "$KROOT" "$LROOT"
copy_in() {
	local f
	for f in "$@"; do
		mkdir -p "$LROOT$(dirname "$f")"
		cp -L "$f" "$LROOT$f"
	done
}
CS=$(command -v cryptsetup)
copy_in "$CS" $(ldd "$CS" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }')
copy_in /usr/lib/x86_64-linux-gnu/libgcc_s.so.1
mkdir -p "$LROOT/etc"
cp "$KEY" "$LROOT/etc/root.key"
printf 'cryptroot UUID=%s /etc/root.key luks\n' "$U" >"$LROOT/etc/crypttab.initramfs"
cat >sd.conf <<EOC
HOOKS=(base modconf block filesystems keyboard sd-encrypt)
MODULES=(virtio_pci virtio_blk ext4)
FILES=(/etc/root.key)
COMPRESSION=zstd
EOC
"$MKINITRAMFS" -k "$KVER" -r "$LROOT" -c sd.conf -g sd.img >gen.log 2>&1 ||
	{ t_fail "mkinitramfs failed"; sed 's/^/    | /' gen.log | tail; exit 1; }

L=$BW/systemd.log
truncate -s 1M report.img
qemu_boot "$L" sd.img "no_timer_check root=/dev/mapper/cryptroot" \
	-drive "file=$T_TMP/root.img,format=raw,if=virtio" -drive "file=$T_TMP/report.img,format=raw,if=virtio"
REPORT=$BW/sdtest.report
tr -d '\000' <report.img >"$REPORT"
sed 's/^/report: /' "$REPORT" >>"$L"
keep_log "$L"
t_grep "systemd: the init unlocked the root" "'/dev/vda' is unlocked as '/dev/mapper/cryptroot'" "$L"
t_grep "systemd: multi-user.target is reached" 'SDTEST reached active' "$REPORT"
t_grep "systemd: the dm device of the root is active for systemd" '^SDTEST root-device active' "$REPORT"
t_grep "systemd: no unit failed" '^SDTEST failed-units 0' "$REPORT"
t_grep "systemd: fstab's remount made the root read-write" '^SDTEST root-mount rw' "$REPORT"
t_nogrep "systemd: no job timed out" 'Timed out waiting for device|Job .* timed out' "$L"
t_grep "systemd: the machine powered off" 'reboot: Power down' "$L"
