# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the shell-driven integration and boot tests. Source it.
# Each check prints "ok - NAME" or "not ok - NAME"; t_done prints "RESULT P F" last.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${B:-$TOP/build}
MKINITRAMFS=${MKINITRAMFS:-$B/mkinitramfs}
# MKINITRAMFS_WRAPPER="valgrind --error-exitcode=1 -q": every "$MKINITRAMFS" runs under it.
if [ -n "${MKINITRAMFS_WRAPPER:-}" ] && [ -z "${MKINITRAMFS_WRAPPED:-}" ]; then
	mkdir -p "$B/tmp"
	_w=$(mktemp "$B/tmp/wrapper.XXXXXX")
	_log=
	case $MKINITRAMFS_WRAPPER in
	valgrind*) # its reports go to files, checked by t_report: exit codes alone are ambiguous
		_log=$_w.logs && mkdir -p "$_log" && chmod 777 "$_log"
		_log="--log-file=$_log/%p.log" ;;
	esac
	printf '#!/bin/sh\nexec %s %s %q "$@"\n' "$MKINITRAMFS_WRAPPER" "$_log" "$MKINITRAMFS" >"$_w"
	chmod 755 "$_w"
	export MKINITRAMFS_WRAPPED=$_w MKINITRAMFS=$_w
fi
# Every run of "$MKINITRAMFS" goes through tests/tools/stderr-check.sh, which notes a
# non-zero exit with nothing on stderr; t_report fails the suite for each one: no bad
# input of any suite may fail silently. Runs that need the generator's own PID
# (signals, SIGSTOP, strace) or its file (a copy) use "$MKINITRAMFS_BIN".
if [ -z "${T_SILENT_LOG:-}" ]; then
	mkdir -p "$B/tmp"
	T_SILENT_LOG=$(mktemp "$B/tmp/silent.XXXXXX")
	T_SILENT_OWNER=$$
	export T_SILENT_LOG T_SILENT_OWNER MKINITRAMFS_BIN=$MKINITRAMFS
	export MKINITRAMFS=$TOP/tests/tools/stderr-check.sh
fi
# The frame cache of every build that names none (root's default is /var/cache): a
# scratch directory of this run's, made by the first build that uses it (none: none),
# removed by its owner's t_cleanup.
if [ -z "${MKINITRAMFS_CACHE:-}" ]; then
	mkdir -p "$B/tmp"
	MKINITRAMFS_CACHE=$(mktemp -u "$B/tmp/cache.XXXXXX")
	T_CACHE_OWNER=$$
	export MKINITRAMFS_CACHE
fi
T_PASSED=0
T_FAILED=0

t_pass() { T_PASSED=$((T_PASSED + 1)); echo "ok - $*"; }
t_fail() { T_FAILED=$((T_FAILED + 1)); echo "not ok - $*"; }

# t_check NAME CMD...: pass when CMD exits 0.
t_check() {
	local name=$1
	shift
	if "$@"; then t_pass "$name"; else t_fail "$name"; fi
}

# t_grep NAME PATTERN FILE: pass when the file has a line matching the ERE.
t_grep() {
	if grep -Eq -- "$2" "$3"; then
		t_pass "$1"
	else
		t_fail "$1 (no '$2' in $3)"
		sed 's/^/    | /' "$3" | tail -n 20
	fi
}

# t_nogrep NAME PATTERN FILE: pass when no line matches.
t_nogrep() {
	if grep -Eq -- "$2" "$3"; then
		t_fail "$1 ('$2' found in $3)"
		grep -E -- "$2" "$3" | head -n 5 | sed 's/^/    | /'
	else
		t_pass "$1"
	fi
}

# t_tmpdir: a scratch directory under build/, removed at exit.
t_tmpdir() {
	mkdir -p "$B/tmp"
	T_TMP=$(mktemp -d "$B/tmp/test.XXXXXX")
	trap 't_cleanup' EXIT
}

t_cleanup() {
	# T_KEEP=1 keeps the scratch directory for a look after a failure.
	[ -n "${T_TMP:-}" ] && [ -z "${T_KEEP:-}" ] && rm -rf "$T_TMP"
	[ "${T_CACHE_OWNER:-}" = $$ ] && rm -rf "$MKINITRAMFS_CACHE"
	t_report
	[ -n "${MKINITRAMFS_WRAPPED:-}" ] && rm -rf "$MKINITRAMFS_WRAPPED" "$MKINITRAMFS_WRAPPED.logs"
}

t_report() {
	if [ -z "${T_REPORTED:-}" ] && [ -d "${MKINITRAMFS_WRAPPED:-/nonexistent}.logs" ]; then
		# valgrind 3.19 does not know openat2 (syscall 437): it fails it with ENOSYS,
		# the generator takes its walk fallback, and valgrind warns in five lines.
		find "$MKINITRAMFS_WRAPPED.logs" -type f -exec \
			sed -i '/WARNING: unhandled amd64-linux syscall: 437$/,+4d' {} +
		if find "$MKINITRAMFS_WRAPPED.logs" -type f -size +0 | grep -q .; then
			t_fail "$MKINITRAMFS_WRAPPER reported errors"
			find "$MKINITRAMFS_WRAPPED.logs" -type f -size +0 -exec cat {} + | head -n 40 |
				sed 's/^/    | /'
		else
			t_pass "$MKINITRAMFS_WRAPPER reported no error"
		fi
	fi
	if [ -z "${T_REPORTED:-}" ] && [ -s "${T_SILENT_LOG:-/nonexistent}" ]; then
		while IFS= read -r line; do
			t_fail "a failing run printed no error: $line"
		done <"$T_SILENT_LOG"
	elif [ -z "${T_REPORTED:-}" ] && [ -e "${T_SILENT_LOG:-/nonexistent}" ]; then
		t_pass "every failing run said why on stderr"
	fi
	[ -z "${T_REPORTED:-}" ] && [ "${T_SILENT_OWNER:-}" = $$ ] && rm -f "$T_SILENT_LOG"
	if [ -z "${T_REPORTED:-}" ]; then
		T_REPORTED=1
		echo "RESULT $T_PASSED $T_FAILED"
	fi
}

# t_fixture: sets KROOT and KVER from the Debian kernel fixture.
t_fixture() {
	read -r KROOT KVER < <("$TOP/tests/kernel-fixture.sh")
	[ -n "${KVER:-}" ] || { echo "fixture: no kernel" >&2; exit 1; }
}

# t_copy_modules DIR DEST MODULE...: the named modules of the fixture kernel and their
# dependency closure, copied (never hard-linked) under DIR/DEST with their paths below
# its module directory. Fails when modprobe knows a module not.
t_copy_modules() {
	local dir=$1 dest=$2 from=$KROOT/lib/modules/$KVER/ p
	shift 2
	for p in $(for m in "$@"; do modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" || echo FAIL; done |
		awk '/^insmod/ { print $2 } /^FAIL$/ { print }' | sort -u); do
		[ "$p" != FAIL ] || return 1
		mkdir -p "$dir/$dest/$(dirname "${p#"$from"}")" && cp "$p" "$dir/$dest/${p#"$from"}" || return 1
	done
}

# t_private_kernel DIR MODULE...: DIR becomes a kernel root of its own for the fixture
# kernel: the modules named (t_copy_modules), depmod'ed, and its config. For a no-op
# check across a boot: the suites running alongside hard-link the shared fixture
# (cp -al), which changes its files' ctimes and rightly makes the next build run again.
t_private_kernel() {
	local dir=$1 mods=lib/modules/$KVER
	shift
	mkdir -p "$dir/$mods" "$dir/boot" || return 1
	cp "$KROOT/boot/config-$KVER" "$dir/boot/" || return 1
	cp "$KROOT/$mods"/modules.{order,builtin,builtin.modinfo} "$dir/$mods/" || return 1
	t_copy_modules "$dir" "$mods" "$@" && depmod -b "$dir" "$KVER"
}

# t_basic_tree DIR VERSION: the fake module tree of tests/fixtures/basic.spec in DIR,
# for kernel VERSION; a failure to make it ends the test.
t_basic_tree() {
	"$TOP/tests/fixtures/mktree.sh" "$TOP/tests/fixtures/basic.spec" "$1" "$2" ||
		{ t_fail "mktree basic.spec"; exit 1; }
}

# t_run WANT NAME ARGS...: run the generator with ARGS, output in ./out.txt (stdout,
# then stderr); pass when it exits WANT, else fail and show the output. A non-zero exit
# with nothing on stderr fails too: every failure must say why.
t_run() {
	local want=$1 name=$2
	shift 2
	"$MKINITRAMFS" "$@" >out.txt 2>out.err
	local rc=$?
	cat out.err >>out.txt
	if [ "$rc" = "$want" ]; then t_pass "$name (exit $rc)"; else
		t_fail "$name: exit $rc, wanted $want"
		sed 's/^/    | /' out.txt | head -n 20
	fi
	if [ "$rc" != 0 ] && [ ! -s out.err ]; then
		t_fail "$name: exit $rc with nothing on stderr"
	fi
	rm -f out.err
}

# t_busybox_root: sets BBROOT to a copy of the fixture root (hard links, cached) that
# also holds /bin/busybox from busybox-static, for images with a rescue shell: with -r
# nothing may come from the host, so the shell must be inside the root.
t_busybox_root() {
	BBROOT=$B/kernel/root-busybox
	if [ ! -x "$BBROOT/bin/busybox" ] || [ "$BBROOT/lib/modules/$KVER" -ot "$KROOT/lib/modules/$KVER" ] ||
		[ ! -d "$BBROOT/lib/modules/$KVER" ]; then
		rm -rf "$BBROOT"
		cp -al "$KROOT" "$BBROOT"
		mkdir -p "$BBROOT/bin"
		cp /bin/busybox "$BBROOT/bin/busybox"
	fi
}

# t_console_root ROOT: a German user's console files in ROOT: console-data's keymaps (the
# includes sit next to them) and the lat9w-14 font; KM and FONT name the host's copies.
# kbd's loadkeys converts the keymap at build time. Missing pieces end the test.
t_console_root() {
	KM=/usr/share/keymaps/i386/qwertz/de-latin1.kmap.gz
	FONT=/usr/share/consolefonts/lat9w-14.psf.gz
	if ! command -v loadkeys >/dev/null || [ ! -e "$KM" ] || [ ! -e "$FONT" ]; then
		t_fail "kbd's loadkeys or console-data's keymaps and fonts are missing: run make deps"
		exit 1
	fi
	mkdir -p "$1/usr/share/consolefonts" "$1/etc"
	cp -a /usr/share/keymaps "$1/usr/share/"
	cp "$FONT" "$1/usr/share/consolefonts/"
}
