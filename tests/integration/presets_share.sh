#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# -P does the shared work once per kernel: two presets x two images of the fixture
# kernel, an image of a second kernel and a failing image. Each kernel tree's indexes
# and lists are opened once in the whole run (strace; the alias indexes once more, by
# the same process, for autodetect's own search), the images are the bytes
# separate plain builds write, and the failing image is reported while the rest finish.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
cd "$T_TMP"

# One root for both kernels (-r is one for the whole run): the fixture's tree as hard
# links, and a second release holding only ext4's closure, indexed by depmod.
ROOT=$T_TMP/root
KVER2=$KVER-second
mkdir -p "$ROOT/lib/modules" "$ROOT/boot"
cp -al "$KROOT/lib/modules/$KVER" "$ROOT/lib/modules/"
cp -al "$KROOT/boot/config-$KVER" "$ROOT/boot/"
modprobe -d "$KROOT" -S "$KVER" --show-depends ext4 | awk '$1 == "insmod" { print $2 }' |
	while read -r ko; do
		rel=${ko#"$KROOT/lib/modules/$KVER/"}
		mkdir -p "$ROOT/lib/modules/$KVER2/$(dirname "$rel")"
		cp -l "$ko" "$ROOT/lib/modules/$KVER2/$rel"
		echo "${rel%.ko}.ko" >>"$ROOT/lib/modules/$KVER2/modules.order"
	done
cp -l "$KROOT/lib/modules/$KVER"/modules.builtin{,.modinfo} "$ROOT/lib/modules/$KVER2/"
depmod -b "$ROOT" "$KVER2" || { t_fail "depmod of the second kernel"; exit 1; }

# A machine with a virtio disk on ext4, as autodetect reads it.
dev=sysfs/devices/pci0000:00/0000:00:04.0
mkdir -p "$dev/virtio1"
echo "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00" >"$dev/modalias"
echo "virtio:d00000002v00001AF4" >"$dev/virtio1/modalias"

sed -e 's/^COMPRESSION=.*/COMPRESSION="lz4"/' "$TOP/mkinitramfs.conf" >full.conf
printf 'HOOKS=(base)\nMODULES=(ext4)\nCOMPRESSION="lz4"\n' >small.conf
printf 'HOOKS=(base)\nMODULES=(no_such_module)\nCOMPRESSION="lz4"\n' >broken.conf
mkdir -p presets out single
for p in a b; do
	cat >presets/$p.preset <<-EOF
		ALL_kver="$KVER"
		ALL_config="$T_TMP/full.conf"
		PRESETS=('default' 'fallback')
		default_image="$T_TMP/out/$p.img"
		fallback_image="$T_TMP/out/$p-fallback.img"
		fallback_options="-S autodetect"
	EOF
done
cat >presets/c.preset <<EOF
ALL_kver="$KVER2"
PRESETS=('small' 'broken')
small_config="$T_TMP/small.conf"
small_image="$T_TMP/out/c.img"
broken_kver="$KVER"
broken_config="$T_TMP/broken.conf"
broken_image="$T_TMP/out/broken.img"
EOF

# One trace file per process (-ff): no call is split across lines by another's.
mkdir trace
strace -ff -q -e trace=openat,openat2,close,clone,clone3,fork,vfork -o trace/t "$MKINITRAMFS_BIN" -v \
	-P --presetdir presets -r "$ROOT" --sysfs sysfs --rootfs ext4 >P.log 2>&1
rc=$?
cat trace/t.* >open.trace
t_check "-P with a failing image exits non-zero ($rc)" test "$rc" -ne 0 -a "$rc" -lt 128
t_grep "the failing image's missing module is named" \
	"module 'no_such_module' not found in '$ROOT/lib/modules/$KVER'" P.log
t_grep "the failing image is reported" "preset 'c': image 'broken' failed" P.log
t_grep "the count of failed images is reported" "1 of 6 images failed" P.log
for img in a a-fallback b b-fallback c; do
	t_check "-P still wrote $img.img" test -s "out/$img.img"
done
t_check "-P wrote no image for the failing one" test ! -e out/broken.img
t_grep "-v says the fixture kernel's tree is loaded once for its 5 images" \
	"kernel '$KVER': module tree loaded once for 5 images" P.log
t_nogrep "a kernel with one image is not prepared apart" "kernel '$KVER2'" P.log

# Every file of each tree that a build reads, except the module files an image copies.
# Files of the root are opened inside it (openat2 RESOLVE_IN_ROOT, a path relative to the
# root's descriptor), what libkmod opens by its path; a mere O_PATH lookup reads nothing.
opened() { # PATH: how many times the whole run opened it
	{
		grep -F "openat(AT_FDCWD, \"$1\"," open.trace
		grep -F "\"${1#"$ROOT"/}\", {" open.trace | grep '^openat2(' | grep -v O_PATH
	} | wc -l
}
for v in "$KVER" "$KVER2"; do
	for f in modules.dep.bin modules.alias.bin modules.symbols.bin modules.builtin.bin \
		modules.builtin.alias.bin modules.softdep modules.dep \
		modules.order modules.builtin modules.builtin.modinfo; do
		n=$(opened "$ROOT/lib/modules/$v/$f")
		case $f in
		modules.alias.bin | modules.builtin.alias.bin)
			# libkmod maps it, and autodetect's alias trie (modalias.h) maps it
			# again, in the process that loaded the tree: the images share both.
			procs=$(grep -lF "$ROOT/lib/modules/$v/$f" trace/t.* | wc -l)
			t_check "kernel '$v': '$f' opened at most twice in -P ($n)" \
				test "$n" -ge 1 -a "$n" -le 2
			t_check "kernel '$v': '$f' opened by one process ($procs)" \
				test "$procs" -eq 1
			;;
		*) t_check "kernel '$v': '$f' opened once in -P ($n)" test "$n" -eq 1 ;;
		esac
	done
	# A module's aliases come from its modinfo, read anyway: the 1 MB text is not.
	n=$(opened "$ROOT/lib/modules/$v/modules.alias")
	t_check "kernel '$v': 'modules.alias' never opened in -P ($n)" test "$n" -eq 0
done
# The block hook's directory patterns need the walk of the tree (small.conf has none).
n=$(opened "$ROOT/lib/modules/$KVER")
t_check "kernel '$KVER': its module directory is walked once in -P ($n)" test "$n" -eq 1
n=$(opened "$ROOT/boot/config-$KVER")
t_check "the kernel config is read once in -P ($n)" test "$n" -eq 1
# The check can fail: the module files themselves are read by every image.
n=$(opened "$ROOT/lib/modules/$KVER/kernel/fs/ext4/ext4.ko")
t_check "ext4.ko is read by each of the 4 images that carry it ($n)" test "$n" -ge 4

# The shared context holds no open file of the tree that the builds would share (an
# offset moved by one child would move under the others): the parent, the process that
# forks, has none open whenever it forks.
parent=$(grep -cE '^(clone|clone3|fork|vfork)\(' trace/t.* | sort -t: -k2 -n | tail -n 1)
parent=${parent%%:*}
awk -v root="\"$ROOT/" '
	/^openat\(/ && index($0, root) && $NF ~ /^[0-9]+$/ { open[$NF] = $0 }
	/^openat2\(/ && $NF ~ /^[0-9]+$/ { open[$NF] = $0 }
	/^close\(/ { fd = $0; sub(/^close\(/, "", fd); sub(/\).*/, "", fd); delete open[fd] }
	/^(clone|clone3|fork|vfork)\(/ { forks++; for (fd in open) print "open at a fork: " open[fd] }
	END { print forks " forks" }' "$parent" >forks.txt
# (An ASan build's leak checker forks once more at exit.)
n=$(sed -n 's/ forks$//p' forks.txt)
t_check "the traced parent forked the 6 builds ($n)" test "${n:-0}" -ge 6
t_nogrep "no file of the tree is open in the parent when it forks" '^open at a fork' forks.txt

# Sharing changes no byte: plain builds, each opening the tree itself, write the same.
build() { # OUT ARGS...: a plain build
	local out=$1
	shift
	"$MKINITRAMFS" -r "$ROOT" -g "single/$out" "$@" >>single.log 2>&1
}
build host.img -k "$KVER" -c full.conf --sysfs sysfs --rootfs ext4
build fallback.img -k "$KVER" -c full.conf -S autodetect
build small.img -k "$KVER2" -c small.conf
for p in a b; do
	t_check "-P's host image of preset '$p' is the plain build's" cmp out/$p.img single/host.img
	t_check "-P's fallback image of preset '$p' is the plain build's" \
		cmp out/$p-fallback.img single/fallback.img
done
t_check "-P's image of the second kernel is the plain build's" cmp out/c.img single/small.img
"$MKINITRAMFS" -l single/host.img >host.list
t_grep "the host image has virtio_blk (autodetect ran)" '/virtio_blk\.ko$' host.list
t_nogrep "the host image has no nvme" '/nvme\.ko$' host.list

# -p of one preset shares too, and writes the same bytes again.
rm -f out/a.img out/a-fallback.img
"$MKINITRAMFS" -v -p "$T_TMP/presets/a.preset" -r "$ROOT" --sysfs sysfs --rootfs ext4 \
	>p.log 2>&1
t_check "-p of one preset succeeds" test "$?" -eq 0
t_grep "-p shares the kernel between its 2 images" \
	"kernel '$KVER': module tree loaded once for 2 images" p.log
t_check "-p's host image is the plain build's" cmp out/a.img single/host.img
t_check "-p's fallback image is the plain build's" cmp out/a-fallback.img single/fallback.img
