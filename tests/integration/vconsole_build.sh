#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The keymap, consolefont and sd-vconsole hooks at build time: vconsole.conf of the
# build root, the keymap converted by the real loadkeys (kbd) and checked against what
# `loadkeys -b` makes of it here, the PSF font decompressed, the plan's V record; a
# hook's own KEYMAP=; and every bad input: a keymap or font not found, a keymap
# loadkeys refuses, a font that is no PSF, no loadkeys, no KEYMAP in vconsole.conf.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
cd "$T_TMP"
root=$T_TMP/root
cp -al "$KROOT" "$root"
t_console_root "$root"
printf 'KEYMAP=de-latin1\nFONT="lat9w-14"\nFONT_MAP=8859-1\n' >"$root/etc/vconsole.conf"
printf 'HOOKS=(base keymap consolefont)\n' >both.conf

gen() { # NAME CONF [ENV...]: build NAME.img, messages in NAME.err, status in NAME.rc
	local name=$1 conf=$2
	shift 2
	env "$@" "$MKINITRAMFS" -k "$KVER" -r "$root" -c "$conf" -g "$name.img" >"$name.err" 2>&1
	echo $? >"$name.rc"
}
rc() { cat "$1.rc"; }

gen both both.conf
t_check "keymap and consolefont build" test "$(rc both)" = 0
t_grep "FONT_MAP is named as not loaded" \
	"warning: FONT_MAP='8859-1' in '$root/etc/vconsole.conf' is not loaded by the initramfs .*, ignoring" both.err
mkdir both && "$MKINITRAMFS" -x both.img both
t_check "the keymap is what 'loadkeys -b' makes of de-latin1" \
	cmp -s both/etc/mkinitramfs/keymap.bin <(loadkeys -q -b -u "$KM")
t_check "the font is lat9w-14, decompressed" cmp -s both/etc/mkinitramfs/font.psf <(zcat "$FONT")
t_check "the helper is in the image" test -x both/lib/mkinitramfs/vconsole
t_grep "the plan's V record names the helper, the keymap and the font" \
	$'^V\t/lib/mkinitramfs/vconsole\t/etc/mkinitramfs/keymap.bin\tde-latin1\t/etc/mkinitramfs/font.psf\tlat9w-14$' \
	both/etc/mkinitramfs/plan

printf 'HOOKS=(base sd-vconsole)\n' >sd.conf
gen sd sd.conf
mkdir sd && "$MKINITRAMFS" -x sd.img sd
t_check "sd-vconsole adds the keymap and the font too" \
	cmp -s both/etc/mkinitramfs/plan sd/etc/mkinitramfs/plan

# A hook of the user's own naming a keymap; no font: '-' in the record.
mkdir hooks && printf 'KEYMAP=fr-latin1\n' >hooks/frkeys
printf 'HOOKS=(base frkeys)\n' >fr.conf
gen fr fr.conf MKINITRAMFS_HOOKS_DIR="$T_TMP/hooks"
mkdir fr && "$MKINITRAMFS" -x fr.img fr
t_grep "a hook's KEYMAP= wins over vconsole.conf" \
	$'^V\t/lib/mkinitramfs/vconsole\t/etc/mkinitramfs/keymap.bin\tfr-latin1\t-\t-$' fr/etc/mkinitramfs/plan
t_check "no font without consolefont" test ! -e fr/etc/mkinitramfs/font.psf

# No KEYMAP in vconsole.conf: a warning, and nothing to load.
printf 'FONT=lat9w-14\n' >"$root/etc/vconsole.conf"
printf 'HOOKS=(base keymap)\n' >km.conf
gen nokm km.conf
t_check "no KEYMAP is no error" test "$(rc nokm)" = 0
t_grep "no KEYMAP is named" "warning: no KEYMAP in '$root/etc/vconsole.conf': the kernel's own US keymap stays, ignoring" nokm.err
"$MKINITRAMFS" -l nokm.img >nokm.list
t_nogrep "no KEYMAP: no helper in the image" 'vconsole$' nokm.list

# Bad inputs: each a clear one-line error naming what is wrong.
printf 'KEYMAP=xx-nosuch\n' >"$root/etc/vconsole.conf"
gen nosuch km.conf
t_check "a missing keymap fails the build" test "$(rc nosuch)" = 1
t_grep "a missing keymap is named with where it was looked for" \
	"error: keymap 'xx-nosuch' \(KEYMAP in /etc/vconsole.conf\) not found in '$root/usr/share/kbd/keymaps', .*'$root/usr/share/keymaps'" nosuch.err
printf 'KEYMAP=de-latin1\nKEYMAP_TOGGLE=xx-toggle\n' >"$root/etc/vconsole.conf"
gen notoggle km.conf
t_grep "a missing KEYMAP_TOGGLE is named" "error: keymap 'xx-toggle' \(KEYMAP_TOGGLE\) not found" notoggle.err
printf 'FONT=nofont\n' >"$root/etc/vconsole.conf"
printf 'HOOKS=(base consolefont)\n' >font.conf
gen nofont font.conf
t_check "a missing font fails the build" test "$(rc nofont)" = 1
t_grep "a missing font is named" "error: console font 'nofont' \(FONT in /etc/vconsole.conf\) not found in '$root/usr/share/kbd/consolefonts'" nofont.err
printf 'not a font at all' | gzip >"$root/usr/share/consolefonts/junk.psf.gz"
printf 'FONT=junk\n' >"$root/etc/vconsole.conf"
gen junk font.conf
t_grep "a font that is no PSF is refused" \
	"error: console font 'junk' \('$root/usr/share/consolefonts/junk.psf.gz'\) cannot be used: it is not a PSF1 or PSF2 font" junk.err
mkdir -p "$root/usr/share/keymaps/i386/qwerty"
printf 'keycode 30 = nosuchkeysym\n' >"$root/usr/share/keymaps/i386/qwerty/broken.kmap"
printf 'KEYMAP=broken\n' >"$root/etc/vconsole.conf"
gen broken km.conf
t_check "a keymap loadkeys refuses fails the build" test "$(rc broken)" = 1
t_grep "loadkeys's own reason is shown" \
	"error: keymap 'broken': 'loadkeys -b' refused '$root/usr/share/keymaps/i386/qwerty/broken.kmap': .*nosuchkeysym" broken.err
printf "KEYMAP='de latin1'\n" >"$root/etc/vconsole.conf"
gen space km.conf
t_grep "a keymap name with a space is refused" "error: keymap name 'de latin1' has a character no keymap name has" space.err
printf 'KEYMAP=de-latin1\n' >"$root/etc/vconsole.conf"
gen noloadkeys km.conf PATH=/nonexistent
t_check "no loadkeys fails the build" test "$(rc noloadkeys)" = 1
t_grep "no loadkeys is named with its package" \
	"error: keymap 'de-latin1': 'loadkeys' \(package kbd\) is not installed on this machine" noloadkeys.err
for n in nosuch notoggle nofont junk broken space noloadkeys; do
	t_check "$n: exactly one error line" test "$(grep -c 'error:' "$n.err")" -eq 1
done
