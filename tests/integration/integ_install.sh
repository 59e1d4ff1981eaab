#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make install / make uninstall into a DESTDIR: every file in place with its mode, the
# @placeholders@ filled in, the completion loadable; uninstall leaves nothing behind.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_tmpdir
D=$T_TMP/dest

make -C "$TOP" --no-print-directory -s install DESTDIR="$D" >"$T_TMP/install.log" 2>&1
t_check "make install succeeds" test $? -eq 0 || sed 's/^/    | /' "$T_TMP/install.log"

want=(
	"755 usr/bin/mkinitramfs"
	"755 usr/lib/mkinitramfs/init"
	"755 usr/lib/mkinitramfs/netroot"
	"755 usr/lib/mkinitramfs/fsck"
	"755 usr/lib/mkinitramfs/usr"
	"755 usr/lib/mkinitramfs/unzstd"
	"644 usr/lib/mkinitramfs/hooks/base"
	"644 usr/lib/mkinitramfs/presets/linux.preset.template"
	"644 etc/mkinitramfs.conf"
	"644 usr/share/man/man8/mkinitramfs.8"
	"644 usr/share/libalpm/hooks/90-mkinitramfs-install.hook"
	"644 usr/share/libalpm/hooks/60-mkinitramfs-remove.hook"
	"755 usr/share/libalpm/scripts/mkinitramfs-install"
	"755 usr/share/libalpm/scripts/mkinitramfs-remove"
	"755 usr/lib/kernel/install.d/50-mkinitramfs.install"
	"755 etc/kernel/postinst.d/zz-mkinitramfs"
	"755 etc/kernel/postrm.d/zz-mkinitramfs"
	"644 usr/share/bash-completion/completions/mkinitramfs"
)
for w in "${want[@]}"; do
	read -r mode path <<<"$w"
	t_check "installed /$path mode $mode" test "$(stat -c %a "$D/$path" 2>/dev/null)" = "$mode"
done
for h in "$TOP"/hooks/build/*; do
	[ -f "$D/usr/lib/mkinitramfs/hooks/${h##*/}" ] || t_fail "build hook ${h##*/} not installed"
done
for m in "$TOP"/man/*.[1-8]; do
	s=${m##*.}
	t_check "man page ${m##*/} installed" test -f "$D/usr/share/man/man$s/${m##*/}"
done
t_nogrep "no @placeholder@ left in installed scripts" '@[A-Z]+@' \
	<(cat "$D"/usr/share/libalpm/hooks/* "$D"/usr/share/libalpm/scripts/* \
		"$D"/usr/lib/kernel/install.d/* "$D"/etc/kernel/post*.d/*)
t_grep "pacman hook runs the installed script" \
	'^Exec = /usr/share/libalpm/scripts/mkinitramfs-install$' \
	"$D/usr/share/libalpm/hooks/90-mkinitramfs-install.hook"
t_grep "install script uses the installed binary" '/usr/bin/mkinitramfs' \
	"$D/usr/share/libalpm/scripts/mkinitramfs-install"
t_check "installed scripts parse (sh -n)" sh -n "$D"/usr/share/libalpm/scripts/mkinitramfs-install \
	"$D"/usr/share/libalpm/scripts/mkinitramfs-remove
t_check "the installed binary runs" "$D/usr/bin/mkinitramfs" --version

# The completion loads and completes options and compressions.
comp=$(bash -c '. "$1"; COMP_WORDS=(mkinitramfs -z z); COMP_CWORD=2; _mkinitramfs;
	echo "${COMPREPLY[*]}"; COMP_WORDS=(mkinitramfs --pre); COMP_CWORD=1; _mkinitramfs;
	echo "${COMPREPLY[*]}"' _ "$D/usr/share/bash-completion/completions/mkinitramfs" 2>&1)
t_check "completion: -z z -> zstd" grep -qx zstd <<<"$(sed -n 1p <<<"$comp")"
t_check "completion: --pre -> --preset --presetdir" \
	test "$(sed -n 2p <<<"$comp")" = "--preset --presetdir"

# PREFIX moves everything but /etc. Another PREFIX recompiles the generator (its paths
# are compiled in): in a build directory of its own, never under the binary that the
# suites running alongside execute.
make -C "$TOP" --no-print-directory -s -j2 install B="$T_TMP/b-opt" DESTDIR="$T_TMP/p" \
	PREFIX=/opt/mk >/dev/null 2>&1
t_check "PREFIX=/opt/mk: binary under /opt/mk/bin" test -x "$T_TMP/p/opt/mk/bin/mkinitramfs"
t_grep "PREFIX=/opt/mk: script names /opt/mk/bin/mkinitramfs" '/opt/mk/bin/mkinitramfs' \
	"$T_TMP/p/opt/mk/share/libalpm/scripts/mkinitramfs-install"
# SBINDIR (a distribution's /usr/sbin): not compiled in, the same build installs there,
# and every hook names the binary where it is.
make -C "$TOP" --no-print-directory -s -j2 install B="$T_TMP/b-opt" DESTDIR="$T_TMP/s" \
	PREFIX=/opt/mk SBINDIR=/opt/mk/sbin >/dev/null 2>&1
t_check "SBINDIR=/opt/mk/sbin: binary there, not in BINDIR" \
	test -x "$T_TMP/s/opt/mk/sbin/mkinitramfs" -a ! -e "$T_TMP/s/opt/mk/bin/mkinitramfs"
t_grep "SBINDIR: the pacman hook's Target is that path" '^Target = opt/mk/sbin/mkinitramfs$' \
	"$T_TMP/s/opt/mk/share/libalpm/hooks/90-mkinitramfs-install.hook"
t_grep "SBINDIR: the Debian kernel hook runs it" '/opt/mk/sbin/mkinitramfs' \
	"$T_TMP/s/etc/kernel/postinst.d/zz-mkinitramfs"
t_grep "SBINDIR: the pacman script runs it" '/opt/mk/sbin/mkinitramfs' \
	"$T_TMP/s/opt/mk/share/libalpm/scripts/mkinitramfs-install"

# An edited configuration survives install and uninstall.
echo '# mine' >>"$D/etc/mkinitramfs.conf"
make -C "$TOP" --no-print-directory -s install DESTDIR="$D" >/dev/null 2>&1
t_grep "reinstall keeps an edited configuration" '^# mine$' "$D/etc/mkinitramfs.conf"
make -C "$TOP" --no-print-directory -s uninstall DESTDIR="$D" >"$T_TMP/uninstall.log" 2>&1
t_check "make uninstall succeeds" test $? -eq 0
left=$(cd "$D" && find . -type f ! -path ./etc/mkinitramfs.conf | sort)
t_check "uninstall removes every installed file" test -z "$left" || echo "$left" | sed 's/^/    | /'
t_check "uninstall keeps the edited configuration" test -f "$D/etc/mkinitramfs.conf"
t_check "uninstall removes the library directory" test ! -e "$D/usr/lib/mkinitramfs"
rm "$D/etc/mkinitramfs.conf"
make -C "$TOP" --no-print-directory -s install DESTDIR="$D" >/dev/null 2>&1
make -C "$TOP" --no-print-directory -s uninstall DESTDIR="$D" >/dev/null 2>&1
t_check "uninstall removes an unmodified configuration" test -z "$(find "$D" -type f)"
