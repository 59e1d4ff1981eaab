#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A distribution's build: Debian's own build flags (dpkg-buildflags with hardening=+all:
# -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wformat -Werror=format-security,
# -Wl,-z,relro -Wl,-z,now), no -Werror, build the generator and the unit tests and run
# them, as debian/rules does; then the generator's integration suites that boot nothing
# (command line, bad inputs, module trees, binaries) run against the generator
# built so: a fortified check or a stack protector that aborts at run time fails them.
# (The .deb and the Arch package, built with these flags and Arch's, build images that
# boot in pkg_debian.sh and pkg_arch.sh.) The build tree build/pkg/flags is kept between
# runs, so only what changed is compiled again (the flags are in its stamp).
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

# The integration suites, with nothing of this run's environment (the wrapper that
# checks stderr, the default build tree) but the flags. A generator in a build tree
# takes the hooks from ../hooks/build (build/, build-asan/); this tree is one level
# deeper.
ln -sfn ../../hooks "$TOP/build/pkg/hooks"
suites=(cli robust_input moddep_tree files_binaries)
start=$(date +%s)
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u WERROR -u B -u MKINITRAMFS -u MKINITRAMFS_BIN \
	-u MKINITRAMFS_WRAPPER -u MKINITRAMFS_WRAPPED -u T_SILENT_LOG -u T_SILENT_OWNER \
	CFLAGS="$CFLAGS" CPPFLAGS="$CPPFLAGS" LDFLAGS="$LDFLAGS" TEST_JOBS=1 \
	make -C "$TOP" --no-print-directory -j2 B="$F" PREFIX=/usr SYSCONFDIR=/etc integration-test \
	INTEGRATION_SUITES="$(printf 'tests/integration/%s.sh ' "${suites[@]}")" >"$T_TMP/integ.log" 2>&1
echo "# ${suites[*]} with these flags: $(($(date +%s) - start)) s"
t_grep "the generator's integration suites (${suites[*]}) pass against it" \
	'^integration: [1-9][0-9]* passed, 0 failed$' "$T_TMP/integ.log"
grep '^not ok' "$T_TMP/integ.log" | sed 's/^/    | /'
grep '^integration: ' "$T_TMP/integ.log" | sed 's/^/# /'
t_check "... in the build tree of these flags (its test tools are built with them)" \
	sh -c "readelf -d '$F/tests/tools/moddep-closure' | grep -q 'FLAGS.*BIND_NOW'"
