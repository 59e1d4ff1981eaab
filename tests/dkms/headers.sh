#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The build headers of the kernel fixture: linux-headers-KVER, its -common package and
# the linux-kbuild package of the same version, unpacked into a cache under build/.
# Usage: headers.sh KVER. Prints the kernel source directory (for dkms
# --kernelsourcedir). Does nothing but print when the cache holds the current packages.
set -euo pipefail
kver=${1:?usage: headers.sh KVER}
cache=${KERNEL_HEADERS_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/build/kernel-headers}
pkg=linux-headers-$kver
version=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	echo "headers: error: no package '$pkg' in the apt lists" >&2
	exit 1
fi
kbuild=$(apt-cache show "$pkg=$version" | sed -n 's/^Depends:.*\(linux-kbuild-[0-9.]*\).*/\1/p' | head -n1)
common=$(apt-cache show "$pkg=$version" | sed -n 's/^Depends:.*\(linux-headers-[^ ,]*-common\).*/\1/p' | head -n1)
stamp="$pkg $version"
root=$cache/root
if [ ! -f "$cache/stamp" ] || [ "$(cat "$cache/stamp")" != "$stamp" ]; then
	echo "headers: fetching $pkg $common $kbuild $version" >&2
	rm -rf "$cache/dl" "$root.new"
	mkdir -p "$cache/dl" "$root.new"
	(cd "$cache/dl" && timeout 600 apt-get download -q "$pkg=$version" "$common=$version" \
		"$kbuild=$version" >&2)
	for deb in "$cache"/dl/*.deb; do
		dpkg-deb -x "$deb" "$root.new"
	done
	# The flavour's Makefile includes the -common one by its absolute /usr/src path:
	# point it into the cache, so the headers work where they are.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$root.new/usr/src/linux-headers-$kver/Makefile"
	rm -rf "$root" "$cache/dl"
	mv "$root.new" "$root"
	printf '%s\n' "$stamp" >"$cache/stamp"
fi
printf '%s\n' "$root/usr/src/linux-headers-$kver"
