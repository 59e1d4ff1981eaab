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
export MKINITRAMFS MKINITRAMFS_OPTIONS="-r $KROOT -c $T_TMP/mk.conf"
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
