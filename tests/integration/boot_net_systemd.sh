#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A diskless machine: the real Debian 12 systemd root (tests/boot/sdroot.bash) served by
# nfs-ganesha over NFSv4, mounted read-write by the init's netroot helper after DHCP
# (QEMU user networking), booted by systemd to multi-user.target. The root's network
# stack must leave the interface the init configured alone, or the root's connection
# drops: Debian 12's minbase has no ifupdown and leaves systemd-networkd disabled, so
# nothing in it reconfigures eth0, and udev cannot rename an interface that is up. The
# report shows the interface kept its name, its address and its DHCP lease's file
# (/run/net-eth0.conf, for whatever takes it over). One boot.
source "$(dirname "$0")/../boot/netns.bash"
netns_enter "$@"
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
source "$TOP/tests/boot/sdroot.bash"
BW=$T_TMP
VMLINUZ=$KROOT/boot/vmlinuz-$KVER
# Loading sunrpc, nfs and nfsv4, then systemd over NFS under TCG: minutes when loaded.
BOOT_TIMEOUT=${NET_SYSTEMD_TIMEOUT:-480}
cd "$T_TMP" || exit 1
netns_setup

# The root: every file copied (the guest writes to it through the server), the modules
# hard-linked (read only).
R=$T_TMP/sysroot
sd_root "$R" diskless "" copy || { t_fail "cannot stage the root"; exit 1; }
cat >"$R/etc/sdtest.extra" <<'EOS'
#!/bin/sh
echo "networkd $(systemctl is-active systemd-networkd.service)"
echo "ifupdown $(test -e /etc/network/interfaces && echo present || echo absent)"
echo "interfaces $(ls /sys/class/net | tr '\n' ' ')"
echo "eth0 $(cat /sys/class/net/eth0/operstate)"
# The local address of the connection to port 2049 (0801), from /proc/net/tcp: an
# established (01) one's address is hex, its bytes in reverse order.
while read -r _ here there state _; do
	case $there:$state in *:0801:01) ;; *) continue ;; esac
	h=${here%:*}
	printf 'nfs-connection %d.%d.%d.%d\n' "0x$(echo "$h" | cut -c7-8)" \
		"0x$(echo "$h" | cut -c5-6)" "0x$(echo "$h" | cut -c3-4)" "0x$(echo "$h" | cut -c1-2)"
done </proc/net/tcp
sed -n "s/^IPV4ADDR=/handoff IPV4ADDR=/p" /run/net-eth0.conf
# What udev made of the interface the init had configured (printed, not asserted).
journalctl -b -o cat | grep -i 'renam' | head -n 3 | sed 's/^/udev: /'
echo "owner $(stat -c %u:%g /usr/bin/mount)"
echo "write $(echo ok >/var/tmp/sdtest-write && cat /var/tmp/sdtest-write)"
EOS
chmod 755 "$R/etc/sdtest.extra"

nfs_serve "$R"
nfs_ready || exit 1

cat >net.conf <<'CONF'
HOOKS=(base net)
MODULES=(nfsv4)
COMPRESSION=zstd
CONF
"$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c net.conf -g net.img >gen.log 2>&1 ||
	{ t_fail "cannot build the network image"; sed 's/^/    | /' gen.log; exit 1; }

L=$BW/systemd-nfs.log
start=$(date +%s)
qemu_boot "$L" net.img "no_timer_check root=/dev/nfs nfsroot=10.0.2.2:/export,vers=4 ip=dhcp rw" \
	-nic user,model=virtio-net-pci
echo "# the boot took $(($(date +%s) - start)) s"
stop_servers
sd_checks "systemd over NFS" "$L"
t_grep "systemd over NFS: DHCP configured eth0 in the init" \
	"'eth0' is 10\\.0\\.2\\.15/24, gateway 10\\.0\\.2\\.2 \\(dhcp\\)" "$L"
t_grep "systemd over NFS: / is NFSv4" '^SDTEST root-fstype nfs4$' "$L"
t_grep "systemd over NFS: / is read-write" '^SDTEST root-mount rw,' "$L"
t_grep "systemd over NFS: the root writes through the server" '^SDTEST write ok$' "$L"
t_check "systemd over NFS: ... and the file is on the server" \
	test "$(cat "$R/var/tmp/sdtest-write" 2>/dev/null)" = ok
t_grep "systemd over NFS: files are root's, not nobody's" '^SDTEST owner 0:0$' "$L"
t_grep "systemd over NFS: systemd-networkd did not run" '^SDTEST networkd inactive$' "$L"
t_grep "systemd over NFS: no ifupdown configuration" '^SDTEST ifupdown absent$' "$L"
t_grep "systemd over NFS: eth0 kept its name and is up" '^SDTEST eth0 up$' "$L"
t_grep "systemd over NFS: the root's connection is from the init's address" \
	'^SDTEST nfs-connection 10\.0\.2\.15$' "$L"
t_grep "systemd over NFS: the init's lease reached the root" \
	"^SDTEST handoff IPV4ADDR='?10\\.0\\.2\\.15'?$" "$L"
t_report
