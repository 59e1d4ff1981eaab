#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A mkinitcpio user's files carry over: Arch's stock mkinitcpio.conf HOOKS lines and
# linux.preset build as they are; every standard hook name is accepted; wrong names are
# all reported at once with the closest known one.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
cd "$T_TMP"

# A root with e2fsck (and fsck.ext4 -> e2fsck) and its libraries, for the fsck hook.
root=$T_TMP/root
cp -al "$KROOT" "$root"
mkdir -p "$root/usr/sbin" "$root/lib64"
cp /sbin/e2fsck "$root/usr/sbin/e2fsck"
ln -s e2fsck "$root/usr/sbin/fsck.ext4"
for lib in $(ldd /sbin/e2fsck | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
	mkdir -p "$root/$(dirname "$lib")"
	cp -L "$lib" "$root/$lib"
done
mkdir -p sysfs/devices

# mkinitcpio v41's two default HOOKS lines, with the rest of its stock file.
stock_conf() {
	cat <<EOT
# vim:set ft=sh
MODULES=()
BINARIES=()
FILES=()
HOOKS=($1)
#COMPRESSION="zstd"
#COMPRESSION_OPTIONS=()
EOT
}
stock_conf 'base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck' >udev.conf
stock_conf 'base systemd autodetect microcode modconf kms keyboard sd-vconsole block filesystems fsck' >systemd.conf

t_run 0 "the stock udev HOOKS line builds" -k "$KVER" -r "$root" -c udev.conf \
	--sysfs sysfs --rootfs ext4 -g udev.img
"$MKINITRAMFS" -l udev.img >udev.list
t_grep "fsck: the root's fsck.ext4 is in the image" ' /usr/sbin/fsck\.ext4' udev.list
t_grep "fsck: e2fsck is in the image" ' /usr/sbin/e2fsck$' udev.list
t_grep "fsck: e2fsck's libraries come along" '/libext2fs\.so\.2' udev.list
t_grep "fsck: the fsck helper the init runs is in the image" ' /lib/mkinitramfs/fsck$' udev.list
# xfs and btrfs: their fsck.<type> does nothing, none is added and -v says why.
printf '#!/bin/sh\nexit 0\n' >"$root/usr/sbin/fsck.xfs"
chmod 755 "$root/usr/sbin/fsck.xfs"
t_run 0 "the stock HOOKS line builds for an xfs root" -v -k "$KVER" -r "$root" -c udev.conf \
	--sysfs sysfs --rootfs xfs -g xfs.img
t_grep "fsck: -v says an xfs root is not checked" "hook 'fsck': the root is xfs, which is not checked before mounting: no fsck.xfs added" out.txt
"$MKINITRAMFS" -l xfs.img >xfs.list
t_nogrep "fsck: the no-op fsck.xfs script is not in the image" 'fsck\.xfs' xfs.list
rm "$root/usr/sbin/fsck.xfs"
t_run 0 "the stock systemd HOOKS line builds" -k "$KVER" -r "$root" -c systemd.conf \
	--sysfs sysfs --rootfs ext4 -g systemd.img

# The fallback image (-S autodetect): kms brings the common GPU drivers, load-on-match.
t_run 0 "the stock HOOKS line without autodetect builds" -k "$KVER" -r "$root" \
	-c udev.conf -S autodetect -g generic.img
"$MKINITRAMFS" -l generic.img >generic.list
for m in i915 amdgpu radeon nouveau virtio-gpu bochs qxl; do
	t_grep "kms: '$m' is in a generic image" "/$m\.ko" generic.list
done
t_grep "fsck: a generic image has fsck.ext4" ' /usr/sbin/fsck\.ext4' generic.list
# kms says LOAD=early: a generic image loads the GPU's driver as soon as its device
# matches ('e'), where the storage drivers wait in the root-first queue ('m').
"$MKINITRAMFS" -x generic.img generic.x >/dev/null 2>&1
t_grep "kms: bochs loads early on match ('me')" $'^M\tbochs\t[^\t]*\tme' \
	generic.x/etc/mkinitramfs/plan
t_grep "block: virtio_blk loads root first on match ('m', no 'e')" \
	$'^M\tvirtio_blk\t[^\t]*\tm[^e\t]*\t' generic.x/etc/mkinitramfs/plan
"$MKINITRAMFS" -a generic.img >generic.a 2>&1
t_grep "-a counts the early ones" '^ +[0-9]+ of those on demand load as soon as their device matches \[e\]' \
	generic.a
t_grep "-a lists bochs as early on demand" '^  early on demand \[e\]:.* bochs( |$)' generic.a
t_nogrep "-a does not list virtio_blk as early" '^  early on demand \[e\]:.* virtio_blk( |$)' \
	generic.a

# Every standard hook name: accepted, and -H says what each does here.
for h in udev systemd kms keymap consolefont sd-vconsole fsck usr shutdown sd-shutdown; do
	"$MKINITRAMFS" -H "$h" >h.txt 2>&1
	t_check "-H $h succeeds" test $? -eq 0
done
"$MKINITRAMFS" -H fsck >h.txt 2>&1
t_grep "-H fsck says the root is checked before mounting" 'checks the root .* before mounting it' h.txt
t_grep "-H fsck names its helper" '^  fsck$' h.txt
"$MKINITRAMFS" -H usr >h.txt 2>&1
t_grep "-H usr says /usr is mounted from the root's fstab" "mounts the separate /usr of the root's /etc/fstab" h.txt
t_grep "-H usr names its helper" '^  usr$' h.txt

# Wrong names: all of them in one run, each with the closest known name.
printf 'HOOKS=(base udv memdisk strip blok zzzzzzz filesystems)\n' >bad.conf
t_run 1 "unknown and unsupported hooks fail" -k "$KVER" -r "$root" -c bad.conf -g bad.img
t_grep "a misspelt hook: the closest name" "unknown hook 'udv' \(did you mean 'udev'\?\)" out.txt
t_grep "a second misspelt hook in the same run" "unknown hook 'blok' \(did you mean 'block'\?\)" out.txt
t_grep "a name close to nothing: no suggestion" "unknown hook 'zzzzzzz': not found in" out.txt
t_grep "memdisk: named as not supported yet" "hook 'memdisk': mkinitcpio's 'memdisk' hook is not supported by mkinitramfs yet" out.txt
t_grep "strip: named as not supported yet" "hook 'strip': mkinitcpio's 'strip' hook is not supported" out.txt
t_grep "the count of unusable hooks" "5 hooks of HOOKS \(and -A\) cannot be used" out.txt
t_check "nothing is written" test ! -e bad.img

# The legacy string form: the words of the string, as mkinitcpio reads it.
printf 'MODULES="ext4 virtio_blk"\nHOOKS="base"\nBINARIES="e2fsck"\n' >legacy.conf
t_run 0 "MODULES=\"a b\" builds" -k "$KVER" -r "$root" -c legacy.conf -g legacy.img
"$MKINITRAMFS" -l legacy.img >legacy.list
t_grep "MODULES=\"ext4 virtio_blk\": ext4 is in" '/ext4\.ko' legacy.list
t_grep "MODULES=\"ext4 virtio_blk\": virtio_blk is in too" '/virtio_blk\.ko' legacy.list
t_grep "BINARIES=\"e2fsck\": e2fsck is in" ' /usr/sbin/e2fsck$' legacy.list

# No silent success that cannot boot.
printf 'HOOKS=()\n' >empty.conf
t_run 1 "an empty HOOKS is refused" -k "$KVER" -r "$root" -c empty.conf -g empty.img
t_grep "the error names HOOKS and the file" "HOOKS is empty in '.*empty.conf': an image needs at least the 'base' hook" out.txt
printf 'HOOKS=""\n' >empty2.conf
t_run 1 "HOOKS=\"\" is refused too" -k "$KVER" -r "$root" -c empty2.conf -g empty.img
printf 'HOOK=(base block)\nMODULE=(ext4)\n' >typo.conf
t_run 0 "a misspelt key warns" -k "$KVER" -r "$root" -c typo.conf -g typo.img
t_grep "HOOK: did you mean HOOKS" "typo.conf:1: unknown key 'HOOK' \(did you mean 'HOOKS'\?\), ignoring" out.txt
t_grep "MODULE: did you mean MODULES" "typo.conf:2: unknown key 'MODULE' \(did you mean 'MODULES'\?\)" out.txt
printf 'MODULES_DECOMPRESS="yes"\nHOOKS=(base)\n' >decomp.conf
t_run 0 "MODULES_DECOMPRESS is a known key" -k "$KVER" -r "$root" -c decomp.conf -g decomp.img
t_nogrep "MODULES_DECOMPRESS: no unknown-key warning" "unknown key" out.txt
if [ ! -e /etc/mkinitramfs.conf ]; then # the default path, when -c is not given
	t_run 0 "no configuration file: built, with a warning" -k "$KVER" -r "$root" -g none.img
	t_grep "the warning says the image has no storage drivers" \
		"no configuration at '/etc/mkinitramfs.conf': .*no storage or filesystem drivers" out.txt
else
	echo "# skipped: /etc/mkinitramfs.conf exists on this machine"
fi

# COMPRESSION_OPTIONS as people write them, mapped or refused by name.
copts() { # NAME COMPRESSION OPTIONS...
	local name=$1 comp=$2
	shift 2
	printf 'MODULES=(virtio_blk)\nHOOKS=(base)\nCOMPRESSION=%s\nCOMPRESSION_OPTIONS=(%s)\n' \
		"$comp" "$*" >c-$name.conf
}
declare -A magic=([zstd]=28b52ffd [xz]=fd377a58 [lz4]=02214c18 [gzip]=1f8b0800)
for spec in "zstd -T0 -19" "zstd --ultra -22" "zstd --threads=2 -3" "xz -9e" "xz -T0 -e --check=crc32" \
	"lz4 -l -9" "gzip -9"; do
	set -- $spec
	copts "$1" "$@"
	t_run 0 "COMPRESSION_OPTIONS ($*) builds" -k "$KVER" -r "$root" -c c-$1.conf -g c.img
	t_check "the image is $1 (its magic)" test "$(od -An -tx1 -N4 c.img | tr -d ' ')" = "${magic[$1]}"
done
# zstd --long: long-distance matching with a 2^27 (or 2^N) byte window, as zstd reads it.
copts long zstd -T0 --long
t_run 0 "zstd --long builds" -k "$KVER" -r "$root" -c c-long.conf -g c.img
t_check "zstd --long: the frame asks for a 128 MiB window" sh -c \
	"zstd -lv c.img 2>&1 | grep -q 'Window Size: 128 MiB'"
t_check "zstd --long: zstd unpacks it to a newc archive" sh -c \
	"zstd -dc c.img | bsdtar -tf - | grep -qx init"
copts long24 zstd -19 --long=24
t_run 0 "zstd -19 --long=24 builds" -k "$KVER" -r "$root" -c c-long24.conf -g c.img
t_check "zstd --long=24: a 16 MiB window" sh -c \
	"zstd -lv c.img 2>&1 | grep -q 'Window Size: 16.0 MiB'"
copts long28 zstd --long=28
t_run 1 "zstd --long=28 is refused" -k "$KVER" -r "$root" -c c-long28.conf -g c.img
t_grep "the error names --long=28 and the range" "COMPRESSION_OPTIONS: '--long=28' is not --long=10..27: the kernel allocates a window of 2\^N bytes to unpack the image" out.txt
copts fast zstd --fast
t_run 1 "zstd --fast is refused" -k "$KVER" -r "$root" -c c-fast.conf -g c.img
t_grep "the error names --fast and what is supported" "unsupported option '--fast' for zstd \(supported: -1..-19, --ultra -20..-22, --long\[=10..27\]" out.txt
copts xzlong xz --long
t_run 1 "xz --long is refused" -k "$KVER" -r "$root" -c c-xzlong.conf -g c.img
t_grep "the error names --long for xz" "unsupported option '--long' for xz" out.txt
copts lvl zstd -22
t_run 1 "zstd -22 without --ultra is refused" -k "$KVER" -r "$root" -c c-lvl.conf -g c.img
t_grep "the error gives the range and --ultra" "level -22 is out of range for zstd \(1 to 19; --ultra allows up to 22\)" out.txt
copts gze gzip -9e
t_run 1 "gzip -9e is refused" -k "$KVER" -r "$root" -c c-gze.conf -g c.img
t_grep "the error names -9e for gzip" "unsupported option '-9e' for gzip" out.txt


# Arch's stock linux.preset (mkinitcpio v41), paths changed to this test's files only.
mkdir -p presets out
cat >presets/linux.preset <<EOF
# mkinitcpio preset file for the 'linux' package

#ALL_config="/etc/mkinitcpio.conf"
ALL_kver="$root/boot/vmlinuz-$KVER"
ALL_kerneldest="$root/boot/vmlinuz-linux"
ALL_config="$T_TMP/udev.conf"

PRESETS=('default' 'fallback')

#default_config="/etc/mkinitcpio.conf"
default_image="$T_TMP/out/initramfs-linux.img"
#default_options="--splash /usr/share/systemd/bootctl/splash-arch.bmp"

#fallback_config="/etc/mkinitcpio.conf"
fallback_image="$T_TMP/out/initramfs-linux-fallback.img"
fallback_options="-S autodetect"
EOF
t_run 0 "-p of the stock linux.preset builds" -p linux --presetdir presets -r "$root" \
	--sysfs sysfs --rootfs ext4
t_check "the default image is written" test -s out/initramfs-linux.img
t_check "the fallback image is written" test -s out/initramfs-linux-fallback.img
"$MKINITRAMFS" -l out/initramfs-linux-fallback.img >fb.list
t_grep "the fallback image (-S autodetect) has the generic GPU drivers" '/i915\.ko' fb.list

# A broken preset among several: reported, the others built, exit 1.
sed -e "s|initramfs-linux|initramfs-other|" presets/linux.preset >presets/other.preset
printf 'PRESETS=(default)\ndefault_kver="%s"\ndefault_imag="x.img"\n' "$KVER" >presets/broken.preset
rm -f out/*
t_run 1 "-P with a broken preset fails" -P --presetdir presets -r "$root" --sysfs sysfs \
	--rootfs ext4
t_grep "the broken preset is named" "broken.preset: unknown key 'default_imag'" out.txt
t_grep "the summary counts it" "1 of 3 presets could not be read; the images of the others were built" out.txt
for img in linux linux-fallback other other-fallback; do
	t_check "-P still built initramfs-$img.img" test -s out/initramfs-$img.img
done
rm -f out/*
t_run 0 "-p a -p b builds both presets" -p linux -p other --presetdir presets -r "$root" \
	--sysfs sysfs --rootfs ext4
t_check "-p linux was built" test -s out/initramfs-linux.img
t_check "-p other was built" test -s out/initramfs-other.img


# -R removes a preset's images and their records, and needs -p or -P.
t_check "the record of the linux image exists before -R" test -e out/initramfs-linux.img.inputs
t_run 0 "-R -p linux removes its images" -R -p linux --presetdir presets
t_check "-R removed the default image" test ! -e out/initramfs-linux.img
t_check "-R removed its record" test ! -e out/initramfs-linux.img.inputs
t_check "-R left the other preset's image" test -s out/initramfs-other.img
t_grep "-R says what it removed" "removed '.*/out/initramfs-linux.img'" out.txt
# A preset that names only a UKI: -R removes it and its record (there is no image).
printf 'PRESETS=(default)\ndefault_kver="%s"\ndefault_uki="%s/out/uki-only.efi"\n' "$KVER" "$T_TMP" \
	>presets/uki-only.preset
echo efi >out/uki-only.efi && echo rec >out/uki-only.efi.inputs
t_run 0 "-R -p of a preset with only a UKI succeeds" -R -p uki-only --presetdir presets
t_check "-R removed the UKI and its record" test ! -e out/uki-only.efi -a ! -e out/uki-only.efi.inputs
rm presets/uki-only.preset
t_run 2 "-R without -p or -P is refused" -R -k "$KVER" -g x.img
t_grep "the error says -R needs -p or -P" "-R/--remove removes the images of presets: give -p NAME or -P" out.txt
"$MKINITRAMFS" -q -p linux --presetdir presets -r "$root" --sysfs sysfs --rootfs ext4

# -d DIR: the image's tree in a new directory, with or without -g.
t_run 0 "-d DIR writes the tree" -k "$KVER" -r "$root" -c legacy.conf -d tree
t_check "-d: the init is in the tree" test -x tree/init
t_check "-d: virtio_blk is in the tree" test -f "tree/lib/modules/$KVER/kernel/drivers/block/virtio_blk.ko"
t_check "-d without -g leaves no temporary image" test -z "$(ls -d tree.image-* 2>/dev/null)"
t_run 1 "-d onto an existing directory is refused" -k "$KVER" -r "$root" -c legacy.conf -d tree
t_grep "the error names the directory" "-d: cannot create the directory 'tree': File exists" out.txt
t_run 0 "-d DIR -g IMAGE writes both" -k "$KVER" -r "$root" -c legacy.conf -d tree2 -g tree2.img
t_check "-d -g: the image is written" test -s tree2.img
t_check "-d -g: the tree is written" test -x tree2/init

# mkinitcpio's options that have nothing to do here are accepted.
t_run 0 "-n -t DIR --nopost are accepted" -n -t "$T_TMP/bd" --nopost -k "$KVER" -r "$root" \
	-c legacy.conf -g opts.img
t_run 0 "-s says there is nothing to save" -s -k "$KVER" -r "$root" -c legacy.conf -g opts.img -f
t_grep "-s names -x as the way to see the tree" "-s/--save: nothing to keep.*mkinitramfs -x IMAGE DIR" out.txt
mkdir -p hd && printf 'HELP="a test hook"\nMODULES=(virtio_blk)\n' >hd/mine
cp "$TOP/hooks/build/base" hd/base
printf 'HOOKS=(base mine)\n' >hd.conf
t_run 0 "-D DIR takes hooks from DIR" -D "$T_TMP/hd" -k "$KVER" -r "$root" -c hd.conf -g hd.img
"$MKINITRAMFS" -l hd.img >hd.list
t_grep "-D: the hook from DIR added its module" '/virtio_blk\.ko' hd.list

# The shell hook with a dynamically linked busybox brings its loader and libraries.
dyn=$T_TMP/dynroot
cp -al "$root" "$dyn"
rm -f "$dyn/bin/busybox"
mkdir -p "$dyn/bin" && cp "$root/usr/sbin/e2fsck" "$dyn/bin/busybox" # any dynamic program
printf 'HOOKS=(base shell)\n' >shell.conf
t_run 0 "the shell hook with a dynamic busybox builds" -k "$KVER" -r "$dyn" -c shell.conf -g shell.img
"$MKINITRAMFS" -l shell.img >shell.list
t_grep "the dynamic busybox's loader is in" 'ld-linux-x86-64\.so\.2' shell.list
t_grep "the dynamic busybox's libc is in" '/libc\.so\.6' shell.list

# Boot the stock preset's fallback image (the stock udev HOOKS line, -S autodetect).
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
source "$TOP/tests/boot/lib.sh"
if boot_setup; then
	mk_ext4 "$BW/root.img" 64M -L testroot
	qemu_boot "$BW/mkcpio-fallback.log" out/initramfs-linux-fallback.img \
		"root=LABEL=testroot" -drive "file=$BW/root.img,format=raw,if=virtio"
	t_grep "the stock preset's fallback image boots to the root's init" '^ROOTINIT done' \
		"$BW/mkcpio-fallback.log"
	t_grep "kms: the QEMU VGA's driver (bochs) loaded on match" \
		"initramfs: module 'bochs' loaded for device" "$BW/mkcpio-fallback.log"
	t_grep "... while the IDE's drivers were left to the real root" \
		"initramfs: root found: leaving [0-9]+ device drivers to the real root: .*ata_piix" \
		"$BW/mkcpio-fallback.log"
else
	t_fail "cannot build the test root's init"
fi

t_report
