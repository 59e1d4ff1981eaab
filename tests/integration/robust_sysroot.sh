#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Under -r ROOT nothing of the host enters the image: symlinks of the module tree, its
# indexes, modprobe.d, modules.dep and FILES are interpreted inside ROOT, files swapped
# during a build never leak, module files that are not files or inflate without bound
# are refused naming the module, and a dependency cycle is refused naming the cycle.
# Every host file planted here holds HOSTSECRET: no image may contain it.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
cd "$T_TMP"
V=1.0-test
M=lib/modules/$V
MISC=$M/kernel/drivers/misc
t_basic_tree pristine "$V"
mkdir host
printf 'COMPRESSION="none"\nMODULES=(chain_a nbd)\n' >c.conf

fresh() { rm -rf root && cp -a pristine root; }
build() { rm -f x.img && t_run "$1" "$2" -k "$V" -r root -c "${3:-c.conf}" -g x.img; }
# The image is an uncompressed cpio archive: the host's bytes would be in it as they are.
no_host() { t_check "$1: nothing of the host in the image" \
	sh -c '[ ! -e x.img ] || ! grep -aq HOSTSECRET x.img'; }
listing() { "$MKINITRAMFS" -l x.img >list.txt 2>&1; }

# --- item 3: symlinks of the tree interpreted inside ROOT -------------------------------
fresh
printf 'HOSTSECRET=1\n' >host/builtin.modinfo
ln -sf "$T_TMP/host/builtin.modinfo" root/$M/modules.builtin.modinfo
build 0 "absolute symlink modules.builtin.modinfo"
no_host "absolute symlink modules.builtin.modinfo"

fresh
cp root/$MISC/nbd.ko host/nbd.ko && printf HOSTSECRET >>host/nbd.ko
mkdir -p "root$T_TMP/host" && cp root/$MISC/nbd.ko "root$T_TMP/host/nbd.ko"
printf ROOTCOPY >>"root$T_TMP/host/nbd.ko"
ln -sf "$T_TMP/host/nbd.ko" root/$MISC/nbd.ko
build 0 "a .ko that is an absolute symlink"
no_host "a .ko that is an absolute symlink"
t_check "a .ko that is an absolute symlink: the root's file is used" grep -aq ROOTCOPY x.img

# ROOT/lib an absolute symlink: inside ROOT it names ROOT/<that path>, on the host a tree
# of modules holding HOSTSECRET.
fresh
mkdir -p host/side "root$T_TMP/host/side"
cp -a root/lib "root$T_TMP/host/side/lib" && cp -a root/lib host/side/lib
for m in chain_a chain_b chain_c nbd; do printf HOSTSECRET >>host/side/$MISC/$m.ko; done
rm -rf root/lib && ln -s "$T_TMP/host/side/lib" root/lib
build 0 "ROOT/lib an absolute symlink"
no_host "ROOT/lib an absolute symlink"
listing
t_grep "ROOT/lib an absolute symlink: the modules are the root's" '/chain_a\.ko$' list.txt

# An index that is a symlink leading out of ROOT: libkmod would read it on the host.
fresh
cp root/$M/modules.alias.bin host/modules.alias.bin
ln -sf "$T_TMP/host/modules.alias.bin" root/$M/modules.alias.bin
build 1 "an index that is a symlink out of ROOT"
t_grep "an index that is a symlink out of ROOT: named" \
	"'root/$M/modules\.alias\.bin' is a symlink that leads outside 'root'" out.txt
# ... and one that stays inside is fine.
fresh
mv root/$M/modules.alias.bin root/$M/alias.copy && ln -s alias.copy root/$M/modules.alias.bin
build 0 "an index that is a symlink inside ROOT"

# modprobe.d: a configuration file that is an absolute symlink to the host.
fresh
printf 'options nbd HOSTSECRET=1\n' >host/evil.conf
ln -s "$T_TMP/host/evil.conf" root/etc/modprobe.d/evil.conf
build 0 "modprobe.d file an absolute symlink"
no_host "modprobe.d file an absolute symlink"

# An absolute path in modules.dep (and its index): taken inside ROOT. The path must have
# the length of the one it replaces in the binary index, hence a directory under /tmp.
fresh
HD=$(mktemp -d /tmp/sysroot.XXXXXX)
trap 'rm -rf "$HD"; t_cleanup' EXIT
ABS=$HD/chain_c.ko
cp root/$MISC/chain_c.ko "$ABS" && printf HOSTSECRET >>"$ABS"
mkdir -p "root$HD" && cp root/$MISC/chain_c.ko "root$ABS" && printf ROOTCOPY >>"root$ABS"
python3 - "root/$M" "$ABS" <<'EOF'
import sys
d, new = sys.argv[1], sys.argv[2].encode()
old = b'kernel/drivers/misc/chain_c.ko'
assert len(old) == len(new), (old, new)
for f in ('modules.dep.bin', 'modules.dep'):
    b = open(f'{d}/{f}', 'rb').read()
    assert old in b
    open(f'{d}/{f}', 'wb').write(b.replace(old, new))
EOF
build 0 "an absolute path in modules.dep"
no_host "an absolute path in modules.dep"
t_check "an absolute path in modules.dep: the root's file is used" grep -aq ROOTCOPY x.img

# Microcode: an absolute symlink in ROOT's intel-ucode directory, and ROOT's own blob.
fresh
mkdir -p root/lib/firmware/intel-ucode
printf 'ROOTUCODE' >root/lib/firmware/intel-ucode/06-01-01
printf 'HOSTSECRET' >host/ucode
ln -s "$T_TMP/host/ucode" root/lib/firmware/intel-ucode/06-02-02
printf 'COMPRESSION="none"\nMODULES=(nbd)\nHOOKS=(base microcode)\n' >ucode.conf
build 0 "microcode: an absolute symlink to the host" ucode.conf
no_host "microcode: an absolute symlink to the host"
t_check "microcode: the root's blob is in" grep -aq ROOTUCODE x.img

# The kernel configuration: an absolute symlink to a host config that would keep xz
# modules compressed. Inside ROOT that path is missing (modules are decompressed at
# build); once ROOT holds a config at that path, it is the one read.
fresh
printf 'CONFIG_MODULE_DECOMPRESS=y\nCONFIG_MODULE_COMPRESS_XZ=y\n' >host/config
ln -sf "$T_TMP/host/config" root/boot/config-$V
printf 'COMPRESSION="none"\nMODULES=(comp_xz)\n' >xz.conf
build 0 "kernel config an absolute symlink to the host" xz.conf
listing
t_grep "kernel config an absolute symlink: the host's config is not read" '/comp_xz\.ko$' list.txt
mkdir -p "root$T_TMP/host" && cp host/config "root$T_TMP/host/config"
build 0 "kernel config an absolute symlink, ROOT's copy there" xz.conf
listing
t_grep "kernel config an absolute symlink: resolved inside ROOT" '/comp_xz\.ko\.xz$' list.txt

# --- item 4: a directory swapped for a symlink to the host during builds ---------------
fresh
mkdir -p root/data host/data
printf 'ROOTDATA\n' >root/data/f
printf 'HOSTSECRET\n' >host/data/f
# Written before data/f (entries are sorted): a longer time between check and read.
mkdir -p root/a && head -c 24M /dev/zero >root/a/big
printf 'COMPRESSION="none"\nMODULES=(nbd)\nFILES=(/a/big /data/f)\n' >files.conf
(
	# Each state held a moment: a build that checks one and reads the other leaks.
	while [ ! -e stop ]; do
		mv root/data root/data.real 2>/dev/null
		ln -s "$T_TMP/host/data" root/data 2>/dev/null
		sleep 0.003
		rm -f root/data
		mv root/data.real root/data 2>/dev/null
		sleep 0.003
	done
) &
swapper=$!
leaks=0 ok=0 silent=0
for i in $(seq 1 20); do
	rm -f x.img
	if "$MKINITRAMFS" -k "$V" -r root -c files.conf -g x.img >out.txt 2>&1; then
		ok=$((ok + 1))
	elif ! grep -q 'error:' out.txt; then
		silent=$((silent + 1))
	fi
	[ -e x.img ] && grep -aq HOSTSECRET x.img && leaks=$((leaks + 1))
done
touch stop
wait "$swapper"
echo "# swap loop: $ok of 20 builds succeeded, $leaks leaked"
t_check "swap loop: no build leaked a host file" [ "$leaks" = 0 ]
t_check "swap loop: every failed build said why" [ "$silent" = 0 ]

# --- item 6: module files that are not files, or inflate without bound ----------------
fresh
rm root/$MISC/nbd.ko && mkfifo root/$MISC/nbd.ko
build 1 "a .ko that is a FIFO"
t_grep "a .ko that is a FIFO: named, not a regular file" \
	"module 'nbd': file 'root/$MISC/nbd\.ko' is not a regular file" out.txt

# A .ko that is a symlink to /dev/zero: inside ROOT, ROOT/dev/zero (a device made here
# when mknod is allowed) is no module file either, and is never read endlessly.
fresh
ln -sf /dev/zero root/$MISC/nbd.ko
if mkdir -p root/dev && mknod root/dev/zero c 1 5 2>/dev/null; then
	build 1 "a .ko that is a symlink to /dev/zero (a device in ROOT)"
	t_grep "a .ko that is a symlink to /dev/zero: not a regular file" \
		"module 'nbd': file 'root/$MISC/nbd\.ko' is not a regular file" out.txt
else
	echo "# cannot mknod here: ROOT/dev/zero as a device skipped"
	build 1 "a .ko that is a symlink to /dev/zero (missing in ROOT)"
	t_grep "a .ko that is a symlink to /dev/zero: missing in ROOT, named" \
		"'root/$MISC/nbd\.ko': No such file or directory" out.txt
fi

fresh
truncate -s 300M root/$MISC/nbd.ko
build 1 "a .ko of 300 MiB"
t_grep "a .ko of 300 MiB: refused by its size" \
	"module 'nbd': file 'root/$MISC/nbd\.ko' is larger than the 256 MiB" out.txt

printf 'module bomb compress=zst\n' >bomb.spec
"$TOP/tests/fixtures/mktree.sh" bomb.spec bombroot "$V" >/dev/null || t_fail "mktree bomb.spec"
head -c 300M /dev/zero | zstd -q -3 -c >bombroot/$MISC/bomb.ko.zst
printf 'COMPRESSION="none"\nMODULES=(bomb)\n' >bomb.conf
rm -f x.img
t_run 1 "a .ko.zst that inflates to 300 MiB" -k "$V" -r bombroot -c bomb.conf -g x.img
t_grep "a .ko.zst that inflates to 300 MiB: refused" \
	"module 'bomb': file 'bombroot/$MISC/bomb\.ko\.zst' is larger than the 256 MiB .* once decompressed" out.txt

# A FILES entry larger than the address space the build may use: written and read back
# in pieces, never held whole (ASan reserves terabytes: measured on the plain build).
# One compressor thread (-T1): each worker reserves address space of its own, and the
# bound must not depend on the machine's cores.
fresh
truncate -s 300M root/big
printf 'COMPRESSION="zstd"\nCOMPRESSION_OPTIONS=(-T1)\nMODULES=(nbd)\nFILES=(/big)\n' >big.conf
if ldd "$MKINITRAMFS_BIN" 2>/dev/null | grep -q libasan; then
	limit="unlimited (ASan build)"
else
	limit=200000
fi
rm -f x.img
(
	ulimit -v "${limit%% *}"
	"$MKINITRAMFS" -k "$V" -r root -c big.conf -g x.img >out.txt 2>&1
)
rc=$?
t_check "a 300 MiB file within $limit KB of address space ($rc)" [ "$rc" = 0 ]
listing
t_grep "a 300 MiB file: in the image, read back" "^-rw-r--r-- +314572800 /big$" list.txt

# --- item 9: a dependency cycle (depmod refuses one: the indexes are edited) ----------
fresh
python3 - "root/$M" <<'EOF'
import sys
old = b'chain_b.ko: kernel/drivers/misc/chain_c.ko'
new = b'chain_b.ko: kernel/drivers/misc/chain_a.ko'
for f in ('modules.dep.bin', 'modules.dep'):
    p = f'{sys.argv[1]}/{f}'
    b = open(p, 'rb').read()
    assert b.count(old) == 1
    open(p, 'wb').write(b.replace(old, new))
EOF
build 1 "a dependency cycle in modules.dep"
t_grep "a dependency cycle: the modules named" \
	"module dependency cycle in 'root/$M/modules\.dep': 'chain_a' -> 'chain_b' -> 'chain_a'" out.txt
t_nogrep "a dependency cycle: no leak report" "LeakSanitizer" out.txt
rm root/$M/modules.dep
build 1 "a dependency cycle in modules.dep.bin alone"
t_grep "a dependency cycle in the binary index: named" \
	"module dependency cycle in 'root/$M/modules\.dep\.bin' through 'chain_(a|b)'" out.txt

# --- messages: a plan line too long, a module name with an escape sequence ------------
# 1300 modules (copies of one stub, indexed by the real depmod), all softdeps of nbd.
fresh
for i in $(seq 1001 2300); do cp root/$MISC/fsx_helper.ko root/$MISC/m$i.ko; done
{ printf 'softdep nbd pre:'; printf ' m%s' $(seq 1001 2300); echo; } >root/etc/modprobe.d/many.conf
depmod -b root "$V"
build 1 "1300 softdeps of one module"
t_grep "1300 softdeps: the module and the limit named" \
	"module 'nbd': its plan line \(1300 module\(s\) to load before it, [0-9]+ bytes of parameters\) is longer than the 4095 bytes the init reads" out.txt
t_nogrep "1300 softdeps: no bare errno text" "Argument list too long" out.txt

fresh
EV=$'ev\e7il'
cp root/$MISC/fsx_helper.ko "root/$MISC/$EV.ko"
printf 'softdep nbd post: %s\n' "$EV" >root/etc/modprobe.d/ev.conf
depmod -b root "$V"
rm "root/$MISC/$EV.ko" && mkfifo "root/$MISC/$EV.ko"
build 1 "a module named with an escape sequence"
t_grep "a module named with an escape sequence: printed escaped" \
	"module 'ev\\\\x1b7il': file '.*ev\\\\x1b7il\\.ko' is not a regular file" out.txt
t_check "a module named with an escape sequence: no raw escape printed" \
	sh -c '! grep -q "$(printf "\\033")" out.txt'

# The same for a name the configuration asks for (libkmod refuses the unmatched '[').
fresh
printf 'MODULES=(x\033[31my)\n' >esc.conf
build 1 "a configured module name with an escape sequence" esc.conf
t_grep "a configured module name with an escape sequence: escaped and explained" \
	"cannot resolve module 'x\\\\x1b\\[31my' \(config\): not a valid module name or alias" out.txt
t_check "a configured module name with an escape sequence: no raw escape printed" \
	sh -c '! grep -q "$(printf "\\033")" out.txt'

# --- messages: a library that is there but is not ELF ---------------------------------
fresh
mkdir -p root/bin root/lib64 root/lib/x86_64-linux-gnu
printf 'int foo(void) { return 1; }\n' >foo.c
printf 'int foo(void); void _start(void) { foo(); for (;;); }\n' >prog.c
if gcc -shared -fPIC -Wl,-soname,libfoo.so.1 -o libfoo.so foo.c &&
	gcc -nostdlib -o root/bin/prog prog.c -L. -lfoo; then
	cp -L /lib64/ld-linux-x86-64.so.2 root/lib64/
	printf 'not a library\n' >root/lib/x86_64-linux-gnu/libfoo.so.1
	printf 'COMPRESSION="none"\nMODULES=(nbd)\nBINARIES=(/bin/prog)\n' >prog.conf
	build 1 "a library that is not ELF" prog.conf
	t_grep "a library that is not ELF: named as such" \
		"'/lib/x86_64-linux-gnu/libfoo\.so\.1': Exec format error" out.txt
	# The same library, and the program, as absolute symlinks to host copies.
	mkdir -p host/lib && cp libfoo.so host/lib/libfoo.so.1 && printf HOSTSECRET >>host/lib/libfoo.so.1
	ln -sf "$T_TMP/host/lib/libfoo.so.1" root/lib/x86_64-linux-gnu/libfoo.so.1
	build 1 "a library an absolute symlink to the host" prog.conf
	t_grep "a library an absolute symlink to the host: named, looked up inside ROOT" \
		"BINARIES: cannot add '/bin/prog': 'libfoo\.so\.1': No such file or directory" out.txt
	cp root/bin/prog host/prog && printf HOSTSECRET >>host/prog
	ln -sf "$T_TMP/host/prog" root/bin/prog2
	printf 'COMPRESSION="none"\nMODULES=(nbd)\nBINARIES=(/bin/prog2)\n' >prog2.conf
	build 1 "a program an absolute symlink to the host" prog2.conf
	t_grep "a program an absolute symlink to the host: named, looked up inside ROOT" \
		"BINARIES: cannot add '/bin/prog2': .*No such file or directory" out.txt
	# With copies at those paths inside ROOT, the build takes them, not the host's.
	mkdir -p "root$T_TMP/host/lib"
	cp libfoo.so "root$T_TMP/host/lib/libfoo.so.1" && printf ROOTCOPY >>"root$T_TMP/host/lib/libfoo.so.1"
	cp root/bin/prog "root$T_TMP/host/prog"
	build 0 "a program and its library absolute symlinks, ROOT's copies there" prog2.conf
	no_host "a program and its library absolute symlinks"
	t_check "a program and its library absolute symlinks: the root's library is used" grep -aq ROOTCOPY x.img
else
	t_fail "cannot build the test program"
fi
t_report
