#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build Debian's own kmod source, at the installed kmod's version, with zlib, so tests
# can depmod trees holding .ko.gz (Debian builds kmod without zlib: its depmod skips
# them). Cached under build/kmod-zlib (KMOD_ZLIB_CACHE); prints the path of the built
# depmod (a link to the kmod binary, which acts on argv[0]). Leaves the system's apt
# configuration alone. KMOD_ZLIB_MIRROR replaces the mirror apt is configured with.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${KMOD_ZLIB_CACHE:-$top/build/kmod-zlib}
die() {
	echo "kmod-zlib: error: $*" >&2
	exit 1
}

version=$(dpkg-query -W -f='${Version}' kmod 2>/dev/null) ||
	die "the 'kmod' package is not installed: its version is the one to build"
# This script's own hash too: a change of its configure flags rebuilds.
stamp="kmod $version $(sha256sum <"$0" | cut -c1-16)"
depmod=$cache/bin/depmod
current() { [ -x "$depmod" ] && [ "$(cat "$cache/stamp" 2>/dev/null)" = "$stamp" ]; }

if current; then
	echo "$depmod"
	exit 0
fi
mkdir -p "$cache"
# Unit tests run in parallel: one builds, the others wait for it.
exec 9>"$cache/lock"
flock -w 600 9 || die "timed out waiting for another build in '$cache'"
if current; then
	echo "$depmod"
	exit 0
fi

need=()
for t in autoreconf automake libtoolize pkg-config dpkg-source make gcc; do
	command -v "$t" >/dev/null || need+=("$t")
done
[ ${#need[@]} -eq 0 ] || die "missing tools: ${need[*]} (run tests/deps.sh)"
for h in zlib.h lzma.h zstd.h; do
	printf '#include <%s>\n' "$h" | gcc -E -x c - >/dev/null 2>&1 ||
		die "missing header '$h' (run tests/deps.sh)"
done

echo "kmod-zlib: building kmod $version with zlib in '$cache'" >&2
start=$SECONDS
work=$cache/work
rm -rf "$work" "$cache/bin" "$cache/stamp"
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial"
log=$cache/build.log
: >"$log"
run() { # STEP COMMAND...: run quietly, show the log when it fails
	if ! "${@:2}" >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "$1 failed (full log: '$log')"
	fi
}

# deb-src lines for the Debian suites this machine's apt already uses (its mirror, its
# release and that release's updates), in a private source list and list directory:
# the system's apt configuration is not touched.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
suites() {
	apt-get indextargets --format '$(TARGET_OF) $(COMPONENT) $(SITE) $(RELEASE)' |
		awk -v c="$codename" '$1 == "deb" && $2 == "main" &&
			($4 == c || index($4, c "-") == 1) { print $3, $4 }' | sort -u
}
list=$(suites)
if [ -z "$list" ]; then
	# apt lists may be missing on a fresh machine; refresh once and retry.
	timeout 180 apt-get update -qq >&2 || true
	list=$(suites)
fi
[ -n "$list" ] || die "apt has no source for Debian '$codename' main"
while read -r site suite; do
	printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"${KMOD_ZLIB_MIRROR:-$site}" "$suite"
done <<<"$list" >"$work/apt/sources.list"
apt=(apt-get -q -o "Dir::Etc::SourceList=$work/apt/sources.list"
	-o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$work/apt/lists"
	-o "Dir::Cache=$work/apt/cache" -o APT::Sandbox::User=root -o Acquire::Retries=2)
run "fetching the source index" timeout 180 "${apt[@]}" update
(cd "$work" && run "fetching the source of kmod $version" \
	timeout 300 "${apt[@]}" source --download-only "kmod=$version")
# apt checked the files against the signed index; dpkg-source checks the .dsc's hashes
# (it cannot check the maintainer's signature without debian-keyring: a warning) and
# applies Debian's patches.
run "unpacking the source" dpkg-source -x "$work"/kmod_*.dsc "$work/src"

cd "$work/src"
# Without gtk-doc the documentation rules are empty (what kmod's autogen.sh does too).
mkdir -p libkmod/docs && touch libkmod/docs/gtk-doc.make
run "autoreconf" timeout 300 autoreconf -fi
run "configure" timeout 300 ./configure --prefix=/usr --sysconfdir=/etc \
	--with-zlib --with-xz --with-zstd --disable-manpages --disable-python \
	--disable-test-modules --disable-debug
run "make" timeout 600 make -j2 tools/kmod
./tools/kmod --version 2>&1 | grep -q '+ZLIB' || die "the built kmod has no zlib support"

mkdir -p "$cache/bin"
cp tools/kmod "$cache/bin/kmod"
for tool in depmod modprobe modinfo; do
	ln -s kmod "$cache/bin/$tool"
done
cd "$top"
rm -rf "$work"
printf '%s\n' "$stamp" >"$cache/stamp"
echo "kmod-zlib: built in $((SECONDS - start)) s" >&2
echo "$depmod"
