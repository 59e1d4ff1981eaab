#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages that the build, the tests and the main job need.
# Does nothing (and needs no root) when all are present.
set -euo pipefail

packages=(
	build-essential pkg-config musl-tools
	libkmod-dev libarchive-dev libzstd-dev liblzma-dev zlib1g-dev liblz4-dev
	libcriterion-dev
	kmod binutils zstd xz-utils lz4 gzip cpio libarchive-tools
	qemu-system-x86 busybox-static
	nfs-ganesha nfs-ganesha-vfs rpcbind qemu-utils iproute2 python3
	e2fsprogs xfsprogs btrfs-progs fdisk dosfstools
	ovmf systemd-boot-efi mtools
	apt dpkg dpkg-dev ca-certificates
	autoconf automake libtool
	debootstrap cryptsetup-bin mdadm lvm2 kbd console-data
	pacman-package-manager makepkg dkms systemd make gcc
	debhelper fakeroot
	clang libclang-rt-14-dev valgrind strace linux-perf
	clang-format cppcheck shellcheck
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "deps: installing ${missing[*]}" >&2
sudo=
if [ "$(id -u)" != 0 ]; then
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# Installing server packages (rpcbind, nfs-ganesha, for the network-root tests) must not
# start their services on this machine: a temporary policy-rc.d refuses every start.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
	$sudo chmod 755 "$policy"
	trap '$sudo rm -f "$policy"' EXIT
fi
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
