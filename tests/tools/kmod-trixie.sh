#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the kmod Debian 13 (trixie) ships (34.x: depmod writes modules.weakdep, modprobe
# follows weak dependencies), from Debian's source package, for the 6.12 test tree and
# as an oracle of weak dependencies: Debian 12's kmod 30 knows none. The source comes
# through the private trixie apt configuration (tests/tools/trixie-apt.sh); the
# machine's apt configuration is not touched. Cached under build/kmod-trixie
# (KMOD_TRIXIE_CACHE); prints the directory holding depmod, modprobe and modinfo (links
# to the kmod binary, which acts on argv[0]).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${KMOD_TRIXIE_CACHE:-$top/build/kmod-trixie}
die() {
	echo "kmod-trixie: error: $*" >&2
	exit 1
}
. "$top/tests/tools/trixie-apt.sh"

bin=$cache/bin
stamped() { [ -x "$bin/kmod" ] && [ -f "$cache/stamp" ]; }
# A built kmod is used as long as its index is fresh enough not to be re-read: the
# version is resolved against the index (refreshed at most every few hours).
mkdir -p "$cache"
exec 9>"$cache/lock"
flock -w 900 9 || die "timed out waiting for another build in '$cache'"
trixie_apt_init || exit 1
version=$("${TRIXIE_APT_CACHE[@]}" showsrc kmod 2>/dev/null | awk '/^Version:/ { print $2 }' |
	sort -V | tail -n1)
[ -n "$version" ] || die "the Debian 13 source index has no 'kmod'"
stamp="kmod $version $(sha256sum <"$0" | cut -c1-16)"
if stamped && [ "$(cat "$cache/stamp")" = "$stamp" ]; then
	echo "$bin"
	exit 0
fi

need=()
for t in autoreconf automake libtoolize pkg-config make gcc patch; do
	command -v "$t" >/dev/null || need+=("$t")
done
[ ${#need[@]} -eq 0 ] || die "missing tools: ${need[*]} (run tests/deps.sh)"
for h in lzma.h zstd.h zlib.h; do
	printf '#include <%s>\n' "$h" | gcc -E -x c - >/dev/null 2>&1 ||
		die "missing header '$h' (run tests/deps.sh)"
done

echo "kmod-trixie: building kmod $version in '$cache'" >&2
start=$SECONDS
work=$cache/work
rm -rf "$work" "$bin" "$cache/stamp"
mkdir -p "$work"
log=$cache/build.log
: >"$log"
run() { # STEP COMMAND...: run quietly, show the log when it fails
	if ! "${@:2}" >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "$1 failed (full log: '$log')"
	fi
}

# apt checks the tarballs against the signed Sources index. The mirror may not serve
# the .dsc (it is only the list of those hashes): then the tarballs are unpacked and
# Debian's patches applied here, as dpkg-source would.
(cd "$work" && "${TRIXIE_APT[@]}" source --download-only "kmod=$version" >>"$log" 2>&1) || true
upstream=${version%-*}
orig=$(ls "$work"/kmod_"$upstream".orig.tar.* 2>/dev/null | head -n1)
deb=$(ls "$work"/kmod_"$version".debian.tar.* 2>/dev/null | head -n1)
[ -n "$orig" ] && [ -n "$deb" ] || {
	tail -n 10 "$log" >&2
	die "cannot fetch the source of kmod $version (full log: '$log')"
}
mkdir -p "$work/src"
run "unpacking the source" tar -xf "$orig" -C "$work/src" --strip-components=1
run "unpacking Debian's changes" tar -xf "$deb" -C "$work/src"
cd "$work/src"
if [ -f debian/patches/series ]; then
	while read -r p _; do
		case $p in '' | '#'*) continue ;; esac
		run "applying Debian's patch '$p'" patch -p1 -i "debian/patches/$p"
	done <debian/patches/series
fi
# Without gtk-doc the documentation rules are empty (what kmod's autogen.sh does too).
mkdir -p libkmod/docs && touch libkmod/docs/gtk-doc.make
run "autoreconf" timeout 300 autoreconf -fi
run "configure" timeout 300 ./configure --prefix=/usr --sysconfdir=/etc \
	--with-zlib --with-xz --with-zstd --disable-manpages --disable-debug
run "make" timeout 900 make -j2 tools/kmod
./tools/kmod --version 2>&1 | grep -q '+XZ' || die "the built kmod has no xz support"

mkdir -p "$bin"
cp tools/kmod "$bin/kmod"
for tool in depmod modprobe modinfo; do
	ln -s kmod "$bin/$tool"
done
cd "$top"
rm -rf "$work"
printf '%s\n' "$stamp" >"$cache/stamp"
echo "kmod-trixie: built in $((SECONDS - start)) s" >&2
echo "$bin"
