#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A distribution's build: Debian's own build flags (dpkg-buildflags with hardening=+all:
# -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wformat -Werror=format-security,
# -Wl,-z,relro -Wl,-z,now), no -Werror, build the generator and the unit tests and run
# them, as debian/rules does. The build tree build/pkg/flags is kept between runs, so
# only what changed is compiled again (the flags are in its stamp).
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_tmpdir

if ! command -v dpkg-buildflags >/dev/null; then
	t_fail "dpkg-buildflags is needed (dpkg-dev, tests/deps.sh installs it)"
	exit 1
fi
F=$TOP/build/pkg/flags
mkdir -p "$F"
# shellcheck disable=SC1090 # dpkg-buildflags writes the export lines
. <(env -u CFLAGS -u CPPFLAGS -u LDFLAGS DEB_BUILD_MAINT_OPTIONS=hardening=+all \
	dpkg-buildflags --export=sh)
echo "# CPPFLAGS=$CPPFLAGS"
echo "# CFLAGS=$CFLAGS"
echo "# LDFLAGS=$LDFLAGS"
for f in -O2 -g -fstack-protector-strong -Wformat -Werror=format-security; do
	t_check "CFLAGS has $f" grep -q -- " $f " <<<" $CFLAGS "
done
t_check "CPPFLAGS has -D_FORTIFY_SOURCE=2" grep -q -- '-D_FORTIFY_SOURCE=2' <<<"$CPPFLAGS"
t_check "LDFLAGS has -z relro and -z now" grep -q -- '-Wl,-z,relro -Wl,-z,now' <<<"$LDFLAGS"

start=$(date +%s)
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u WERROR CFLAGS="$CFLAGS" CPPFLAGS="$CPPFLAGS" \
	LDFLAGS="$LDFLAGS" make -C "$TOP" --no-print-directory -j2 B="$F" PREFIX=/usr SYSCONFDIR=/etc \
	all unit-test >"$T_TMP/build.log" 2>&1
rc=$?
echo "# build and unit tests: $(($(date +%s) - start)) s"
t_check "the generator and the unit tests build and pass with them" test $rc -eq 0 ||
	tail -n 30 "$T_TMP/build.log" | sed 's/^/    | /'
t_grep "every unit test ran and passed" '^unit: [1-9][0-9]* passed, 0 failed' "$T_TMP/build.log"
grep '^unit: ' "$T_TMP/build.log" | sed 's/^/# /'
t_check "the generator is linked with -z now" sh -c "readelf -d '$F/mkinitramfs' | grep -q 'FLAGS.*BIND_NOW'"
t_check "the generator is fortified" sh -c "nm -D '$F/mkinitramfs' | grep -q '__[a-z_]*_chk'"
t_check "a unit test binary is built with the same flags" \
	sh -c "readelf -d '$F/tests/test_conf' | grep -q 'FLAGS.*BIND_NOW'"
