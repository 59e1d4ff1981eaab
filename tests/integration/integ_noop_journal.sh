#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fast no-op: a build journals every input it read (generator/inputjournal.h), and the
# next run proves "nothing changed" by stat before autodetect and libkmod. Proven here:
# (1) completeness: every file a forced build opens for reading, and every directory it
# lists, is in the journal (strace is the oracle); (2) each class of input, touched,
# modified, added or removed, makes the next run leave the fast path (and rebuild when
# the image changes), after which the run after it is fast again; (3) an unchanged run
# takes the fast path and never opens the module indexes nor loads libkmod.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
command -v strace >/dev/null || { t_fail "strace is missing (make deps installs it)"; exit 1; }
W=$T_TMP
cd "$W" || exit 1
# A private copy of the module tree (its files are changed below), a sysfs tree of a
# virtio machine, a hooks directory of our own before the shipped one.
R=$W/root
mkdir -p "$R/lib/modules" "$R/boot" "$W/hooks" "$W/out"
cp -a "$KROOT/lib/modules/$KVER" "$R/lib/modules/"
cp -a "$KROOT/boot/config-$KVER" "$R/boot/"
S=$W/sysfs
dev=$S/devices/pci0000:00/0000:00:04.0
mkdir -p "$dev/virtio1" "$S/module/ext4/holders"
echo 'pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00' >"$dev/modalias"
echo 'virtio:d00000002v00001AF4' >"$dev/virtio1/modalias"
echo live >"$S/module/ext4/initstate"
echo 1 >"$S/module/ext4/refcnt"
cp "$TOP/mkinitramfs.conf" "$W/c.conf"
export MKINITRAMFS_HOOKS_DIR=$W/hooks SOURCE_DATE_EPOCH=1700000000
IMG=$W/out/host.img
mk() { "$MKINITRAMFS" -v -k "$KVER" -r "$R" -c c.conf --sysfs "$S" --rootfs ext4 -g "$IMG" "$@" >"$W/log" 2>&1; }
# traced TRACE [ARGS]: strace watches the generator alone, never a wrapper around it
# (under valgrind /proc/self/exe is valgrind's: another generator for the record), so
# it builds an image of its own, TIMG; `traced -` runs it without strace.
TIMG=$W/out/traced.img
traced() {
	local t=$1
	shift
	if [ "$t" = - ]; then
		"$B/mkinitramfs" -v -k "$KVER" -r "$R" -c c.conf --sysfs "$S" --rootfs ext4 \
			-g "$TIMG" "$@" >"$W/log" 2>&1
	else
		strace -f -y -qq -o "$W/$t" -e trace=open,openat,openat2,getdents64 \
			"$B/mkinitramfs" -v -k "$KVER" -r "$R" -c c.conf --sysfs "$S" \
			--rootfs ext4 -g "$TIMG" "$@" >"$W/log" 2>&1
	fi
}

# ---- (1) completeness ------------------------------------------------------------------
traced trace -f
# A build keeps no journal when an input changed within the file system clock's tick of
# its first read, as the setup above may have just done: then the next one keeps it.
! grep -q "an input changed while this build ran" "$W/log" || traced trace -f
t_grep "forced build under strace" "wrote '$TIMG'" "$W/log"
# What was read: the path strace -y names for each descriptor opened without write
# access (O_PATH anchors of directories resolve, they are not read), each directory
# listed. Not inputs: the generator's own libraries, /dev, its own /proc/PID (a
# sanitizer's run-time reads it), the image's
# directory (its temporaries, the image read back), the sysfs tree (journalled as the
# facts autodetect drew from it, changed below), the CPU count zstd's threads take
# (a multithreaded zstd frame has the same bytes whatever the count), and the frame
# cache (the image has the same bytes with or without it).
sed -n -E \
	-e '/O_WRONLY|O_RDWR|O_CREAT|O_PATH\|O_DIRECTORY|O_DIRECTORY\|O_PATH/d' \
	-e 's/.*open(at2?)?\(.*\) = [0-9]+<(.*)>$/\2/p' \
	-e 's/.*getdents64\([0-9]+<([^>]*)>.*/\1/p' "$W/trace" |
	grep -v -E "^(/dev/|/proc/(self|[0-9]+)/|/etc/ld\.so\.|/(usr/)?lib(64|/x86_64-linux-gnu)/|$W/out(/|$)|$S/|$MKINITRAMFS_CACHE(/|$)|/sys/devices/system/cpu/online$)" |
	sort -u >"$W/read"
t_check "strace saw the module indexes read" grep -q "modules.alias.bin$" "$W/read"
# The journal's paths, made absolute from this directory as the build saw them.
sed -n -E 's/^S( [^ ]+){6} (.*)/\2/p; s/^C( [^ ]+){2} (.*)/\2/p' "$TIMG.inputs" |
	while read -r p; do realpath -m "$p"; done | sort -u >"$W/journal"
t_check "the record has a journal" test -s "$W/journal"
comm -23 "$W/read" "$W/journal" >"$W/missing"
if [ -s "$W/missing" ]; then
	t_fail "every input read is journalled; not: $(head -n 5 "$W/missing" | tr '\n' ' ')"
else
	t_pass "every input read ($(wc -l <"$W/read") paths) is journalled"
fi

# ---- (3) unchanged: the fast path, no index opened --------------------------------------
mk
t_grep "first build: written" "wrote '$IMG'" "$W/log"
mk
t_grep "after the build: up to date" "'$IMG' is up to date" "$W/log"
mk
t_grep "unchanged: the fast path" "inputs unchanged \(stat\)" "$W/log"
t_grep "unchanged: said as a no-op always has" "'$IMG' is up to date" "$W/log"
traced -
traced trace2
t_grep "unchanged, under strace: the fast path" "inputs unchanged \(stat\)" "$W/log"
t_check "unchanged: no module index opened" bash -c "! grep -q 'modules\.alias\.bin' '$W/trace2'"
# libkmod (and libcrypto, its dependency) are loaded by a build that resolves modules,
# never by the fast path: the process start they cost is most of a no-op.
t_grep "a forced build loads libkmod" 'libkmod\.so\.2' "$W/trace"
t_check "unchanged: libkmod never loaded" bash -c "! grep -Eq 'libkmod|libcrypto' '$W/trace2'"
"$MKINITRAMFS" -k "$KVER" -r "$R" -c c.conf --sysfs "$S" --rootfs ext4 -g "$IMG" >"$W/log" 2>&1
t_grep "unchanged: the default verbosity says only that" "^mkinitramfs: '$IMG' is up to date" "$W/log"
t_check "unchanged: nothing else said" test "$(wc -l <"$W/log")" = 1

# ---- (2) every class of input -----------------------------------------------------------
# again WHAT [ARGS]: after a change was seen, a run writes nothing, and the one after it
# is fast. (The run that saw the change keeps no journal when the change came within
# the file system clock's tick of its first read; the next one then keeps it.)
again() {
	local what=$1
	shift
	mk "$@"
	t_grep "$what: then up to date" "'$IMG' is up to date" "$W/log"
	mk "$@"
	t_grep "$what: then fast again" "inputs unchanged \(stat\)" "$W/log"
}
# changed WHAT [ARGS]: the next run leaves the fast path, then again().
changed() {
	local what=$1
	shift
	mk "$@"
	if grep -q "inputs unchanged (stat)" "$W/log"; then
		t_fail "$what: left the fast path"
		sed 's/^/    | /' "$W/log" | tail -n 5
	else
		t_pass "$what: left the fast path"
	fi
	again "$what" "$@"
}
# rebuilt WHAT [ARGS]: as changed, and the image was written again.
rebuilt() {
	local what=$1
	shift
	mk "$@"
	t_grep "$what: rebuilt" "wrote '$IMG'" "$W/log"
	again "$what" "$@"
}
# same WHAT [ARGS]: as rebuilt, but what the files hold did not change: the build comes
# out the same and leaves the image as it was.
same() {
	local what=$1
	shift
	mk "$@"
	t_grep "$what: built again, the same bytes" "'$IMG' is up to date: built again, it came out the same" "$W/log"
	again "$what" "$@"
}
touch c.conf
changed "the configuration touched"
echo 'MODULES+=(nbd)' >>c.conf
rebuilt "the configuration modified"
mkdir c.conf.d
changed "a drop-in directory created"
echo 'MODULES+=(loop)' >c.conf.d/10-loop.conf
rebuilt "a drop-in added"
rm c.conf.d/10-loop.conf
rebuilt "a drop-in removed"
printf 'HELP="x"\nMODULES=(loop)\n' >"$W/hooks/filesystems"
rebuilt "a hook added before the shipped one"
printf 'HELP="x"\nMODULES=(loop nbd)\n' >"$W/hooks/filesystems"
changed "a hook modified (autodetect keeps none of its new modules)"
rm "$W/hooks/filesystems"
rebuilt "a hook removed"
mkdir -p "$R/etc/modprobe.d"
changed "modprobe.d created"
echo 'options nbd nbds_max=4' >"$R/etc/modprobe.d/nbd.conf"
rebuilt "a modprobe.d file added"
echo 'options nbd nbds_max=5' >"$R/etc/modprobe.d/nbd.conf"
rebuilt "a modprobe.d file modified"
rm "$R/etc/modprobe.d/nbd.conf"
rebuilt "a modprobe.d file removed"
touch "$R/lib/modules/$KVER/modules.alias.bin"
changed "the alias index touched"
touch "$R/lib/modules/$KVER/modules.softdep"
changed "the softdep list touched"
touch "$R/boot/config-$KVER"
changed "the kernel config touched"
VB=$(find "$R/lib/modules/$KVER" -name 'virtio_blk.ko*' | head -n 1)
cp -p "$VB" "$VB.new" && mv "$VB.new" "$VB"
same "a module in the image replaced by a copy (same mtime)"
touch "$VB"
mk
t_grep "a module newer than the index: built again, the same bytes" \
	"'$IMG' is up to date: built again, it came out the same" "$W/log"
t_grep "and the build warned" "warning: module .* is newer than" "$W/log"
mk
t_grep "a no-op after a warning: the warning again" "warning: module .* is newer than" "$W/log"
t_grep "and up to date" "'$IMG' is up to date" "$W/log"
mk
t_grep "the warning said by the fast path too" "warning: module .* is newer than" "$W/log"
t_grep "which was taken" "inputs unchanged \(stat\)" "$W/log"
t_check "the warning said once" test "$(grep -c 'warning: module' "$W/log")" = 1
touch -d 2001-01-01 "$VB"
same "that module's mtime set back"
KB=$(find "$R/lib/modules/$KVER/kernel/drivers/input/keyboard" -name '*.ko*' | head -n 1)
cp -p "$KB" "$KB.new" && mv "$KB.new" "$KB"
changed "a module replaced in a directory a hook matches"
cp "$KB" "$(dirname "$KB")/zz_extra.ko"
changed "a module file added to a directory a hook matches"
rm "$(dirname "$KB")/zz_extra.ko"
changed "that file removed"
mkdir -p "$S/devices/pci0000:00/0000:00:05.0"
echo 'pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01' >"$S/devices/pci0000:00/0000:00:05.0/modalias"
rebuilt "a device appeared in sysfs (AHCI)"
rm -r "$S/devices/pci0000:00/0000:00:05.0"
rebuilt "that device gone"
mkdir -p "$S/module/loop/holders" && echo live >"$S/module/loop/initstate" && echo 1 >"$S/module/loop/refcnt"
changed "a loaded module appeared in sysfs (no hook asks for it)"
# A live sysfs counts its uevents: the count stands for the walk of its devices.
mkdir -p "$S/kernel" && echo 41 >"$S/kernel/uevent_seqnum"
changed "sysfs with a uevent count"
traced -
traced -
traced trace3
t_grep "uevent count unchanged: the fast path" "inputs unchanged \(stat\)" "$W/log"
t_check "uevent count unchanged: no device's modalias read" \
	bash -c "! grep -q '\"modalias\"' '$W/trace3'"
mkdir -p "$S/devices/pci0000:00/0000:00:05.0"
echo 'pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01' >"$S/devices/pci0000:00/0000:00:05.0/modalias"
echo 42 >"$S/kernel/uevent_seqnum"
rebuilt "a device appeared with its uevent"
rm -r "$S/devices/pci0000:00/0000:00:05.0"
echo 43 >"$S/kernel/uevent_seqnum"
rebuilt "that device gone with its uevent"
SOURCE_DATE_EPOCH=1700000001 rebuilt "SOURCE_DATE_EPOCH changed"
rebuilt "another compression on the command line" -z gzip
# The same relative -c from another directory names other files.
mkdir -p "$W/elsewhere" && cp c.conf "$W/elsewhere/" && cp -r c.conf.d "$W/elsewhere/"
mk
(cd "$W/elsewhere" && mk)
t_grep "another working directory: up to date" "'$IMG' is up to date" "$W/log"
t_check "another working directory: not by the fast path" \
	bash -c "! grep -q 'inputs unchanged (stat)' '$W/log'"
mk -f
t_grep "-f always rebuilds" "wrote '$IMG'" "$W/log"
again "after -f"

# The explicit host image (no autodetect): fast too.
printf 'MODULES=(virtio_pci virtio_blk ext4)\nHOOKS=(base)\n' >e.conf
"$MKINITRAMFS" -k "$KVER" -r "$R" -c e.conf -g "$W/out/e.img" >/dev/null 2>&1
"$MKINITRAMFS" -k "$KVER" -r "$R" -c e.conf -g "$W/out/e.img" >/dev/null 2>&1
"$MKINITRAMFS" -v -k "$KVER" -r "$R" -c e.conf -g "$W/out/e.img" >"$W/log" 2>&1
t_grep "explicit image, unchanged: the fast path" "inputs unchanged \(stat\)" "$W/log"

# -P: the children forked after the parent read and walked the shared tree journal
# what the parent read too.
mkdir -p presets
cat >presets/h.preset <<EOF
ALL_kver="$KVER"
ALL_config="$W/c.conf"
PRESETS=('default' 'explicit')
default_image="$W/out/p-host.img"
explicit_image="$W/out/p-e.img"
explicit_config="$W/e.conf"
EOF
mkP() { "$MKINITRAMFS" -v -P --presetdir presets -r "$R" --sysfs "$S" --rootfs ext4 >"$W/log" 2>&1; }
mkP
mkP
mkP
t_check "-P, unchanged: both images by the fast path" \
	test "$(grep -c 'inputs unchanged (stat)' "$W/log")" = 2
touch "$R/lib/modules/$KVER/modules.alias.bin"
mkP
t_check "-P, the alias index touched: neither image by the fast path" \
	test "$(grep -c 'inputs unchanged (stat)' "$W/log")" = 0
t_check "-P, the alias index touched: both up to date" \
	test "$(grep -c 'is up to date' "$W/log")" = 2
mkP
mkP
t_check "-P: then fast again" test "$(grep -c 'inputs unchanged (stat)' "$W/log")" = 2

# What the journal cannot follow turns it off: the next run takes the full pipeline
# (which still ends in a no-op) rather than skipping on a partial proof.
printf 'BINARIES=(sh)\nHOOKS=(base)\n' >b.conf
"$MKINITRAMFS" -v -k "$KVER" -c b.conf -g "$W/out/b.img" -k none >"$W/log" 2>&1
t_grep "BINARIES: no journal, said in -v" "no input journal for the next no-op: files and binaries" "$W/log"
"$MKINITRAMFS" -v -k none -c b.conf -g "$W/out/b.img" >"$W/log" 2>&1
t_grep "BINARIES: a no-op all the same" "is up to date" "$W/log"
t_check "BINARIES: not by the fast path" bash -c "! grep -q 'inputs unchanged (stat)' '$W/log'"
