#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark set-up: one Debian chroot per peer generator (initramfs-tools, dracut; they
# conflict as packages), each holding the kernel fixture's module tree, cached under
# build/bench/chroots. Idempotent: only the first run pays for debootstrap and apt.
# Usage: chroots.sh KROOT KVER   (run as root; mounts are made in a private namespace)
# CHROOT_PEERS: which peers (see below).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
dir=$B/bench/chroots
kroot=$1
kver=$2
# CHROOT_PEERS picks the peers, one chroot each ("+" joins packages of one chroot, as
# "udev+dmsetup+kmod" for the LUKS systemd boot test); empty makes only the base.
read -r -a peers <<<"${CHROOT_PEERS-${BENCH_PEERS-initramfs-tools dracut}}"

source "$top/tests/bench/lib.sh"
log() { bench_log "$@"; }

# Mounts made here must never reach the host, nor outlive this script.
bench_private_mounts "$@"
# One run at a time: suites started together (the systemd boots, the package and
# inspection suites) share the chroots.
mkdir -p "$dir"
exec 9>"$dir.lock"
flock -w 1800 9 || {
	bench_log "error: timed out waiting for '$dir.lock'"
	exit 1
}

# apt lines of this machine for its own Debian release (deb822 .sources or one-line
# .list), so the chroots get the same mirror and the same package versions.
. /etc/os-release
codename=${VERSION_CODENAME:-bookworm}
host_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v c="$codename" '$1 == "deb" {
			i = 2
			if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			if ($(i + 1) ~ "^" c "(-|$)") print "deb", $i, $(i + 1), "main"
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v c="$codename" '
		function flush(   i, n, s) {
			if (types ~ /(^| )deb( |$)/ && uris != "") {
				n = split(suites, s, " ")
				for (i = 1; i <= n; i++)
					if (s[i] ~ "^" c "(-|$)") print "deb", uris, s[i], "main"
			}
			types = uris = suites = ""
		}
		/^[ \t]*$/ { flush(); next }
		/^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
		/^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $1 }
		/^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
		/^Enabled:[ \t]*no/ { types = "" }
		END { flush() }' "$f"
	done
}
sources=$(host_sources | awk '!seen[$0]++')
mirror=$(awk -v c="$codename" '$3 == c { print $2; exit }' <<<"$sources")
mirror=${mirror:-http://deb.debian.org/debian}

in_chroot() { # ROOT CMD...: with its API filesystems mounted, then unmounted
	local root=$1 r=0
	shift
	bench_mount_api "$root"
	LC_ALL=C DEBIAN_FRONTEND=noninteractive timeout -k 10 1200 chroot "$root" "$@" || r=$?
	bench_umount_api "$root"
	return $r
}

# base: debootstrap --variant=minbase plus systemd-sysv (a Debian system as installed,
# which dracut's defaults look at) and e2fsprogs.
make_base() {
	local base=$dir/base
	[ -f "$base/.bench-ready" ] && return 0
	log "debootstrap $codename from '$mirror' into '$base' (once)"
	bench_safe_rm "$base"
	bench_safe_rm "$base.new"
	mkdir -p "$dir"
	timeout 1800 debootstrap --variant=minbase "$codename" "$base.new" "$mirror" \
		>"$dir/debootstrap.log" 2>&1 || {
		log "error: debootstrap failed, see '$dir/debootstrap.log'"
		tail -n 20 "$dir/debootstrap.log" >&2
		return 1
	}
	printf '%s\n' "$sources" >"$base.new/etc/apt/sources.list"
	in_chroot "$base.new" sh -c 'apt-get update -qq &&
		apt-get install -y -qq systemd-sysv e2fsprogs' >>"$dir/debootstrap.log" 2>&1 || {
		log "error: apt in the base chroot failed, see '$dir/debootstrap.log'"
		tail -n 20 "$dir/debootstrap.log" >&2
		return 1
	}
	in_chroot "$base.new" apt-get clean
	touch "$base.new/.bench-ready"
	mv "$base.new" "$base"
}

# A peer's chroot: a copy of base, then `apt-get install PEER` as a user would (with
# its recommends), the kernel fixture hard-linked in.
make_peer() {
	local peer=$1 root=$dir/$1
	if [ ! -f "$root/.bench-ready" ]; then
		make_base
		log "installing '$peer' into '$root' (once)"
		bench_safe_rm "$root"
		bench_safe_rm "$root.new"
		cp -a "$dir/base" "$root.new"
		rm -f "$root.new/.bench-ready"
		in_chroot "$root.new" sh -c "apt-get update -qq &&
			apt-get install -y -qq ${peer//+/ }" >"$dir/$peer.log" 2>&1 || {
			log "error: installing '$peer' failed, see '$dir/$peer.log'"
			tail -n 20 "$dir/$peer.log" >&2
			return 1
		}
		in_chroot "$root.new" apt-get clean
		in_chroot "$root.new" dpkg-query -W -f='${Version}' "${peer%%+*}" >"$root.new/.bench-ready"
		mv "$root.new" "$root"
	fi
	link_kernel "$root"
}

# The fixture's modules, config and System.map, as the kernel package would install
# them; replaced when the fixture's kernel changes.
link_kernel() {
	local root=$1 m f
	if [ -d "$root/lib/modules/$kver" ] &&
		[ ! "$root/lib/modules/$kver/modules.dep.bin" -ot \
			"$kroot/lib/modules/$kver/modules.dep.bin" ]; then
		return 0
	fi
	for m in "$root"/lib/modules/*; do
		[ -e "$m" ] && bench_safe_rm "$m"
	done
	mkdir -p "$root/lib/modules" "$root/boot"
	cp -al "$kroot/lib/modules/$kver" "$root/lib/modules/$kver"
	for f in "$kroot"/boot/*; do
		ln -f "$f" "$root/boot/" 2>/dev/null || cp -a "$f" "$root/boot/"
	done
}

make_base
for p in "${peers[@]}"; do
	make_peer "$p"
done
