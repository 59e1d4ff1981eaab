#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# FILES and BINARIES end to end: a merged-/usr root (lib -> usr/lib) holding the real
# Debian kernel's modules, this machine's ls with its libraries and busybox; the image
# must unpack without an entry below a symlink, and ls must run in it (chroot).
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
cd "$T_TMP"

# The root, laid out as Debian 12 does: /bin, /lib, /lib64 are symlinks into /usr.
R=$T_TMP/root
mkdir -p "$R/usr/bin" "$R/usr/lib/x86_64-linux-gnu" "$R/usr/lib64" "$R/usr/lib/modules" \
	"$R/etc/app/conf.d"
ln -s usr/bin "$R/bin"
ln -s usr/lib "$R/lib"
ln -s usr/lib64 "$R/lib64"
# The modules by hard links when possible: same bytes, no copy.
cp -al "$KROOT/lib/modules/$KVER" "$R/usr/lib/modules/" 2>/dev/null ||
	cp -a "$KROOT/lib/modules/$KVER" "$R/usr/lib/modules/"
cp /bin/ls /usr/bin/busybox "$R/usr/bin/"
ldd /bin/ls | awk '/=> \// { print $3 }' | while read -r lib; do
	cp -L "$lib" "$R/usr/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/usr/lib/x86_64-linux-gnu/"
# Bytes after the end of an ELF file change nothing for ld.so; they mark the root's copy.
printf ROOT-COPY >>"$R/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0"
ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$R/usr/lib64/ld-linux-x86-64.so.2"
echo 'key=value' >"$R/etc/app/conf.d/a.conf"
ln -s conf.d/a.conf "$R/etc/app/current"

cat >ok.conf <<'CONF'
MODULES=(virtio_blk)
BINARIES=(ls)
FILES=(/bin/busybox /etc/app)
HOOKS=(base)
COMPRESSION="zstd"
CONF

"$MKINITRAMFS" -k "$KVER" -r "$R" -c ok.conf -g ok.img >out.txt 2>&1
t_check "image with BINARIES and FILES from a merged-/usr root" test -s ok.img
sed 's/^/    | /' out.txt | head -n 20

# bsdtar refuses, by default, to extract through a symlink: it is the check that no
# entry lies below a symlink (the kernel would follow it before its target exists).
mkdir ex
t_check "image unpacks with no entry below a symlink" bsdtar -xf ok.img -C ex
t_check "ls is at the path it was found, a real file" test -f ex/usr/bin/ls -a ! -L ex/usr/bin/ls
t_check "/lib is a real directory, not the root's symlink" test -d ex/lib -a ! -L ex/lib
t_check "the interpreter link is kept as a link" test -L ex/lib64/ld-linux-x86-64.so.2
t_check "modules under /lib/modules as the init expects" \
	test -d "ex/lib/modules/$KVER" -a ! -L ex/lib/modules
t_check "busybox named through /bin -> usr/bin lands in /bin" test -f ex/bin/busybox
t_check "a symlink inside a listed directory stays one" test -L ex/etc/app/current
t_check "libraries come from the root, not the host" \
	test "$(tail -c 9 ex/lib/x86_64-linux-gnu/libpcre2-8.so.0)" = ROOT-COPY
t_check "and its target is there" test -f ex/etc/app/conf.d/a.conf
if [ "$(id -u)" = 0 ]; then
	chroot ex /usr/bin/ls / >ls.txt 2>&1
	t_grep "ls runs inside the unpacked image" '^usr$' ls.txt
else
	echo "# not root: ls is not run in the image (chroot needs root)"
fi

# The root, not the host, is searched: remove a library the host has.
rm "$R/usr/lib/x86_64-linux-gnu/libselinux.so.1"
"$MKINITRAMFS" -k "$KVER" -r "$R" -c ok.conf -g bad.img >out.txt 2>&1
t_check "a library missing in the root fails the build" test ! -e bad.img
t_grep "the message names the library" "libselinux\.so\.1" out.txt
t_grep "and the program" "'ls'" out.txt

echo 'BINARIES=(no-such-program)' >missing.conf
echo 'HOOKS=(base)' >>missing.conf
"$MKINITRAMFS" -k "$KVER" -r "$R" -c missing.conf -g bad.img >out.txt 2>&1
t_grep "a missing program is named" "no-such-program" out.txt
t_report
