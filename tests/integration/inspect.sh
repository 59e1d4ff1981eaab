#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Inspecting images: -a names each segment and its compression, the early cpio, the
# modules loaded at boot [a] and on demand [m], the hooks; --show-config prints the
# configuration embedded at build time (and rebuilding from it gives the same bytes);
# --diff of two builds with one module added names exactly that module; images laid
# out as initramfs-tools and dracut make them (made here with cpio, gzip and xz) are
# recognised; --early/--cpio select a segment; bad input gives one line.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
cd "$T_TMP"

# A root with a microcode blob, hard-linked from the fixture: images get an early cpio.
root=$T_TMP/root
cp -al "$KROOT" "$root"
mkdir -p "$root/lib/firmware/intel-ucode"
printf 'INTEL-A' >"$root/lib/firmware/intel-ucode/06-55-04"
printf 'MODULES=(virtio_blk)\nMODULES_MATCH=(nvme)\nHOOKS=(base)\n' >base.conf
gen() { # OUT CONF [ARGS...]
	local out=$1 conf=$2
	shift 2
	"$MKINITRAMFS" -q -k "$KVER" -r "$root" -c "$conf" -g "$out" "$@" >"$out.log" 2>&1 ||
		{ t_fail "building $out"; sed 's/^/    | /' "$out.log"; }
}
gen mc.img base.conf -A microcode

"$MKINITRAMFS" -a mc.img >a.txt 2>&1
t_check "-a succeeds" test $? -eq 0
t_grep "-a names the generator" '^Generator: +mkinitramfs ' a.txt
t_grep "-a names the kernel" "^Kernel: +$KVER\$" a.txt
t_grep "-a counts two segments" '^Segments: +2$' a.txt
t_grep "-a: segment 0 is the uncompressed early cpio" '^  0: none .* \(early\)$' a.txt
t_grep "-a: segment 1 is zstd with its ratio" '^  1: zstd .*bytes on disk.*ratio [0-9]+\.[0-9]+$' a.txt
t_grep "-a lists the early cpio's microcode" '^  /kernel/x86/microcode/GenuineIntel\.bin \(7 bytes\)$' a.txt
mkdir x && "$MKINITRAMFS" -x mc.img x
nmods=$(grep -c '^M	' x/etc/mkinitramfs/plan)
t_grep "-a counts the plan's $nmods modules" "^Modules: +$nmods \\(at boot \\[a\\]: " a.txt
t_grep "-a: virtio_blk at boot" '^  at boot \[a\]:.* virtio_blk( |$)' a.txt
t_grep "-a: nvme on demand" '^  on demand \[m\]:.* nvme( |$)' a.txt
t_grep "-a names the hooks that ran (-A applied)" '^Hooks: +base microcode$' a.txt
t_grep "-a says the configuration is embedded" '^Configuration: +embedded' a.txt
"$MKINITRAMFS" -a mc.img -v >av.txt 2>&1
t_grep "-a -v: one line per module with flags, [a] for virtio_blk" '^  \[a       \] virtio_blk$' av.txt
t_grep "-a -v: [m] for nvme" '^  \[ m      \] nvme$' av.txt
# Without autodetect, the filesystems and keyboard hooks wait for a request, a person.
gen fs.img base.conf -A filesystems,keyboard
"$MKINITRAMFS" -a fs.img >fs.txt 2>&1
t_grep "-a: ext4 on request" '^  on request \[r\]:.* ext4( |$)' fs.txt
t_grep "-a: usbhid for a person" '^  for a person \[k\]:.* usbhid( |$)' fs.txt
"$MKINITRAMFS" -a fs.img -v >fsv.txt 2>&1
t_grep "-a -v: [r] for xfs" '^  \[   r    \] xfs$' fsv.txt
t_grep "-a -v: [a k] for hid_generic" '^  \[a   k   \] hid_generic$' fsv.txt

# Segment sizes add up to the file: on-disk bytes of both segments = file size.
sum=$(awk '/^  [0-9]+: / {s += $3} END {print s}' a.txt)
t_check "-a: the segments' bytes on disk add up to the file ($sum)" \
	test "$sum" = "$(stat -c %s mc.img)"

"$MKINITRAMFS" -a mc.img --early >early.txt 2>&1
t_check "--early succeeds" test $? -eq 0
t_grep "--early: the microcode is there" 'GenuineIntel\.bin' early.txt
t_grep "--early: no modules in the early archive" '^Modules: +0 ' early.txt
"$MKINITRAMFS" -a mc.img --cpio >main.txt 2>&1
t_nogrep "--cpio: no early cpio listed" 'GenuineIntel' main.txt
t_grep "--cpio: the modules are there" "^Modules: +$nmods " main.txt

# A UKI of that image: its .initrd is the whole image, early microcode first.
printf 'root=/dev/vda\n' >cmdline
"$MKINITRAMFS" -q -k "$KVER" -r "$root" -c base.conf -A microcode -U mc.efi --cmdline cmdline \
	>uki.log 2>&1
t_check "-U with microcode builds" test $? -eq 0
"$MKINITRAMFS" -a mc.efi >ua.txt 2>&1
t_grep "-a on that UKI: two segments in its .initrd" '^Segments: +2$' ua.txt
t_grep "-a on that UKI: the early microcode comes first" '^  0: none .* \(early\)$' ua.txt
t_grep "-a on that UKI: its microcode is listed" 'GenuineIntel\.bin \(7 bytes\)$' ua.txt

# ---- --show-config ---------------------------------------------------------------
"$MKINITRAMFS" --show-config mc.img >shown.conf 2>show.err
t_check "--show-config succeeds" test $? -eq 0
t_grep "--show-config: the effective hooks" "^HOOKS=\\('base' 'microcode'\\)$" shown.conf
t_grep "--show-config: the modules" "^MODULES=\\('virtio_blk'\\)$" shown.conf
t_grep "--show-config: the compression used" "^COMPRESSION='zstd'$" shown.conf
gen again.img shown.conf
t_check "rebuilding from the shown configuration gives the same bytes" cmp -s mc.img again.img

# ---- --diff ------------------------------------------------------------------------
printf 'MODULES=(virtio_blk nbd)\nMODULES_MATCH=(nvme)\nHOOKS=(base)\n' >nbd.conf
gen base.img base.conf
gen nbd.img nbd.conf
"$MKINITRAMFS" --diff base.img nbd.img >diff.txt 2>&1
t_check "--diff succeeds" test $? -eq 0
mods=$(grep '^[-+~] module ' diff.txt)
t_check "--diff names exactly one module change: '$mods'" \
	test "$mods" = "+ module nbd [a]"
t_grep "--diff: nbd.ko is a new file" '^\+ file /lib/modules/.*/nbd\.ko \([0-9]+ bytes\)$' diff.txt
t_grep "--diff: MODULES changed in the configuration" \
	"^~ config MODULES: \\('virtio_blk'\\) -> \\('virtio_blk' 'nbd'\\)$" diff.txt
t_grep "--diff: the summary counts one module added" '^# modules: 1 added, 0 removed, 0 changed;' diff.txt
"$MKINITRAMFS" --diff base.img base.img >same.txt 2>&1
t_check "--diff of an image with itself: no change lines" \
	test "$(grep -c '^[-+~] ' same.txt)" = 0
t_grep "--diff of an image with itself: all zero" \
	'^# modules: 0 added, 0 removed, 0 changed; files: 0 added, 0 removed, 0 changed; config: 0 added, 0 removed, 0 changed$' same.txt
printf 'MODULES=(virtio_blk "nvme io_queue_depth=64")\nHOOKS=(base)\n' >p.conf
gen p.img p.conf
"$MKINITRAMFS" --diff base.img p.img >p.txt 2>&1
t_grep "--diff: nvme went from on demand to at boot with a parameter (flags)" \
	'^~ module nvme: flags \[m\] -> \[a\]$' p.txt
t_grep "--diff: ... and its parameter" "^~ module nvme: parameters '' -> 'io_queue_depth=64'$" p.txt

# ---- images of other tools -------------------------------------------------------
# newc archives made by cpio itself, laid out as initramfs-tools and dracut lay theirs
# out, each after an uncompressed early cpio as both tools write microcode.
mkcpio() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet); }
mkdir -p early/kernel/x86/microcode && printf 'UCODE' >early/kernel/x86/microcode/GenuineIntel.bin
mkdir -p itools/conf itools/scripts/init-top "itools/usr/lib/modules/$KVER/kernel/drivers/block"
echo 'MODULES=most' >itools/conf/initramfs.conf
echo '#!/bin/sh' >itools/scripts/init-top/udev
cp "$KROOT/lib/modules/$KVER/kernel/drivers/block/virtio_blk.ko"* \
	"itools/usr/lib/modules/$KVER/kernel/drivers/block/"
{ mkcpio early; mkcpio itools | gzip -9n; } >itools.img
"$MKINITRAMFS" -a itools.img >it.txt 2>&1
t_check "-a reads an initramfs-tools style image" test $? -eq 0
t_grep "initramfs-tools: recognised" '^Generator: +initramfs-tools$' it.txt
t_grep "initramfs-tools: segment 0 uncompressed" '^  0: none ' it.txt
t_grep "initramfs-tools: segment 1 gzip" '^  1: gzip ' it.txt
t_grep "initramfs-tools: kernel from its module tree" "^Kernel: +$KVER\$" it.txt
t_grep "initramfs-tools: one module, no plan" '^Modules: +1 \(no plan' it.txt
t_grep "initramfs-tools: no embedded configuration" '^Configuration: +none$' it.txt

mkdir -p dracut/usr/lib/dracut "dracut/usr/lib/modules/$KVER/kernel/fs"
echo 'base' >dracut/usr/lib/dracut/modules.txt
cp -r itools/usr/lib/modules "dracut/usr/lib/"
printf 'x' >"dracut/usr/lib/modules/$KVER/kernel/fs/extra-fs.ko.xz"
{ mkcpio early; mkcpio dracut | xz --check=crc32; } >dracut.img
"$MKINITRAMFS" -a dracut.img >dr.txt 2>&1
t_grep "dracut: recognised" '^Generator: +dracut$' dr.txt
t_grep "dracut: segment 1 xz" '^  1: xz ' dr.txt
t_grep "dracut: two modules, .ko.xz counted" '^Modules: +2 \(no plan' dr.txt
"$MKINITRAMFS" --diff itools.img dracut.img >fd.txt 2>&1
t_check "--diff of two foreign images names the one module added" \
	test "$(grep '^[-+~] module ' fd.txt)" = "+ module extra_fs []"

# ---- bad input ---------------------------------------------------------------------
one_error() { # NAME PATTERN ARGS...
	local name=$1 pat=$2
	shift 2
	"$MKINITRAMFS" "$@" >err.txt 2>&1
	local rc=$?
	if [ $rc -ne 0 ] && grep -Eq -- "$pat" err.txt && [ "$(grep -c 'error' err.txt)" = 1 ]; then
		t_pass "$name: exit $rc, one error line"
	else
		t_fail "$name: exit $rc, wanted one line matching '$pat'"
		sed 's/^/    | /' err.txt | head -n 5
	fi
}
one_error "-a on a missing file" "cannot analyse image '$T_TMP/none': No such file" -a "$T_TMP/none"
one_error "-a on something else" "cannot analyse image 'base.conf': not a valid initramfs" -a base.conf
one_error "--early on a single-segment image" "image 'base.img' has no early archive" -a base.img --early
one_error "--show-config on a foreign image" "image 'itools.img' has no embedded configuration" \
	--show-config itools.img
one_error "--diff with one image" "--diff needs two images" --diff base.img
one_error "--diff with a bad second image" "cannot compare image 'base.conf'" --diff base.img base.conf
t_report
