#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The command line as a user meets it: usage errors, messages naming what is wrong, and
# an image of the real Debian kernel that is valid, reproducible and listable.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
cd "$T_TMP"


t_run 0 "--version" -V
t_grep "version names the program" '^mkinitramfs [0-9]+\.[0-9]+' out.txt
t_run 0 "--help" -h
t_grep "help lists --moduleroot" 'moduleroot' out.txt
t_run 2 "unknown option" --frobnicate
t_run 2 "no output given" -k "$KVER" -r "$KROOT"
t_run 2 "stray argument" -g x.img extra

printf 'MODULES=(virtio_blk\n' >broken.conf
t_run 1 "unterminated array" -k "$KVER" -r "$KROOT" -c broken.conf -g bad.img
t_grep "syntax error names file and line" 'broken\.conf:1:[0-9]+: ' out.txt
t_check "no image written on config error" test ! -e bad.img

t_run 1 "missing -c config" -k "$KVER" -r "$KROOT" -c nonexistent.conf -g bad.img
t_grep "missing config is named" "nonexistent\.conf" out.txt

echo 'MODULES=(no_such_module_xyz)' >missing.conf
t_run 1 "missing module" -k "$KVER" -r "$KROOT" -c missing.conf -g bad.img
t_grep "missing module names module and tree" \
	"module 'no_such_module_xyz' not found in '$KROOT/lib/modules/$KVER'" out.txt
t_check "no image written on missing module" test ! -e bad.img

echo 'MODULES=(no_such_module_xyz?)' >optional.conf
t_run 0 "optional missing module is fine" -k "$KVER" -r "$KROOT" -c optional.conf -g opt.img

t_run 1 "unknown kernel version" -k 0.0.0-nope -r "$KROOT" -c optional.conf -g bad.img
t_grep "unknown kernel is named" "kernel '0\.0\.0-nope' not found" out.txt

t_run 1 "kernel path that is not a bzImage" -k ./missing.conf -r "$KROOT" -g bad.img
t_grep "bad kernel image is named" "missing\.conf" out.txt

t_run 1 "unknown compression" -k "$KVER" -r "$KROOT" -c optional.conf -z brotli -g bad.img
t_grep "unknown compression is named" "compression 'brotli'" out.txt

# The real kernel: an image with a closure, read from the bzImage's version string.
cat >virtio.conf <<'CONF'
MODULES=(virtio_pci virtio_blk ext4 "nbd nbds_max=1024")
CONF
t_run 0 "build from the fixture kernel" -k "$KROOT/boot/vmlinuz-$KVER" -r "$KROOT" \
	-c virtio.conf -g a.img
t_run 0 "list the image" -l a.img
cp out.txt a.list
t_grep "list shows /init" ' /init$' a.list
t_grep "list shows /dev/console as a char device" '^c.* /dev/console$' a.list
t_grep "list shows the ext4 module" "/lib/modules/$KVER/.*/ext4\.ko$" a.list
t_grep "list shows crc32c_generic (softdep of ext4)" 'crc32c_generic\.ko$' a.list
t_grep "list shows the plan" ' /etc/mkinitramfs/plan$' a.list
t_check "bsdtar reads the image" bsdtar -tf a.img
t_run 0 "rebuild" -k "$KVER" -r "$KROOT" -c virtio.conf -g b.img
t_check "rebuilds are byte-identical" cmp -s a.img b.img
SOURCE_DATE_EPOCH=1700000000 "$MKINITRAMFS" -q -k "$KVER" -r "$KROOT" -c virtio.conf -g c.img
t_check "another SOURCE_DATE_EPOCH changes the bytes" bash -c '! cmp -s a.img c.img'
"$MKINITRAMFS" -l c.img >c.list
t_check "another SOURCE_DATE_EPOCH keeps the listing" cmp -s a.list c.list

# A failed build keeps the previous image as it was.
cp a.img keep.img
t_run 1 "failing build over an existing image" -k "$KVER" -r "$KROOT" -c missing.conf -g keep.img
t_check "previous image untouched" cmp -s a.img keep.img
t_check "no temporary files left" bash -c '[ -z "$(ls -A | grep tmp)" ]'

# Extraction round trip.
mkdir x
t_run 0 "extract" -x a.img x
t_check "extracted plan equals the listed one" test -s x/etc/mkinitramfs/plan
t_check "extracted init is the built one" cmp -s x/init "$B/init"

# -k none (mkinitcpio's): an image without modules, said, with a plan naming no kernel.
printf 'MODULES=(ext4 no_such_module_xyz)\nHOOKS=(base autodetect block)\n' >none.conf
mkdir -p nosys/devices
t_run 0 "-k none builds an image without modules" -k none -r "$KROOT" -c none.conf \
	--sysfs nosys -g none.img
t_grep "-k none: the build says what is left out" "warning: -k none: the image holds no kernel modules \(MODULES, MODULES_MATCH, the hooks' modules and autodetect are left out\)" out.txt
"$MKINITRAMFS" -l none.img >none.list 2>&1
t_nogrep "-k none: no module in the image" '\.ko|lib/modules' none.list
t_grep "-k none: the init is there" ' /init$' none.list
mkdir -p nonex && "$MKINITRAMFS" -x none.img nonex >/dev/null 2>&1
t_check "-k none: the plan names no kernel and no module" sh -c \
	"printf 'mkinitramfs-plan\t1\nK\t\n' | cmp -s -n 20 - nonex/etc/mkinitramfs/plan && ! grep -q '^M' nonex/etc/mkinitramfs/plan"

# -I SRC[:DEST[:MODE]]: a file of the host, as named, into the image.
printf 'secret\n' >inc.key
chmod 600 inc.key
printf '#!/bin/sh\n' >inc.sh
chmod 755 inc.sh
t_run 0 "-I with a destination and a mode, twice" -k "$KVER" -r "$KROOT" -c optional.conf \
	-I "inc.key:/etc/keys/root.key:0400" -I "$T_TMP/inc.sh" -g inc.img
"$MKINITRAMFS" -l inc.img >inc.list 2>&1
t_grep "-I: the file is at its destination with its mode" '^-r-------- +7 /etc/keys/root\.key$' inc.list
t_grep "-I: without DEST the file keeps its path and mode" "^-rwxr-xr-x +10 $T_TMP/inc\.sh\$" inc.list
mkdir -p incx && "$MKINITRAMFS" -x inc.img incx >/dev/null 2>&1
t_check "-I: the content is the file's" cmp -s inc.key incx/etc/keys/root.key
t_run 1 "-I of a missing file" -k "$KVER" -r "$KROOT" -c optional.conf -I nope.key:/k -g bad.img
t_grep "-I: the missing file is named" "-I 'nope.key:/k': cannot open 'nope.key': No such file or directory" out.txt
t_run 1 "-I of a directory" -k "$KVER" -r "$KROOT" -c optional.conf -I "$T_TMP:/d" -g bad.img
t_grep "-I: a directory is refused" "-I '$T_TMP:/d': '$T_TMP' is not a regular file" out.txt
t_run 1 "-I with a relative destination" -k "$KVER" -r "$KROOT" -c optional.conf -I inc.key:etc/k -g bad.img
t_grep "-I: the relative destination is named" "-I 'inc.key:etc/k': the path in the image 'etc/k' is not absolute" out.txt
t_run 1 "-I of a relative source without a destination" -k "$KVER" -r "$KROOT" -c optional.conf -I inc.key -g bad.img
t_grep "-I: a relative source needs a destination" "-I 'inc.key': the path in the image 'inc.key' is not absolute" out.txt
t_run 1 "-I with a bad mode" -k "$KVER" -r "$KROOT" -c optional.conf -I inc.key:/k:0999 -g bad.img
t_grep "-I: the bad mode is named" "-I 'inc.key:/k:0999': mode '0999' is not an octal mode such as 0644" out.txt
t_run 1 "-I without a source" -k "$KVER" -r "$KROOT" -c optional.conf -I :/k -g bad.img
t_grep "-I: the missing source is said" "-I ':/k': no source file before ':'" out.txt
t_run 1 "-I over an entry the image has" -k "$KVER" -r "$KROOT" -c optional.conf -I inc.key:/init -g bad.img
t_grep "-I: the clash is named" "-I 'inc.key:/init': the image already holds '/init' from elsewhere" out.txt
t_check "no image written after a refused -I" test ! -e bad.img

# Progress lines: on a terminal (script(1) gives one), each step of a build that runs
# past the delay (0 here: from the start, so nothing depends on the machine's speed);
# none with -q, none when stderr is a pipe or a file.
if command -v script >/dev/null; then
	progress() { # OUT ARGS...: the build on a terminal, its output in OUT
		local out=$1
		shift
		MKINITRAMFS_PROGRESS_DELAY_MS=0 script -qec \
			"$(printf '%q ' "$MKINITRAMFS_BIN" -f -k "$KVER" -r "$KROOT" -c optional.conf "$@")" \
			/dev/null </dev/null | tr -d '\r' >"$out"
	}
	progress tty.txt -g prog.img
	for step in "reading the configuration and the module tree" "running the hooks" \
		"adding files and binaries" "resolving and adding the modules" "writing the image \(zstd\)"; do
		t_grep "progress on a terminal: $step" "^mkinitramfs: prog\.img: $step\.\.\.\$" tty.txt
	done
	t_grep "progress on a terminal: then the summary" "^mkinitramfs: wrote 'prog.img'" tty.txt
	progress ttyq.txt -q -g prog.img
	t_nogrep "progress: none with -q on a terminal" 'prog\.img: ' ttyq.txt
	MKINITRAMFS_PROGRESS_DELAY_MS=0 "$MKINITRAMFS_BIN" -f -k "$KVER" -r "$KROOT" -c optional.conf \
		-g prog.img 2>&1 | cat >pipe.txt
	t_nogrep "progress: none when stderr is a pipe" 'prog\.img: ' pipe.txt
	t_grep "progress: the summary still comes through a pipe" "wrote 'prog.img'" pipe.txt
else
	t_fail "script(1) is missing: run make deps (bsdutils)"
fi

# Bad input of the build's own options: each names the thing that is wrong.
printf 'MODULES=(virtio_blk)\nCOMPRESSION_OPTIONS=(--fast)\n' >opts.conf
t_run 1 "unsupported COMPRESSION_OPTIONS" -k "$KVER" -r "$KROOT" -c opts.conf -g bad.img
t_grep "the unsupported compression option is named" \
	"COMPRESSION_OPTIONS: unsupported option '--fast'" out.txt
SOURCE_DATE_EPOCH=yesterday "$MKINITRAMFS" -k "$KVER" -r "$KROOT" -c optional.conf \
	-g bad.img >out.txt 2>&1
t_check "a bad SOURCE_DATE_EPOCH fails the build" test $? -eq 1
t_grep "the bad SOURCE_DATE_EPOCH is named" "SOURCE_DATE_EPOCH='yesterday' is not a number" out.txt
t_run 1 "-M without an autodetect hook" -k "$KVER" -r "$KROOT" -c optional.conf -M
t_grep "-M says autodetect is missing" "no 'autodetect' hook in HOOKS" out.txt
printf 'HOOKS=(base autodetect)\n' >auto.conf
t_run 1 "autodetect without a sysfs tree" -k "$KVER" -r "$KROOT" -c auto.conf \
	--sysfs "$T_TMP/nosysfs" --rootfs ext4 -g bad.img
t_grep "the missing sysfs tree is named" "autodetect: cannot read '$T_TMP/nosysfs/devices'" out.txt
mkdir -p nopresets
t_run 1 "-P with no presets" -P --presetdir "$T_TMP/nopresets"
t_grep "-P names the empty preset directory" "no presets in '$T_TMP/nopresets'" out.txt
t_run 1 "-P with a missing preset directory" -P --presetdir "$T_TMP/missing-presets"
t_grep "-P names the missing preset directory" \
	"cannot read the preset directory '$T_TMP/missing-presets'" out.txt
t_run 2 "-x with two directories" -x a.img one two
t_grep "the stray argument is named" "unexpected argument 'two'" out.txt
t_check "no image written by any of these" test ! -e bad.img
