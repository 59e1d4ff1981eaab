# SPDX-License-Identifier: GPL-2.0-or-later
# A real Debian 12 root booted by systemd, for the boot suites: the cached debootstrap
# chroot of tests/bench/chroots.sh (minbase, systemd-sysv, e2fsprogs; udev: a systemd
# root without it activates no device at all; dmsetup: device-mapper's udev rules, which
# hide a dm device from systemd unless its udev database says the dm rules saw it; kmod)
# staged in a directory, with a unit that reports on the serial console once
# multi-user.target is reached, then powers the machine off. Source after tests/lib.sh
# with KROOT and KVER of the Debian 12 fixture (the cached chroot holds its modules).
#
# The report: "SDTEST reached <state of multi-user.target>", "SDTEST kernel <release>",
# "SDTEST root-device <state of the root's .device unit>" (when the root is a device),
# "SDTEST failed-units N" and for each failed unit "SDTEST failed: UNIT" and the last
# lines of its journal, "SDTEST
# root-fstype T", "SDTEST root-mount OPTIONS", the lines of /etc/sdtest.extra (a script
# the suite may add, prefixed "SDTEST "), "SDTEST uptime S", "SDTEST done".
#
# No getty runs on the serial console: agetty hangs the terminal up (vhangup) when it
# starts, and serial-getty@ttyS0 is Type=idle, so it starts up to 5 s after the other
# jobs, while the report is still being written: every write of the report after the
# hang-up fails with EIO and the test reads nothing, though the machine powers off.

SD_BASE=$B/bench/chroots/udev+dmsetup+kmod

# sd_base: the cached chroot, made once.
sd_base() {
	[ -f "$SD_BASE/.bench-ready" ] && return 0
	CHROOT_PEERS=udev+dmsetup+kmod "$TOP/tests/bench/chroots.sh" "$KROOT" "$KVER" \
		>"$T_TMP/chroots.log" 2>&1 || {
		t_fail "cannot make the Debian base chroot (tests/bench/chroots.sh)"
		tail -n 20 "$T_TMP/chroots.log" | sed 's/^/    | /'
		return 1
	}
}

# sd_root DIR HOSTNAME ROOTDEV [copy]: the root staged in DIR. ROOTDEV is the path of
# the root's device, for fstab and the report ("" for a network root: no fstab line).
# Staged as hard links into the cache, which mkfs -d copies; "copy" copies every file
# but the module tree, for a root served as it is (NFS), which the guest writes to.
sd_root() {
	local r=$1 host=$2 dev=$3 how=${4:-link}
	sd_base || return 1
	if [ "$how" = copy ]; then
		mkdir -p "$r"
		(cd "$SD_BASE" && tar --warning=no-file-changed --exclude=./usr/lib/modules -cf - .) | (cd "$r" && tar -xf -) &&
			cp -al "$SD_BASE/usr/lib/modules" "$r/usr/lib/" || return 1
	else
		cp -al "$SD_BASE" "$r" || return 1
	fi
	rm -f "$r/.bench-ready" "$r/etc/fstab" "$r/etc/hostname"
	if [ -n "$dev" ]; then
		echo "$dev / ext4 errors=remount-ro 0 1" >"$r/etc/fstab"
	else
		: >"$r/etc/fstab"
	fi
	echo "$host" >"$r/etc/hostname"
	printf '%s\n' "$dev" >"$r/etc/sdtest.root"
	mkdir -p "$r/usr/local/sbin"
	cat >"$r/usr/local/sbin/sdtest" <<'EOS'
#!/bin/sh
# The boot test's report (see tests/boot/sdroot.bash), then power off.
say() { echo "SDTEST $*"; }
say "reached $(systemctl is-active multi-user.target)"
say "kernel $(uname -r)"
dev=$(cat /etc/sdtest.root)
[ -z "$dev" ] ||
	say "root-device $(systemctl show -P ActiveState "$(systemd-escape -p --suffix=device "$dev")")"
say "failed-units $(systemctl list-units --failed --no-legend | wc -l)"
systemctl list-units --failed --no-legend --plain | while read -r unit _; do
	say "failed: $unit"
	journalctl -b -u "$unit" --no-pager -o cat | tail -n 4 | sed "s/^/SDTEST failed: $unit: /"
done
say "root-fstype $(findmnt -n -o FSTYPE /)"
say "root-mount $(findmnt -n -o OPTIONS /)"
[ -x /etc/sdtest.extra ] && /etc/sdtest.extra 2>&1 | sed "s/^/SDTEST /"
say "uptime $(cut -d' ' -f1 /proc/uptime)"
say done
systemctl --no-block poweroff
EOS
	chmod 755 "$r/usr/local/sbin/sdtest"
	cat >"$r/etc/systemd/system/sdtest.service" <<'EOU'
[Unit]
Description=report the boot to the test and power off
After=multi-user.target
[Service]
Type=oneshot
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
ExecStart=/usr/local/sbin/sdtest
[Install]
WantedBy=multi-user.target
EOU
	mkdir -p "$r/etc/systemd/system/multi-user.target.wants"
	ln -sf ../sdtest.service "$r/etc/systemd/system/multi-user.target.wants/sdtest.service"
	# No getty on the console (see above), no password prompts or network waits.
	ln -sf /dev/null "$r/etc/systemd/system/serial-getty@ttyS0.service"
	ln -sf /dev/null "$r/etc/systemd/system/systemd-networkd-wait-online.service"
}

# sd_checks NAME LOG [KVER]: what every systemd boot must show in its serial log.
sd_checks() {
	local n=$1 log=$2 kv=${3:-}
	t_grep "$n: multi-user.target is reached" '^SDTEST reached active$' "$log"
	[ -z "$kv" ] || t_grep "$n: the kernel is $kv" "^SDTEST kernel $(printf '%s' "$kv" |
		sed 's/[.+]/\\&/g')\$" "$log"
	t_grep "$n: no unit failed" '^SDTEST failed-units 0$' "$log"
	t_nogrep "$n: no job timed out" 'Timed out waiting for device|Job .* timed out' "$log"
	t_grep "$n: the report is complete" '^SDTEST done$' "$log"
	t_grep "$n: the machine powered off" 'reboot: Power down' "$log"
	sed -n 's/^SDTEST uptime \([0-9.]*\)$/# '"$n"': multi-user.target reached and reported at \1 s of guest uptime/p' "$log"
}
