#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Unified kernel images: -U builds one from the systemd stub, the fixture kernel and the
# image; its sections are where the PE format and systemd-stub want them (objdump -h),
# the same inputs give the same bytes, a preset's default_uki builds it, every bad input
# gives one line and no file, and the UKI boots under OVMF (QEMU TCG) from an ESP's
# \EFI\BOOT\BOOTX64.EFI to the root's init with its embedded command line.
source "$(dirname "$0")/../lib.sh"
t_tmpdir
t_fixture
source "$TOP/tests/boot/lib.sh"
boot_setup || { t_fail "cannot build the test root's init"; exit 1; }
cd "$T_TMP"

STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
for f in "$STUB" "$OVMF_CODE" "$OVMF_VARS"; do
	[ -f "$f" ] || { t_fail "'$f' is missing: run tests/deps.sh"; exit 1; }
done

printf 'MODULES=(virtio_pci virtio_blk ext4)\nCOMPRESSION=zstd\n' >uki.conf
MARK="uki.marker=embedded-$$"
printf 'root=LABEL=testroot console=ttyS0\npanic=-1 %s\n' "$MARK" >cmdline
printf 'NAME="UKI test"\nID=ukitest\nVERSION_ID=1\n' >os-release
# A 1x1 24-bit BMP.
printf 'BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\x18\0\0\0\0\0\x04\0\0\0\x13\x0b\0\0\x13\x0b\0\0\0\0\0\0\0\0\0\0\xff\0\0\0' >splash.bmp
GEN=(-k "$KVER" -r "$KROOT" -c uki.conf)
UKI_IN=(--cmdline cmdline --osrelease os-release --uefistub "$STUB")

t_run 0 "-g and -U build an image and a UKI" "${GEN[@]}" -g img -U uki.efi "${UKI_IN[@]}"
t_grep "the UKI is reported" "wrote UKI 'uki.efi'" out.txt

# ---- the sections -----------------------------------------------------------------
objdump -h uki.efi >sections.txt 2>&1
objdump -p uki.efi >headers.txt 2>&1
t_check "objdump reads the UKI as a PE image" grep -q 'file format pei-x86-64' sections.txt
names=$(awk '$1 ~ /^[0-9]+$/ {print $2}' sections.txt | tr '\n' ' ')
t_check "sections after the stub's: .osrel .cmdline .uname .linux .initrd, in order" \
	grep -q '\.sdmagic \.osrel \.cmdline \.uname \.linux \.initrd $' <<<"$names"
salign=$((0x$(awk '$1 == "SectionAlignment" {print $2}' headers.txt)))
falign=$((0x$(awk '$1 == "FileAlignment" {print $2}' headers.txt)))
# name size vma fileoff, one line per section, in hex without 0x
awk '$1 ~ /^[0-9]+$/ {print $2, $3, $4, $6}' sections.txt >table.txt
layout_ok() {
	local name size vma off pv=0 pf=0 bad=0 new=0
	while read -r name size vma off; do
		size=$((0x$size)) vma=$((0x$vma)) off=$((0x$off))
		[ $vma -ge $pv ] || { echo "    | $name overlaps in memory"; bad=1; }
		[ $off -ge $pf ] || { echo "    | $name overlaps in the file"; bad=1; }
		case $name in .osrel | .cmdline | .uname | .splash | .linux | .initrd)
			new=$((new + 1))
			[ $((vma % salign)) = 0 ] || { echo "    | $name VMA unaligned"; bad=1; }
			[ $((off % falign)) = 0 ] || { echo "    | $name offset unaligned"; bad=1; }
			;;
		esac
		pv=$((vma + size)) pf=$((off + size))
	done <table.txt
	[ $bad = 0 ] && [ $new -ge 5 ]
}
t_check "new sections aligned (SectionAlignment $salign, FileAlignment $falign), none overlapping" layout_ok
size_of_image=$((0x$(awk '$1 == "SizeOfImage" {print $2}' headers.txt)))
read -r _ lsize lvma _ < <(tail -n 1 table.txt)
last_end=$((0x$lvma + 0x$lsize))
t_check "SizeOfImage ($size_of_image) covers the last section ($last_end)" \
	test "$size_of_image" -ge "$last_end" -a $((size_of_image % salign)) = 0
section() { # NAME FILE: a section's bytes
	local size off
	read -r _ size _ off < <(grep "^$1 " table.txt)
	tail -c +$((0x$off + 1)) uki.efi | head -c $((0x$size)) >"$2"
}
section .initrd s.initrd
t_check ".initrd holds the image as written, byte for byte" cmp -s s.initrd img
section .linux s.linux
t_check ".linux holds the kernel" cmp -s s.linux "$KROOT/boot/vmlinuz-$KVER"
section .uname s.uname
t_check ".uname is the kernel release" test "$(cat s.uname)" = "$KVER"
section .cmdline s.cmdline
t_check ".cmdline is the file's lines joined, no trailing newline" \
	test "$(cat s.cmdline)" = "root=LABEL=testroot console=ttyS0 panic=-1 $MARK"
section .osrel s.osrel
t_check ".osrel is the os-release given" cmp -s s.osrel os-release

t_run 0 "a second build of the same inputs" "${GEN[@]}" -f -g img2 -U uki2.efi "${UKI_IN[@]}"
t_check "two builds give identical UKI bytes" cmp uki.efi uki2.efi

t_run 0 "the same UKI again" "${GEN[@]}" -f -g img -U uki.efi "${UKI_IN[@]}"
t_grep "an unchanged UKI is not rewritten" "UKI 'uki.efi' is up to date: same bytes" out.txt
t_check "and keeps its bytes" cmp -s uki.efi uki2.efi

t_run 0 "--splash and --no-cmdline" "${GEN[@]}" -U splash.efi "${UKI_IN[@]}" --no-cmdline \
	--splash splash.bmp --no-ukify
objdump -h splash.efi >splash.txt 2>&1
t_check "--splash adds .splash" grep -q ' \.splash ' splash.txt
t_check "--no-cmdline leaves .cmdline out" bash -c '! grep -q " \.cmdline " splash.txt'
t_check "-U alone leaves no image or scratch file behind" \
	test -z "$(ls -A | grep -E '^\.' || true)"

# ---- -a and --diff read UKIs ------------------------------------------------------
"$MKINITRAMFS" -a uki.efi >a.txt 2>&1
t_grep "-a on a UKI: its release" "^UKI release: +$KVER\$" a.txt
t_grep "-a on a UKI: its command line" "^UKI cmdline: +root=LABEL=testroot .*$MARK\$" a.txt
t_grep "-a on a UKI: the image inside is analysed" '^Generator: +mkinitramfs ' a.txt
"$MKINITRAMFS" --diff uki.efi splash.efi >d.txt 2>&1
t_grep "--diff of two UKIs: the command line dropped" "^~ cmdline 'root=LABEL=testroot .*' -> ''\$" d.txt
t_grep "--diff of two UKIs: same image inside" '^# modules: 0 added, 0 removed, 0 changed; files: 0 added' d.txt
"$MKINITRAMFS" -a "$STUB" >stub.txt 2>&1
t_check "-a on a bare stub: exit 1" test $? = 1
t_grep "-a on a bare stub: says it is no initramfs" "cannot analyse image '$STUB'" stub.txt

# ---- a preset ---------------------------------------------------------------------
mkdir -p esp
cat >uki.preset <<EOF
ALL_kver="$KROOT/boot/vmlinuz-$KVER"
ALL_config="$T_TMP/uki.conf"
ALL_cmdline="$T_TMP/cmdline"
PRESETS=(default old)
default_uki="$T_TMP/esp/linux.efi"
old_efi_image="$T_TMP/esp/old.efi"
EOF
"$MKINITRAMFS" -p "$T_TMP/uki.preset" -r "$KROOT" >preset.txt 2>&1
t_check "a preset with only default_uki builds (exit 0)" test $? = 0
t_check "the preset's UKI is written" test -s esp/linux.efi
t_check "the deprecated <p>_efi_image builds a UKI too" test -s esp/old.efi
t_grep "<p>_efi_image warns that it is deprecated" "'old_efi_image' is deprecated, use 'old_uki'" preset.txt
t_check "only the UKIs: no image and no scratch file in the ESP" \
	test "$(ls -A esp | tr '\n' ' ')" = "linux.efi old.efi "
objdump -h esp/linux.efi >psec.txt 2>&1
t_check "the preset's UKI has the preset's command line (ALL_cmdline)" \
	grep -q ' \.cmdline ' psec.txt

# ---- bad input: one line each, nothing written ------------------------------------
bad() { # NAME MESSAGE ARGS...
	local name=$1 msg=$2
	shift 2
	rm -f bad.efi
	"$MKINITRAMFS" "${GEN[@]}" -U bad.efi "$@" >out.txt 2>&1
	local rc=$?
	if [ $rc = 1 ] && grep -Fq -- "$msg" out.txt && [ "$(grep -c . out.txt)" -le 2 ] &&
		[ ! -e bad.efi ] && [ -z "$(ls -A | grep -E '^\.' || true)" ]; then
		t_pass "$name: exit 1, '$msg', nothing written"
	else
		t_fail "$name: exit $rc, wanted 1 and '$msg' with no file"
		sed 's/^/    | /' out.txt | head -n 5
	fi
}
bad "missing stub" "EFI stub '$T_TMP/nostub' not found" --cmdline cmdline \
	--uefistub "$T_TMP/nostub"
bad "stub not a PE" "EFI stub 'cmdline' is not a PE image" --cmdline cmdline \
	--uefistub cmdline
bad "a UKI given as the stub" "EFI stub 'uki.efi' already has UKI sections" \
	--cmdline cmdline --uefistub uki.efi
bad "kernel missing" "kernel image '$T_TMP/novmlinuz' not found" --cmdline cmdline \
	--uefistub "$STUB" --kernelimage "$T_TMP/novmlinuz"
bad "kernel not a bzImage" "kernel image 'cmdline' is not an EFI-bootable bzImage" \
	--cmdline cmdline --uefistub "$STUB" --kernelimage cmdline
bad "cmdline unreadable" "cannot read the kernel command line '$T_TMP/nocmdline'" \
	--cmdline "$T_TMP/nocmdline" --uefistub "$STUB"
bad "no default cmdline for another root" \
	"no kernel command line: '$KROOT/etc/kernel/cmdline' does not exist" --uefistub "$STUB"
bad "splash not a BMP" "splash image 'cmdline' is not a BMP file" --cmdline cmdline \
	--uefistub "$STUB" --splash cmdline
bad "os-release missing" "cannot read os-release '$T_TMP/noos'" --cmdline cmdline \
	--uefistub "$STUB" --osrelease "$T_TMP/noos"
"$MKINITRAMFS" "${GEN[@]}" -g first.img -U uki.efi --cmdline cmdline \
	--uefistub "$T_TMP/nostub" >out.txt 2>&1
t_check "-g and -U with a bad UKI input: exit 1" test $? = 1
t_check "... and no image is written either: inputs are checked first" test ! -e first.img
"$MKINITRAMFS" "${GEN[@]}" -U "$T_TMP/nodir/x.efi" "${UKI_IN[@]}" >out.txt 2>&1
t_check "UKI in a missing directory: exit 1" test $? = 1
t_grep "UKI in a missing directory: named" "cannot write UKI '$T_TMP/nodir/x.efi'" out.txt

# ---- boot it under OVMF -------------------------------------------------------------
mk_ext4 "$BW/root.img" 64M -L testroot
truncate -s 40M esp.img
mkfs.vfat -n ESP esp.img >/dev/null
mmd -i esp.img ::/EFI ::/EFI/BOOT
mcopy -i esp.img uki.efi ::/EFI/BOOT/BOOTX64.EFI
cp "$OVMF_VARS" vars.fd
BOOT_TIMEOUT=$((BOOT_TIMEOUT * 3))
timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nographic \
	-no-reboot -drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE" \
	-drive if=pflash,format=raw,file=vars.fd \
	-drive file=esp.img,format=raw,if=virtio \
	-drive file="$BW/root.img",format=raw,if=virtio </dev/null >"$BW/uki-ovmf.log" 2>&1
echo "qemu exit $?" >>"$BW/uki-ovmf.log"
keep_log "$BW/uki-ovmf.log"
t_grep "OVMF boots the UKI to the root's init" '^ROOTINIT done' "$BW/uki-ovmf.log"
t_grep "the kernel ran with the UKI's embedded command line" \
	"^ROOTINIT cmdline=.*$MARK" "$BW/uki-ovmf.log"
t_report
