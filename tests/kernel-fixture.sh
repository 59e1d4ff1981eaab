#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetch the current Debian kernel that linux-image-amd64 depends on, unpack it into a
# cache under build/ and depmod it. Prints "ROOT KVER" on stdout. Idempotent: does
# nothing but print when the cache already holds the current package.
#   --kernel bookworm (the default): Debian 12's kernel (6.1), from this machine's apt,
#       modules uncompressed under /lib/modules, in build/kernel.
#   --kernel trixie: Debian 13's kernel (6.12), through a private apt configuration
#       (tests/tools/trixie-apt.sh), unpacked as a merged-/usr system has it
#       (usr/lib/modules, .ko.xz, lib -> usr/lib) in build/kernel-trixie, depmod'ed with
#       Debian 13's kmod built by tests/tools/kmod-trixie.sh (Debian 12's depmod reads
#       .ko.xz but knows no weak dependencies).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# trixie_fixture: the Debian 13 kernel, as described above.
trixie_fixture() {
	local cache=${KERNEL_FIXTURE_TRIXIE_CACHE:-$top/build/kernel-trixie}
	local root=$cache/root pkg version stamp kmodbin kver
	mkdir -p "$cache"
	# One fetch at a time: suites started together share the cache.
	exec 8>"$cache/lock"
	flock -w 900 8 || {
		echo "kernel-fixture: error: timed out waiting for '$cache/lock'" >&2
		exit 1
	}
	. "$top/tests/tools/trixie-apt.sh"
	trixie_apt_init || exit 1
	pkg=$("${TRIXIE_APT_CACHE[@]}" depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$pkg" ]; then
		echo "kernel-fixture: error: cannot resolve the Debian 13 package behind 'linux-image-amd64'" >&2
		exit 1
	fi
	version=$("${TRIXIE_APT_CACHE[@]}" policy "$pkg" | awk '/Candidate:/ { print $2; exit }')
	kmodbin=$("$top/tests/tools/kmod-trixie.sh") || exit 1
	stamp="$pkg $version $("$kmodbin/kmod" --version | head -n1)"
	if [ ! -f "$cache/stamp" ] || [ "$(cat "$cache/stamp")" != "$stamp" ] ||
		[ ! -d "$root/usr/lib/modules" ]; then
		echo "kernel-fixture: fetching $pkg $version (Debian 13)" >&2
		rm -rf "$cache/dl" "$root.new" "$cache/stamp"
		mkdir -p "$cache/dl"
		(cd "$cache/dl" && timeout 900 "${TRIXIE_APT[@]}" download "$pkg" >&2) || {
			echo "kernel-fixture: error: cannot download '$pkg' $version" >&2
			exit 1
		}
		mkdir -p "$root.new"
		dpkg-deb -x "$cache"/dl/"$pkg"_*.deb "$root.new"
		# Merged /usr as on an installed Debian 13: /lib is a link into /usr.
		if [ ! -e "$root.new/lib" ]; then
			ln -s usr/lib "$root.new/lib"
		fi
		kver=$(ls "$root.new/usr/lib/modules" | head -n1)
		"$kmodbin/depmod" -b "$root.new" "$kver"
		rm -rf "$root" "$cache/dl" "$root"-*
		mv "$root.new" "$root"
		printf '%s\n' "$stamp" >"$cache/stamp"
	fi
	kver=$(ls "$root/usr/lib/modules" | head -n1)
	printf '%s %s\n' "$root" "$kver"
}

which=bookworm
case ${1:-} in
--kernel) which=${2:-} ;;
--kernel=*) which=${1#--kernel=} ;;
'') ;;
*)
	echo "kernel-fixture: error: unknown argument '$1' (usage: $0 [--kernel bookworm|trixie])" >&2
	exit 2
	;;
esac
case $which in
bookworm) ;;
trixie)
	trixie_fixture
	exit 0
	;;
*)
	echo "kernel-fixture: error: unknown kernel '$which' (bookworm or trixie)" >&2
	exit 2
	;;
esac

cache=${KERNEL_FIXTURE_CACHE:-$top/build/kernel}
mkdir -p "$cache"

# The ABI-numbered package behind the metapackage, resolved now, never hard-coded.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$pkg" ]; then
	# apt lists may be missing on a fresh machine; refresh once and retry.
	apt-get update -qq >&2 || true
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
if [ -z "$pkg" ]; then
	echo "kernel-fixture: error: cannot resolve the package behind 'linux-image-amd64'" >&2
	exit 1
fi
version=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2; exit }')
stamp="$pkg $version"
root=$cache/root

if [ ! -f "$cache/stamp" ] || [ "$(cat "$cache/stamp")" != "$stamp" ]; then
	echo "kernel-fixture: fetching $pkg $version" >&2
	rm -rf "$cache/dl" "$root.new"
	mkdir -p "$cache/dl"
	(cd "$cache/dl" && timeout 600 apt-get download -q "$pkg" >&2)
	mkdir -p "$root.new"
	dpkg-deb -x "$cache"/dl/"$pkg"_*.deb "$root.new"
	rm -rf "$root" "$cache/dl"
	mv "$root.new" "$root"
	kver=$(ls "$root/lib/modules" | head -n1)
	depmod -b "$root" "$kver"
	printf '%s\n' "$stamp" >"$cache/stamp"
fi

kver=$(ls "$root/lib/modules" | head -n1)
if [ ! -f "$root/lib/modules/$kver/modules.dep.bin" ]; then
	depmod -b "$root" "$kver"
fi
printf '%s %s\n' "$root" "$kver"
