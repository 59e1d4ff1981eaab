#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The network root benchmark of `make bench` (issue 15): image size and boot time to the
# root's init over NFS (v3, the version every tool can mount) and over NBD (an export
# by name), on one VM with QEMU's user networking and DHCP, against servers on this
# machine's loopback as tests/integration/boot_net.sh runs them (nfs-ganesha with
# rpcbind, qemu-nbd; tests/boot/netns.bash), in private network and mount namespaces,
# stopped by PID. mkinitramfs (net hook), initramfs-tools (BOOT=nfs for NFS; NBD through
# the nbd-client package's scripts) and dracut (nfs and nbd modules of dracut-network).
# Prints a Markdown section; a tool that cannot do a root, or fails, is reported as
# such. Nothing is asserted. Knobs: BENCH_BOOTS (3), BENCH_BOOT_TIMEOUT (360 s).

# One compound command, read whole before it runs.
{
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/../lib.sh"
source "$here/../boot/lib.sh"
# The peers' chroots first, while the network is the machine's (apt, once), then the
# rest in the private namespaces (a second run of chroots.sh there finds them ready).
t_fixture
IT=initramfs-tools+nbd-client
DR=dracut+dracut-network+nfs-common+nbd-client+procps
CHROOT_PEERS="$IT $DR" "$here/chroots.sh" "$KROOT" "$KVER" ||
	{ echo "bench: error: peer set-up failed" >&2; exit 1; }
t_fail() { echo "bench: error: $*" >&2; }
source "$here/../boot/netns.bash"
netns_enter "$@"
bench_part netroot "$IT" "$DR"
# Loading sunrpc and nfs alone takes tens of seconds under TCG on a busy machine.
BOOT_TIMEOUT=${BENCH_BOOT_TIMEOUT:-360}
boot_setup || { echo "bench: error: cannot build the root's init" >&2; exit 1; }
bench_part_root
netns_setup
trap 'stop_servers; bench_part_cleanup' EXIT # netns_setup's would remove the logs

# The servers: the root's tree over NFS as /export, an ext4 image of it over NBD as
# "rootexp".
mk_ext4 "$W/work/nbd.img" 64M -L nbdroot
nfs_serve "$BW/rootfs"
qemu-nbd -f raw -b 127.0.0.1 -p 10809 -x rootexp -t --shared=4 "$W/work/nbd.img" &
SERVER_PIDS+=($!)
nfs_ready || exit 1
wait_port 10809 || { echo "bench: error: qemu-nbd does not listen on 127.0.0.1:10809" >&2; exit 1; }
BENCH_QEMU=(-nic user,model=virtio-net-pci)

# mkinitramfs: the net hook (NIC drivers, nfs and nbd modules, the netroot helper), one
# image for both roots.
printf 'HOOKS=(base net)\nMODULES=(ext4)\n' >"$W/work/ours.conf"
gen_ours() {
	"$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c "$W/work/ours.conf" -g "$W/ours.img"
}
gen_ours-nbd() { ln -f "$W/ours.img" "$W/ours-nbd.img"; }
# initramfs-tools: BOOT=nfs in a configuration directory of its own for NFS; the default
# one (BOOT=local) with the nbd-client package's hook and local-top script for NBD.
rm -rf "$CH_IT/etc/initramfs-tools-nfs"
cp -a "$CH_IT/etc/initramfs-tools" "$CH_IT/etc/initramfs-tools-nfs"
sed -i 's/^BOOT=.*/BOOT=nfs/' "$CH_IT/etc/initramfs-tools-nfs/initramfs.conf"
gen_itools() { bench_itools itools -d /etc/initramfs-tools-nfs; }
gen_itools-nbd() { bench_itools itools-nbd; }
# dracut: its nfs and nbd modules, one image, with network-legacy (dhclient; pgrep from
# procps): on a system with systemd-networkd dracut 059 takes that by default, and with
# it the NFS root here never came (its initqueue waited for the mount until its timeout).
gen_dracut() {
	bench_dracut dracut --no-hostonly --add "network-legacy nfs nbd" \
		--drivers "virtio_pci virtio_net ext4"
}
gen_dracut-nbd() { ln -f "$W/dracut.img" "$W/dracut-nbd.img"; }

nfs_ids=(ours itools dracut)
nbd_ids=(ours-nbd itools-nbd dracut-nbd)
declare -A label=(
	[ours]="mkinitramfs HOOKS=(base net) MODULES=(ext4)"
	[itools]="initramfs-tools BOOT=nfs (MODULES=most)"
	[dracut]="dracut --no-hostonly --add \"network-legacy nfs nbd\""
	[ours-nbd]="mkinitramfs HOOKS=(base net) MODULES=(ext4) (the same image)"
	[itools-nbd]="initramfs-tools + nbd-client (BOOT=local, MODULES=most)"
	[dracut-nbd]="dracut --no-hostonly --add \"network-legacy nfs nbd\" (the same image)"
)
# NFSv3 for all: initramfs-tools mounts with klibc's nfsmount, which has no NFSv4.
declare -A append=(
	[ours]="root=/dev/nfs nfsroot=10.0.2.2:/export,vers=3 ip=dhcp"
	[itools]="root=/dev/nfs nfsroot=10.0.2.2:/export,tcp ip=dhcp"
	[dracut]="root=nfs:10.0.2.2:/export:vers=3,nolock ip=dhcp rd.neednet=1"
	[ours-nbd]="root=nbd:10.0.2.2:10809/rootexp:ext4 ip=dhcp"
	[itools-nbd]="root=/dev/nbd0 nbdroot=10.0.2.2,rootexp,nbd0 ip=dhcp"
	[dracut-nbd]="root=nbd:10.0.2.2:rootexp:ext4 ip=dhcp rd.neednet=1"
)
# dracut 059 documents root=nbd:SERVER:PORT/EXPORT, but its nbdroot.sh asks the server
# for the export "PORT/EXPORT"; a port field that is not a number is what it takes as the
# export's name (on the default port 10809).
bench_build "${nfs_ids[@]}" "${nbd_ids[@]}"
# Only what is in an image counts: without the nbd-client package initramfs-tools has no
# NBD root at all, so its row says so instead of a number. (grep reads the whole list:
# with -q it would stop early and fail the pipeline through SIGPIPE.)
if [ -z "${failed[itools-nbd]:-}" ] &&
	! "$MKINITRAMFS" -l "$W/itools-nbd.img" 2>/dev/null | grep 'scripts/local-top/nbd$' >/dev/null; then
	failed[itools-nbd]="cannot: the image has no NBD root script (nbd-client's initramfs support)"
fi
bench_boots "${nfs_ids[@]}" "${nbd_ids[@]}"

echo
echo "## Network root: NFS and NBD"
echo
echo "The benchmark root's tree exported by nfs-ganesha (VFS backend, NFSv3 over TCP, as"
echo "every tool here can mount it: initramfs-tools' klibc nfsmount has no NFSv4) and an"
echo "ext4 image of it served by qemu-nbd (export \"rootexp\"), both on this machine's"
echo "loopback in a private network namespace; the VM gets its address by DHCP from"
echo "QEMU's user networking (\`-nic user,model=virtio-net-pci\`, \`ip=dhcp\`). The same"
echo "kernel as above, \`console=ttyS0 quiet\`; median of $BOOTS boots. Each tool's image"
echo "serves both roots where it can (initramfs-tools: BOOT=nfs for NFS, its default"
echo "BOOT=local with the nbd-client package for NBD)."
echo
echo "| image | compressed | uptime at the root's init | wall from QEMU start |"
echo "| --- | --- | --- | --- |"
echo "| **NFS** | | | |"
bench_rows "${nfs_ids[@]}"
echo "| **NBD** | | | |"
bench_rows "${nbd_ids[@]}"
exit 0
}
