#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile and broken input through the command line: configurations and presets that
# are not what they should be, broken module trees, archives that try to escape on -x,
# and a -r build that must take nothing from the host. Every case: a clear message,
# never a crash (no exit status above 2), and no image where there is an error.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
cd "$T_TMP"
V=1.0-test
t_basic_tree root "$V"
M=root/lib/modules/$V
MISC=$M/kernel/drivers/misc
GOOD=good-root/lib/modules/$V/kernel/drivers/misc
printf 'MODULES=(chain_a)\n' >good.conf

build() { t_run "$1" "$2" -k "$V" -r root "${@:3}"; }

# --- configurations ----------------------------------------------------------------
conf_case() { # NAME FILE-CONTENT(printf format) EXPECTED-MESSAGE-ERE
	printf "$2" >bad.conf
	rm -f bad.img
	build 1 "config: $1" -c bad.conf -g bad.img
	t_grep "config: $1: says where and what" "$3" out.txt
	t_check "config: $1: no image" [ ! -e bad.img ]
}
conf_case "unterminated double quote" 'MODULES=(a)\nCOMPRESSION="zstd\n' \
	"bad\.conf:2:13: unterminated double quote"
conf_case "unterminated single quote" "FILES='/etc/x\n" "bad\.conf:1:7: unterminated single quote"
conf_case "unterminated array" 'HOOKS=(base)\nMODULES=(a b\n  c\n' "bad\.conf:2:9: unterminated array"
conf_case "command substitution" 'MODULES=($(ls /))\n' \
	"bad\.conf:1:10: command substitution is not supported"
conf_case "backticks" 'MODULES=`id`\n' "bad\.conf:1:9: command substitution is not supported"
conf_case "variable expansion" 'FILES=("$HOME/x")\n' "bad\.conf:1:9: variable expansion is not supported"
conf_case "NUL byte" 'MODULES=(a\0b)\n' "bad\.conf:1:11: unexpected NUL byte"
conf_case "a command, not an assignment" 'rm -rf /\n' "bad\.conf:1:1: expected an assignment"
conf_case "spaces around =" 'MODULES = (a)\n' "bad\.conf:1:8: spaces around '=' are not allowed"
{ printf 'MODULES=(a)\nFILES="'; head -c 70000 /dev/zero | tr '\0' a; printf '"\n'; } >bad.conf
build 1 "config: enormous line" -c bad.conf -g bad.img
t_grep "config: enormous line: says where" "bad\.conf:2:[0-9]+: line is longer than 65536 bytes" out.txt
head -c $((17 << 20)) /dev/zero | tr '\0' '#' >bad.conf
build 1 "config: enormous file" -c bad.conf -g bad.img
t_grep "config: enormous file: refused by size" "bad\.conf.*File too large" out.txt
head -c 8192 /dev/urandom >bad.conf
build 1 "config: random bytes" -c bad.conf -g bad.img
t_grep "config: random bytes: an error with a position" "bad\.conf:[0-9]+:[0-9]+: " out.txt
printf 'MODULES=(chain_a)\nMODULES=(nbd)\nFROBNICATE=1\nFROBNICATE=2\n' >warn.conf
build 0 "config: unknown and repeated keys only warn" -c warn.conf -g warn.img
t_grep "config: unknown key named with its line" "warn\.conf:3: unknown key 'FROBNICATE', ignoring" out.txt
t_check "config: unknown key warned once" [ "$(grep -c FROBNICATE out.txt)" = 1 ]
t_grep "config: repeated key named with both lines" \
	"warn\.conf:2: 'MODULES' assigned again \(first at line 1\), the last one wins" out.txt
"$MKINITRAMFS" -l warn.img >warn.list
t_grep "config: the last assignment wins" '/nbd\.ko$' warn.list
t_nogrep "config: the first assignment is gone" '/chain_a\.ko$' warn.list

# --- presets -----------------------------------------------------------------------
preset_case() { # NAME CONTENT EXPECTED-ERE
	printf "$2" >bad.preset
	t_run 1 "preset: $1" -p ./bad.preset
	t_grep "preset: $1: says what" "$3" out.txt
}
preset_case "unterminated array" 'PRESETS=(default\n' "bad\.preset:1:9: unterminated array"
preset_case "command substitution" 'ALL_kver=$(uname -r)\n' \
	"bad\.preset:1:10: command substitution is not supported"
preset_case "unknown key" 'PRESETS=(default)\ndefault_image=/x\nALL_kver=1\nEVIL=1\n' \
	"bad\.preset: unknown key 'EVIL'"
preset_case "no PRESETS" 'ALL_kver=1\n' "bad\.preset: 'PRESETS' is missing or empty"
preset_case "unsupported option" 'PRESETS=(a)\nALL_kver=1\na_image=x\na_options="--evil"\n' \
	"unsupported option '--evil'"
head -c 4096 /dev/urandom >bad.preset
t_run 1 "preset: random bytes" -p ./bad.preset
t_grep "preset: random bytes: an error with a position" "bad\.preset:[0-9]+:[0-9]+: " out.txt
printf 'ALL_kver=%s\nPRESETS=(a)\na_image=first.img\na_image=warnp.img\na_config=warn.conf\n' \
	"$V" >warn.preset
t_run 0 "preset: a repeated key only warns" -r root -p ./warn.preset
t_grep "preset: repeated key named with both lines" \
	"warn\.preset:4: 'a_image' assigned again \(first at line 3\), the last one wins" out.txt
t_check "preset: the last assignment wins" [ -s warnp.img ]
t_check "preset: the first assignment is gone" [ ! -e first.img ]

# --- broken module trees -----------------------------------------------------------
cp -a root good-root
# module_case NAME SETUP-COMMAND EXPECTED-ERE: the build of chain_a fails, naming it.
module_case() {
	rm -rf root && cp -a good-root root
	eval "$2"
	printf 'MODULES=(%s)\n' "${4:-chain_a}" >mod.conf
	build 1 "modules: $1" -c mod.conf -g bad.img
	t_grep "modules: $1: names the file" "$3" out.txt
	t_check "modules: $1: no image" [ ! -e bad.img ]
}
module_case "truncated .ko" "head -c 600 $GOOD/chain_b.ko >$MISC/chain_b.ko" \
	"module file '.*/chain_b\.ko' is not a kernel module: truncated or not ELF"
module_case "a .ko that is not ELF" "echo 'not a module' >$MISC/chain_c.ko" \
	"module file '.*/chain_c\.ko' is not a kernel module"
module_case "an ELF program as .ko" "cp /bin/true $MISC/chain_c.ko" \
	"module file '.*/chain_c\.ko' is not a kernel module"
module_case "a .ko.zst that does not decompress" \
	"head -c 100 $GOOD/comp_zst.ko.zst >$MISC/comp_zst.ko.zst" \
	"module file '.*/comp_zst\.ko\.zst' is corrupt: it does not decompress" comp_zst
module_case "a .ko.xz with a flipped byte" \
	"python3 -c 'import sys; b=bytearray(open(sys.argv[1],\"rb\").read()); b[len(b)//2]^=0xff; open(sys.argv[1],\"wb\").write(b)' $MISC/comp_xz.ko.xz" \
	"module file '.*/comp_xz\.ko\.xz' is corrupt" comp_xz
module_case "a truncated .ko.gz" \
	"head -c 200 $GOOD/comp_gz.ko.gz >$MISC/comp_gz.ko.gz" \
	"module file '.*/comp_gz\.ko\.gz' is corrupt: it does not decompress" comp_gz
module_case "a .ko.gz that is not a module inside" \
	"echo 'not a module' | gzip -n >$MISC/comp_gz.ko.gz" \
	"module file '.*/comp_gz\.ko\.gz' is not a kernel module: truncated or not ELF" comp_gz
module_case "an unreadable module (a directory)" "rm $MISC/chain_b.ko && mkdir $MISC/chain_b.ko" \
	"chain_b\.ko"
module_case "missing modules.dep.bin" "rm $M/modules.dep.bin" \
	"has no modules\.dep\.bin: run 'depmod -b root $V' first"
rm -rf root && cp -a good-root root
touch -d '+1 minute' "$MISC/chain_b.ko"
build 0 "modules: stale modules.dep.bin still builds" -c good.conf -g stale.img
t_grep "modules: stale modules.dep.bin: warns, naming module and index" \
	"module '.*/chain_b\.ko' is newer than '.*/modules\.dep\.bin': run 'depmod" out.txt

# Symlink loops in lib/modules, walked by a hook with a MODULES_MATCH pattern.
rm -rf root && cp -a good-root root
ln -s . "$M/kernel/self"
ln -s loop-b "$M/kernel/loop-a"
ln -s loop-a "$M/kernel/loop-b"
ln -s ../../../../../.. "$M/kernel/up"
ln -s loop-c.ko "$MISC/loop-c.ko"
mkdir hooks
printf 'MODULES_MATCH=(%s)\n' "'kernel/*'" >hooks/everything
printf 'HOOKS=(base everything)\n' >loops.conf
MKINITRAMFS_HOOKS_DIR=$T_TMP/hooks build 0 "modules: symlink loops in lib/modules" \
	-c loops.conf -g loops.img
"$MKINITRAMFS" -l loops.img >loops.list
t_grep "modules: symlink loops: the real modules are there" '/chain_a\.ko$' loops.list
t_nogrep "modules: symlink loops: nothing through the links" '/(self|loop-[abc]|up)/' loops.list
# A hook that vanished between listing and reading (a dangling link): -L says so.
ln -s /nonexistent/hook hooks/ghost
MKINITRAMFS_HOOKS_DIR=$T_TMP/hooks t_run 0 "hooks: -L with a dangling hook" -L
t_grep "hooks: -L names the unreadable hook and why" "ghost +\(unreadable: No such file or directory\)" out.txt
rm -rf "$M" && ln -s "$V" "$M"
build 1 "modules: lib/modules/KVER is a symlink loop" -c good.conf -g bad.img
t_grep "modules: lib/modules/KVER loop: says so" "lib/modules/$V.*(loop|Too many levels)" out.txt

# Firmware links that leave the module root: relative and absolute.
rm -rf root && cp -a good-root root
ln -sfn /etc/passwd root/lib/firmware/fw-missing.bin
printf 'MODULES=(fw_user)\n' >fw.conf
build 0 "firmware: links out of the root are not followed" -c fw.conf -g fw.img
mkdir fwx && "$MKINITRAMFS" -x fw.img fwx >/dev/null 2>&1
t_check "firmware: nothing of the host's /etc/passwd or /etc/hostname" \
	bash -c '! grep -rqsF -f <(head -n1 /etc/passwd) fwx && ! [ -e fwx/etc/passwd ] && ! [ -e fwx/etc/hostname ]'
t_check "firmware: the escaping link is not in the image" [ ! -e fwx/lib/firmware/fw-escape.bin ]
t_check "firmware: the in-root absolute link is resolved in the root" \
	cmp -s fwx/lib/firmware/fw-abs.bin root/usr/lib/firmware/vendor/real/fw-b.bin

# An empty file sorting before /init once failed the read-back check.
: >root/etc/aaa-empty
printf 'FILES=(/etc/aaa-empty)\n' >empty.conf
build 0 "an empty file first in the image" -c empty.conf -g empty.img

# --- libkmod, loaded when modules are resolved -----------------------------------------
# A library of that name without its symbols (found first through LD_LIBRARY_PATH): the
# build says which symbol is missing and writes nothing.
mkdir -p fakelib
echo 'int mkinitramfs_not_libkmod;' >fakelib/empty.c
if cc -shared -fPIC -Wl,-soname,libkmod.so.2 -o fakelib/libkmod.so.2 fakelib/empty.c; then
	rm -f kmod.img
	LD_LIBRARY_PATH=$PWD/fakelib build 1 "libkmod without its symbols" -c good.conf -g kmod.img
	t_grep "libkmod without its symbols: names the library and the symbol" \
		"error: cannot resolve modules: 'libkmod\.so\.2' has no symbol 'kmod_new'" out.txt
	t_check "libkmod without its symbols: one line" test "$(wc -l <out.txt)" = 1
	t_check "libkmod without its symbols: no image" [ ! -e kmod.img ]
else
	t_fail "cannot build the fake libkmod.so.2"
fi

# --- nothing of the host with -r -----------------------------------------------------
rm -rf root && cp -a good-root root
mkdir -p root/usr/bin root/etc
cp /bin/busybox root/usr/bin/busybox
echo "root's passwd" >root/etc/passwd
ln -s /etc/passwd root/etc/pw-link
ln -s /etc/os-release root/etc/host-only-link
cat >host.conf <<'CONF'
MODULES=(fsx nbd fw_user)
BINARIES=(busybox)
FILES=(/etc/pw-link /etc/host-only-link? /etc/hostname? /etc/os-release? /etc/fstab?)
HOOKS=(base modconf)
CONF
build 0 "-r: a build asking for host files" -c host.conf -g host.img
"$MKINITRAMFS" -l host.img | awk '$1 !~ /^d/ { print $3 }' | sort >host.list
leaks=$(while read -r p; do
	# The generator's own entries (/sbin/modprobe is its link to /init, checked below).
	case $p in /init | /dev/console | /etc/mkinitramfs/plan | /etc/mkinitramfs/config | /sbin/modprobe) continue ;; esac
	if { [ -e "$p" ] || [ -L "$p" ]; } && ! { [ -e "root$p" ] || [ -L "root$p" ]; }; then
		echo "$p"
	fi
done <host.list)
t_check "-r: the image holds no path that exists only on the host (${leaks:-none})" [ -z "$leaks" ]
"$MKINITRAMFS" -l host.img >host.full
t_grep "-r: /sbin/modprobe is the image's link to its init" ' /sbin/modprobe -> /init$' host.full
t_check "-r: the image lists something ($(wc -l <host.list) entries)" [ "$(wc -l <host.list)" -gt 10 ]
mkdir hx && "$MKINITRAMFS" -x host.img hx >/dev/null 2>&1
t_check "-r: /etc/passwd is the root's, reached through an absolute link" cmp -s hx/etc/passwd root/etc/passwd
# Files the root has at the same path are its bytes (indexes are regenerated).
diffs=$(cd hx && find . -type f ! -path ./init ! -path ./etc/mkinitramfs/plan \
	! -path "./lib/modules/$V/modules.*" | while read -r f; do
	[ -e "../root/$f" ] || continue
	cmp -s "$f" "../root/$f" || echo "$f"
done)
t_check "-r: every file equals the root's (${diffs:-all equal})" [ -z "$diffs" ]

# --- -x refuses to escape --------------------------------------------------------------
# cpio.py OUT ENTRY...: a newc archive; ENTRY is "f:PATH:DATA", "d:PATH" or "l:PATH:TARGET".
cat >cpio.py <<'PY'
import sys
out = open(sys.argv[1], "wb")
ino = 1
def entry(name, mode, data=b""):
    global ino
    name = name.encode() + b"\0"
    h = b"070701" + b"".join(b"%08X" % v for v in
        (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name), 0))
    ino += 1
    rec = h + name
    rec += b"\0" * (-len(rec) % 4) + data
    rec += b"\0" * (-len(rec) % 4)
    out.write(rec)
for e in sys.argv[2:]:
    kind, rest = e.split(":", 1)
    if kind == "f":
        p, d = rest.split(":", 1); entry(p, 0o100644, d.encode())
    elif kind == "d":
        entry(rest, 0o40755)
    elif kind == "l":
        p, t = rest.split(":", 1); entry(p, 0o120777, t.encode())
entry("TRAILER!!!", 0)
PY
mkdir -p outside
x_case() { # NAME ENTRIES...: -x must refuse, and nothing may appear outside the target.
	local name=$1
	shift
	rm -rf target outside/* && mkdir target
	python3 cpio.py evil.cpio "$@"
	t_run 1 "-x: $name" -x evil.cpio target
	t_grep "-x: $name: refused, naming the image" "refusing to extract 'evil\.cpio'" out.txt
	t_check "-x: $name: nothing written outside" bash -c \
		'[ -z "$(ls -A outside)" ] && [ ! -e evil ] && [ ! -e /tmp/mkinitramfs-evil ]'
}
x_case "a '..' component" "f:../evil:x"
x_case "'..' inside a path" "d:a" "f:a/../../evil:x"
x_case "an absolute path" "f:/tmp/mkinitramfs-evil:x"
x_case "a file through a symlink the archive made" "l:link:../outside" "f:link/evil:x"
x_case "a file through an absolute symlink" "l:link:$T_TMP/outside" "f:link/evil:x"
x_case "a directory through a symlink" "l:link:../outside" "d:link/sub"
# A symlink already in the target directory is not followed either.
rm -rf target && mkdir target && ln -s ../outside target/pre
python3 cpio.py evil.cpio "f:pre/evil:x"
t_run 1 "-x: through a symlink already in the target" -x evil.cpio target
t_check "-x: pre-existing link: nothing outside" [ -z "$(ls -A outside)" ]
# A regular file named like a link the archive made replaces the link, not its target.
echo victim >outside/victim
rm -rf target && mkdir target
python3 cpio.py swap.cpio "l:v:../outside/victim" "f:v:overwritten"
t_run 0 "-x: a file over a link the archive made" -x swap.cpio target
t_check "-x: the link's target is untouched" grep -qx victim outside/victim
t_check "-x: the file replaced the link" bash -c '[ -f target/v ] && [ ! -L target/v ] && grep -qx overwritten target/v'
# Truncated and garbage archives: an error, no crash.
head -c 300 empty.img >cut.img
t_run 1 "-l: a truncated image" -l cut.img
t_grep "-l: truncated: says it is not valid" "not a valid initramfs" out.txt
head -c 4096 /dev/urandom >noise.img
"$MKINITRAMFS" -l noise.img >out.txt 2>&1
rc=$?
t_check "-l: random bytes: exit 1, no crash ($rc)" [ "$rc" = 1 ]
