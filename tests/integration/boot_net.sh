#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Network roots in QEMU (TCG, user networking): the init runs the netroot helper, which
# brings up eth0 (DHCP from slirp, or a static ip=) and mounts NFS from nfs-ganesha (VFS
# backend, v4 and v3) or attaches NBD from qemu-nbd with an export name; a missing export
# and a server that is down fail with a named, bounded message. The helper's own errors
# (bad ip=, root=, nbdroot=, BOOTIF=, no link, no DHCP answer) are checked here without
# QEMU, on tap devices and a stand-in /proc/cmdline.
#
# Everything runs in private network and mount namespaces (tests/boot/netns.bash).
source "$(dirname "$0")/../boot/netns.bash"
netns_enter "$@"
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
boot_setup || { t_fail "cannot build the test root's init"; exit 1; }

netns_setup

# --- servers -------------------------------------------------------------------------
mk_ext4 "$BW/nbd.img" 64M -L nbdroot
nfs_serve "$BW/rootfs"
qemu-nbd -f raw -b 127.0.0.1 -p 10809 -x rootexp -t --shared=4 "$BW/nbd.img" &
SERVER_PIDS+=($!)
nfs_ready
wait_port 10809 || t_fail "qemu-nbd does not listen on 127.0.0.1:10809"

# --- the image -----------------------------------------------------------------------
cat >"$BW/net.conf" <<'CONF'
HOOKS=(base net)
MODULES=("nbd nbds_max=1024" ext4)
COMPRESSION=zstd
CONF
IMG=$BW/net.img
"$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c "$BW/net.conf" -g "$IMG" >"$BW/gen.log" 2>&1
t_check "an image with the net hook builds" test -s "$IMG"
# -x reads every segment (a generic image's on-demand modules sit in an uncompressed
# first one, which is all bsdtar would list).
rm -rf "$BW/net.x" && "$MKINITRAMFS" -x "$IMG" "$BW/net.x" >"$BW/net.x.log" 2>&1
t_check "the image holds the netroot helper" test -x "$BW/net.x/lib/mkinitramfs/netroot"

# --- the helper's command-line errors, run here with a private /proc/cmdline -------------
# Each run gets its own mount namespace where a file stands in for /proc/cmdline and
# another catches what it writes to /dev/kmsg; no NIC is needed to fail these.
helper_run() { # CMDLINE [NAME]: the helper's log and exit status in $BW/NAME.kmsg
	local n=${2:-helper}
	printf '%s\n' "$1" >"$BW/$n.cmdline"
	: >"$BW/$n.kmsg"
	unshare --mount --propagation private sh -c "mount --bind '$BW/$n.cmdline' /proc/cmdline &&
		mount --bind '$BW/$n.kmsg' /dev/kmsg && exec '$B/netroot'"
	echo "exit $?" >>"$BW/$n.kmsg"
}
helper_case() { # NAME CMDLINE MESSAGE-ERE
	helper_run "$2"
	t_grep "helper: $1: named" "$3" "$BW/helper.kmsg"
	t_grep "helper: $1: exits 1" '^exit 1$' "$BW/helper.kmsg"
}
helper_case "bad ip= netmask" "root=/dev/nfs nfsroot=10.0.2.2:/x ip=10.0.2.15:::255.0.255.0" \
	"cannot understand ip='10\.0\.2\.15:::255\.0\.255\.0': bad netmask"
helper_case "server not an address" "root=nfs:server.example:/x" \
	"cannot understand root='nfs:server\.example:/x'"
helper_case "nbdroot without a port" "root=/dev/nbd0 nbdroot=10.0.2.2" \
	"cannot understand nbdroot='10\.0\.2\.2'"
helper_case "ip=off" "root=nfs:10.0.2.2:/x ip=off" \
	"ip=off turns the network off, but root 'nfs:10\.0\.2\.2:/x' is on the network"
helper_case "bad BOOTIF=" "root=/dev/nfs nfsroot=10.0.2.2:/x BOOTIF=52-54-00" \
	"BOOTIF='52-54-00' is not 01-xx-xx-xx-xx-xx-xx"
helper_case "not a network root" "root=/dev/vda1" \
	"root='/dev/vda1' is not on the network: nothing to do"

# A hook naming a helper that does not exist.
mkdir -p "$BW/hooks"
printf 'HELP="x"\nHELPERS=(nosuchhelper)\n' >"$BW/hooks/badhelper"
MKINITRAMFS_HOOKS_DIR=$BW/hooks "$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c "$BW/net.conf" \
	-A badhelper -g "$BW/bad.img" >"$BW/bad.log" 2>&1
t_check "a missing helper fails the build" test $? -eq 1
t_grep "the missing helper is named" "hook 'badhelper': helper 'nosuchhelper' is neither next to mkinitramfs nor in" "$BW/bad.log"
t_check "nothing is written for a failed build" test ! -e "$BW/bad.img"
"$MKINITRAMFS" -H net >"$BW/hnet.txt" 2>&1
t_grep "-H net names the helper" 'netroot' "$BW/hnet.txt"

NIC=(-nic user,model=virtio-net-pci)
# Loading sunrpc, nfs and nfsv4 alone takes tens of seconds under TCG on a busy machine.
BOOT_TIMEOUT=$((BOOT_TIMEOUT > 360 ? BOOT_TIMEOUT : 360))
net_boot() { # NAME APPEND
	qemu_boot "$BW/net-$1.log" "$IMG" "$2" "${NIC[@]}"
}
# boot_pair NAME1 APPEND1 NAME2 APPEND2: two boots at once; only their PIDs are waited
# for (the servers are children too).
boot_pair() {
	local a b
	net_boot "$1" "$2" &
	a=$!
	net_boot "$3" "$4" &
	b=$!
	wait "$a" "$b"
}

# --- no link, no DHCP answer: the helper on tap devices here, during the first boots ----
# tap0 has no process behind it, so no carrier; tap1 is held open by a reader that counts
# the DHCP DISCOVERs it gets and never answers.
ip tuntap add dev tap0 mode tap && ip tuntap add dev tap1 mode tap ||
	t_fail "cannot create tap devices"
python3 - "$BW/discovers" <<'PY' &
import fcntl, os, struct, sys
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", b"tap1", 0x0002 | 0x1000))
n = 0
while True:
    f = os.read(fd, 2048)
    # Ethernet, IPv4, UDP to port 67 with BOOTP op 1 and DHCP message type 1.
    if len(f) > 300 and f[12:14] == b"\x08\x00" and f[23] == 17 and f[36:38] == b"\x00\x43" \
            and f[42] == 1 and b"\x35\x01\x01" in f[282:]:
        n += 1
        with open(sys.argv[1], "w") as out:
            out.write("%d\n" % n)
PY
SERVER_PIDS+=($!)
(
	helper_run "root=nfs:10.0.2.2:/x ip=:::::tap0" nolink
	helper_run "root=nfs:10.0.2.2:/x ip=:::::tap1:dhcp" nodhcp
) &
HOST_CASES=$!

# --- boots, two at a time ---------------------------------------------------------------
boot_pair nfs4-dhcp "root=/dev/nfs nfsroot=10.0.2.2:/export,vers=4 ip=dhcp" \
	nfs3-static \
	"root=nfs:10.0.2.2:/export:vers=3 ip=10.0.2.15::10.0.2.2:255.255.255.0:diskless:eth0:off rw"
L=$BW/net-nfs4-dhcp.log
t_grep "nfs4/dhcp: DHCP configured eth0" "'eth0' is 10\.0\.2\.15/24, gateway 10\.0\.2\.2 \(dhcp\)" "$L"
t_grep "nfs4/dhcp: the init says how long the network root took" 'network root ready in [0-9]+ ms \(mounted\)' "$L"
t_grep "nfs4/dhcp: the root's init ran" '^ROOTINIT done' "$L"
t_grep "nfs4/dhcp: / is the NFSv4 export" '^ROOTINIT mount=10\.0\.2\.2:/export nfs4 .*vers=4' "$L"
t_grep "nfs4/dhcp: / is read-only by default" '^ROOTINIT root=ro' "$L"
t_grep "nfs4/dhcp: /run/net-eth0.conf reached the real root" "^ROOTINIT net-eth0=DEVICE='eth0'" "$L"
wait "$HOST_CASES"
t_grep "no link: named after the bounded wait" "no link on 'tap0' within 10 s" "$BW/nolink.kmsg"
t_grep "no link: exits 1" '^exit 1$' "$BW/nolink.kmsg"
t_grep "no DHCP answer: named after the bounded tries" \
	"no DHCP answer on 'tap1' after 5 tries" "$BW/nodhcp.kmsg"
t_grep "no DHCP answer: exits 1" '^exit 1$' "$BW/nodhcp.kmsg"
t_check "no DHCP answer: 5 DISCOVERs were sent, one per try" \
	test "$(cat "$BW/discovers" 2>/dev/null)" = 5
L=$BW/net-nfs3-static.log
t_grep "nfs3/static: the static address was set" "'eth0' is 10\.0\.2\.15/24, gateway 10\.0\.2\.2 \(none\)" "$L"
t_nogrep "nfs3/static: no DHCP was tried" 'DHCP' "$L"
t_grep "nfs3/static: / is the NFSv3 export, nolock" '^ROOTINIT mount=10\.0\.2\.2:/export nfs .*vers=3.*nolock' "$L"
t_grep "nfs3/static: rw on the command line gives a writable root" '^ROOTINIT root=rw' "$L"

# Loading sunrpc, nfs and nfsv4 is most of a boot under TCG: the NBD boots and the
# failures use lean images (the NIC driver and the helper, from a hook of the test's own,
# plus what the config names). The full image's plan has what the net hook promises.
cp "$BW/net.x/etc/mkinitramfs/plan" "$BW/net.plan"
t_check "the net hook's image plans nfsv4, nfsv3 and nbd with the config's nbds_max" \
	awk -F '\t' '$1 == "M" { m[$2] = $6 } END {
		exit !(("nfsv4" in m) && ("nfsv3" in m) && m["nbd"] == "nbds_max=1024") }' \
	"$BW/net.plan"
printf 'HELP="lean"\nMODULES_MATCH=(virtio_net %s)\nHELPERS=(netroot)\n' \
	"'kernel/drivers/virtio/*'" >"$BW/hooks/netlean"
lean_image() { # NAME CONFIG-LINE...
	local n=$1
	shift
	printf '%s\n' 'HOOKS=(base netlean)' COMPRESSION=zstd "$@" >"$BW/$n.conf"
	MKINITRAMFS_HOOKS_DIR=$BW/hooks "$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c "$BW/$n.conf" \
		-g "$BW/$n.img" >"$BW/$n.log" 2>&1 || t_fail "cannot build the $n image"
}
lean_image lean
lean_image nbdinit 'MODULES=("nbd nbds_max=1024" ext4)'
IMG=$BW/nbdinit.img
boot_pair nbd-debian "root=/dev/nbd0 nbdroot=10.0.2.2,10809,rootexp ip=dhcp" \
	nbd-dracut "root=nbd:10.0.2.2:10809/rootexp:ext4:noatime"
L=$BW/net-nbd-debian.log
t_grep "nbd/debian: the export was negotiated" "NBD export 'rootexp' on 10\.0\.2\.2 port 10809: 67108864 bytes" "$L"
t_grep "nbd/debian: / is ext4 on /dev/nbd0" '^ROOTINIT mount=/dev/nbd0 ext4 ' "$L"
t_grep "nbd/debian: nbds_max from the config" '^ROOTINIT nbds_max=1024$' "$L"
L=$BW/net-nbd-dracut.log
t_grep "nbd/dracut: / is ext4 on /dev/nbd0 with the rootflags" '^ROOTINIT mount=/dev/nbd0 ext4 ro,noatime' "$L"

IMG=$BW/lean.img
boot_pair nbd-missing "root=nbd:10.0.2.2:10809/nosuch:ext4 ip=dhcp" \
	nfs-down "root=nfs4:10.0.2.2:/export:port=2050 ip=dhcp"
L=$BW/net-nbd-missing.log
t_grep "nbd/missing export: named" "NBD server 10\.0\.2\.2 port 10809 has no export 'nosuch'" "$L"
t_grep "nbd/missing export: the init gives up (no shell in the image)" 'giving up' "$L"
t_nogrep "nbd/missing export: no root init ran" '^ROOTINIT done' "$L"
L=$BW/net-nfs-down.log
t_grep "nfs/server down: named" "NFS server 10\.0\.2\.2 port 2050 is unreachable: connection refused" "$L"
t_grep "nfs/server down: the init gives up" 'giving up' "$L"

stop_servers
t_report
