#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel-install plugin with systemd's kernel-install (Debian 12: systemd 252), on a
# boot loader spec layout in a scratch BOOT_ROOT: `add` builds the initrd into the entry
# directory, 90-loaderentry.install names it in the entry, the pair boots in QEMU;
# `remove` deletes it; another initrd_generator or explicit initrds leave it alone.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/boot/lib.sh"
t_tmpdir
t_fixture
command -v kernel-install >/dev/null ||
	{ t_fail "kernel-install is needed (tests/deps.sh installs systemd)"; exit 1; }

make -C "$TOP" --no-print-directory -s install DESTDIR="$T_TMP/inst" >/dev/null 2>&1
PLUGIN=$T_TMP/inst/usr/lib/kernel/install.d/50-mkinitramfs.install
t_check "plugin installed" test -x "$PLUGIN"
LOADERENTRY=/usr/lib/kernel/install.d/90-loaderentry.install

MID=0123456789abcdef0123456789abcdef
BOOT=$T_TMP/boot
CONF=$T_TMP/kconf
mkdir -p "$BOOT/$MID" "$CONF"
cat >"$CONF/install.conf" <<CONF
layout=bls
initrd_generator=mkinitramfs
CONF
cat >"$T_TMP/mk.conf" <<'CONF'
MODULES=(virtio_pci virtio_blk ext4)
CONF
# The modules from a private copy: the no-op check below spans a boot, during which
# suites running alongside hard-link the shared fixture (t_private_kernel).
t_private_kernel "$T_TMP/kroot" virtio_pci virtio_blk ext4 crc32c_generic crc32c-intel ||
	{ t_fail "cannot make a private copy of the fixture kernel's modules"; exit 1; }
export MKINITRAMFS MKINITRAMFS_OPTIONS="-r $T_TMP/kroot -c $T_TMP/mk.conf"
export KERNEL_INSTALL_CONF_ROOT=$CONF BOOT_ROOT=$BOOT MACHINE_ID=$MID
export KERNEL_INSTALL_PLUGINS="$PLUGIN $LOADERENTRY"
ENTRY=$BOOT/$MID/$KVER

kernel-install --verbose add "$KVER" "$KROOT/boot/vmlinuz-$KVER" >"$T_TMP/add.log" 2>&1
t_check "kernel-install add succeeds" test $? -eq 0 || sed 's/^/    | /' "$T_TMP/add.log"
t_grep "our plugin ran" "50-mkinitramfs.install add $KVER" "$T_TMP/add.log"
t_check "initrd built in the entry directory" test -s "$ENTRY/initrd"
t_check "its inputs are recorded next to it" test -s "$ENTRY/initrd.inputs"
t_check "kernel copied by 90-loaderentry" test -s "$ENTRY/linux"
entry=$(ls "$BOOT"/loader/entries/*.conf 2>/dev/null | head -n1)
t_check "loader entry written" test -n "$entry"
t_grep "loader entry names our initrd" "^initrd +(/.*)?/$MID/$KVER/initrd$" "${entry:-/dev/null}"

boot_setup || { t_fail "cannot build the test root's init"; exit 1; }
mk_ext4 "$BW/disk.img" 32M
VMLINUZ=$ENTRY/linux
qemu_boot "$T_TMP/boot.log" "$ENTRY/initrd" "root=/dev/vda" \
	-drive "file=$BW/disk.img,if=virtio,format=raw"
t_grep "the entry's kernel and initrd boot" '^ROOTINIT done' "$T_TMP/boot.log"

# Unchanged inputs: a second add is a no-op.
cp "$ENTRY/initrd" "$T_TMP/initrd.1"
kernel-install add "$KVER" "$KROOT/boot/vmlinuz-$KVER" >"$T_TMP/add2.log" 2>&1
t_grep "a second add skips the unchanged image" 'is up to date' "$T_TMP/add2.log"
t_check "and leaves it as it was" cmp -s "$T_TMP/initrd.1" "$ENTRY/initrd"

# The plugin alone removes what it made, and only that.
"$PLUGIN" remove "$KVER" "$ENTRY" >"$T_TMP/rm.log" 2>&1
t_check "plugin remove deletes the initrd and its record" \
	test ! -e "$ENTRY/initrd" -a ! -e "$ENTRY/initrd.inputs"
t_check "plugin remove leaves the kernel" test -e "$ENTRY/linux"
"$PLUGIN" add "$KVER" "$ENTRY" "$ENTRY/linux" >/dev/null 2>&1
kernel-install remove "$KVER" >"$T_TMP/remove.log" 2>&1
t_check "kernel-install remove succeeds" test $? -eq 0
t_check "entry directory and loader entry gone" test ! -e "$ENTRY" -a ! -e "${entry:-/x}"

# Another generator chosen, or initrds given explicitly: nothing built.
echo 'initrd_generator=dracut' >>"$CONF/install.conf"
kernel-install add "$KVER" "$KROOT/boot/vmlinuz-$KVER" >/dev/null 2>&1
t_check "initrd_generator=dracut: no initrd from us" test ! -e "$ENTRY/initrd"
sed -i '/dracut/d' "$CONF/install.conf"
echo fake >"$T_TMP/given.img"
KERNEL_INSTALL_PLUGINS=$PLUGIN kernel-install add "$KVER" "$KROOT/boot/vmlinuz-$KVER" \
	"$T_TMP/given.img" >/dev/null 2>&1
t_check "explicit initrds: no initrd from us" test ! -e "$ENTRY/initrd"

# A failing build fails kernel-install, with the reason.
echo 'MODULES+=(no_such_module)' >>"$T_TMP/mk.conf"
kernel-install add "$KVER" "$KROOT/boot/vmlinuz-$KVER" >"$T_TMP/fail.log" 2>&1
t_check "a failing build fails kernel-install add" test $? -ne 0
t_grep "with the reason" "module 'no_such_module' not found" "$T_TMP/fail.log"

# layout=uki: the plugin builds "$KERNEL_INSTALL_STAGING_AREA/uki.efi" with the command
# line of the install configuration. Debian 12's kernel-install (252) passes the layout
# and the staging area but has no 90-uki-copy.install (systemd 253+); a plugin doing
# only that copy stands in for it, so the UKI can be looked at afterwards.
sed -i '/no_such_module/d' "$T_TMP/mk.conf"
printf 'layout=uki\ninitrd_generator=mkinitramfs\n' >"$CONF/install.conf"
echo "root=/dev/vda console=ttyS0 ki.uki=yes" >"$CONF/cmdline"
cat >"$T_TMP/90-uki-copy.install" <<COPY
#!/bin/sh
[ "\$1" = add ] && [ -f "\$KERNEL_INSTALL_STAGING_AREA/uki.efi" ] &&
	cp "\$KERNEL_INSTALL_STAGING_AREA/uki.efi" "$T_TMP/installed-uki.efi"
exit 0
COPY
chmod +x "$T_TMP/90-uki-copy.install"
export KERNEL_INSTALL_PLUGINS="$PLUGIN $T_TMP/90-uki-copy.install"
kernel-install --verbose add "$KVER" "$KROOT/boot/vmlinuz-$KVER" >"$T_TMP/uki.log" 2>&1
t_check "layout=uki: kernel-install add succeeds" test $? -eq 0 ||
	sed 's/^/    | /' "$T_TMP/uki.log" | tail -n 10
t_check "layout=uki: the plugin left uki.efi in the staging area" \
	test -s "$T_TMP/installed-uki.efi"
objdump -h "$T_TMP/installed-uki.efi" >"$T_TMP/uki-sections.txt" 2>&1
has_uki_sections() {
	local s
	for s in .cmdline .uname .linux .initrd; do
		grep -q " \\$s " "$T_TMP/uki-sections.txt" || return 1
	done
}
t_check "layout=uki: it has .cmdline .uname .linux .initrd" has_uki_sections
grep -a -q 'ki.uki=yes' "$T_TMP/installed-uki.efi"
t_check "layout=uki: its command line is the install configuration's" test $? -eq 0
t_check "layout=uki: no initrd in an entry directory" test ! -e "$ENTRY/initrd"
rm -f "$T_TMP/installed-uki.efi"
echo 'uki_generator=ukify' >>"$CONF/install.conf"
KERNEL_INSTALL_UKI_GENERATOR=ukify kernel-install add "$KVER" "$KROOT/boot/vmlinuz-$KVER" \
	>/dev/null 2>&1
t_check "layout=uki, uki_generator=ukify: no UKI from us" \
	test ! -e "$T_TMP/installed-uki.efi"
