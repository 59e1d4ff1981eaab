#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetch the current Debian kernel that linux-image-amd64 depends on, unpack it into a
# cache under build/ and depmod it. Prints "ROOT KVER" on stdout. Idempotent: does
# nothing but print when the cache already holds the current package.
set -euo pipefail

cache=${KERNEL_FIXTURE_CACHE:-$(cd "$(dirname "$0")/.." && pwd)/build/kernel}
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
