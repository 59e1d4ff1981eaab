#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DKMS and the Debian kernel hooks, with Debian's dkms and run-parts:
#  - dkms adds, builds (against the fixture kernel's linux-headers, cached under build/)
#    and installs tests/dkms, an nbd stand-in, into updates/dkms of a copy of the tree;
#  - the DKMS build wins over the in-tree nbd: for modprobe, in the image, at boot, where
#    it is loaded with the nbds_max given in MODULES;
#  - /etc/kernel/postinst.d/zz-mkinitramfs runs after dkms' hook and builds
#    /boot/initrd.img-KVER; postrm.d/zz-mkinitramfs deletes it.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/boot/lib.sh"
t_tmpdir
t_fixture
for tool in dkms make gcc run-parts; do
	command -v "$tool" >/dev/null || { t_fail "'$tool' is needed (tests/deps.sh)"; exit 1; }
done
H=$("$TOP/tests/dkms/headers.sh" "$KVER") || { t_fail "cannot fetch the kernel headers"; exit 1; }

# A copy of the fixture's module tree to install into (hard links would change the
# fixture files' ctimes, which other images record as inputs; symbolic links to the
# fixture are, under -r, looked up inside the root, where they lead nowhere).
R=$T_TMP/root
mkdir -p "$R/lib/modules" "$R/boot"
cp -a "$KROOT/lib/modules/$KVER" "$R/lib/modules/"
cp "$KROOT/boot/vmlinuz-$KVER" "$R/boot/"

NAME=mkinitramfs-test-nbd
mkdir -p "$T_TMP/src/$NAME-1.0" "$T_TMP/dkms"
cp "$TOP"/tests/dkms/{dkms.conf,Makefile,nbd.c} "$T_TMP/src/$NAME-1.0/"
O=(--dkmstree "$T_TMP/dkms" --sourcetree "$T_TMP/src" --installtree "$R/lib/modules")
dk() {
	local what=$1
	shift
	dkms "$what" -m "$NAME" -v 1.0 "${O[@]}" "$@" >"$T_TMP/dkms-$what.log" 2>&1
	t_check "dkms $what" test $? -eq 0 || sed 's/^/    | /' "$T_TMP/dkms-$what.log"
}
start=$(date +%s%N)
dk add
dk build -k "$KVER" --kernelsourcedir "$H"
dk install -k "$KVER" --kernelsourcedir "$H" --no-depmod
echo "# dkms add+build+install: $((($(date +%s%N) - start) / 1000000)) ms"
t_check "dkms installed into updates/dkms" test -f "$R/lib/modules/$KVER/updates/dkms/nbd.ko"
t_check "the in-tree nbd is still there" test -f "$R/lib/modules/$KVER/kernel/drivers/block/nbd.ko"
depmod -b "$R" "$KVER"
t_check "modprobe resolves nbd to the DKMS build" \
	test "$(modinfo -b "$R" -k "$KVER" -n nbd)" = "$R/lib/modules/$KVER/updates/dkms/nbd.ko"

# ---- Debian's kernel hooks --------------------------------------------------------------
E=$T_TMP/etc
make -C "$TOP" --no-print-directory -s install DESTDIR="$T_TMP/inst" >/dev/null 2>&1
mkdir -p "$E/kernel"
cp -r "$T_TMP/inst/etc/kernel/postinst.d" "$T_TMP/inst/etc/kernel/postrm.d" "$E/kernel/"
# The order run-parts gives with the hooks the system has (dkms' own among them).
mkdir -p "$T_TMP/order"
cp /etc/kernel/postinst.d/* "$T_TMP/order/" 2>/dev/null
touch "$T_TMP/order/zz-update-grub" "$T_TMP/order/zz-systemd-boot"
cp "$E/kernel/postinst.d/zz-mkinitramfs" "$T_TMP/order/"
chmod +x "$T_TMP/order"/*
run-parts --test "$T_TMP/order" | sed 's|.*/||' >"$T_TMP/order.txt"
t_check "postinst.d: dkms' hook is there to order against" grep -qx dkms "$T_TMP/order.txt"
t_check "postinst.d: zz-mkinitramfs runs after dkms, before the boot loader hooks" \
	awk '$0 == "dkms" { d = NR } $0 == "zz-mkinitramfs" { m = NR }
	     $0 == "zz-systemd-boot" { s = NR } $0 == "zz-update-grub" { g = NR }
	     END { exit !(d && m && d < m && m < s && m < g) }' "$T_TMP/order.txt"

cat >"$T_TMP/mk.conf" <<'CONF'
MODULES=(virtio_pci virtio_blk ext4 "nbd nbds_max=77")
CONF
export MKINITRAMFS MKINITRAMFS_OPTIONS="-r $R -c $T_TMP/mk.conf"
run-parts --report --arg="$KVER" --arg="$R/boot/vmlinuz-$KVER" "$E/kernel/postinst.d" \
	>"$T_TMP/postinst.log" 2>&1
t_check "postinst.d hooks succeed" test $? -eq 0 || sed 's/^/    | /' "$T_TMP/postinst.log"
INITRD=$R/boot/initrd.img-$KVER
t_check "postinst.d built /boot/initrd.img-KVER next to the kernel" test -s "$INITRD"
"$MKINITRAMFS" -l "$INITRD" >"$T_TMP/list" 2>&1
t_grep "the image holds the DKMS nbd" "lib/modules/$KVER/updates/dkms/nbd\.ko$" "$T_TMP/list"
t_nogrep "the image does not hold the in-tree nbd" 'kernel/drivers/block/nbd\.ko' "$T_TMP/list"

boot_setup || { t_fail "cannot build the test root's init"; exit 1; }
mk_ext4 "$BW/disk.img" 32M
VMLINUZ=$R/boot/vmlinuz-$KVER
qemu_boot "$T_TMP/boot.log" "$INITRD" "root=/dev/vda" \
	-drive "file=$BW/disk.img,if=virtio,format=raw"
t_grep "boots" '^ROOTINIT done' "$T_TMP/boot.log"
t_grep "the DKMS nbd is the one loaded, with its parameter" \
	'mkinitramfs-dkms-test: nbd stand-in loaded, nbds_max=77 origin=dkms' "$T_TMP/boot.log"
t_grep "the root sees nbds_max=77 under /sys/module/nbd/parameters" '^ROOTINIT nbds_max=77' \
	"$T_TMP/boot.log"

run-parts --report --arg="$KVER" --arg="$R/boot/vmlinuz-$KVER" "$E/kernel/postrm.d" \
	>"$T_TMP/postrm.log" 2>&1
t_check "postrm.d hooks succeed" test $? -eq 0
t_check "postrm.d deleted the initrd and its inputs record" \
	test ! -e "$INITRD" -a ! -e "$INITRD.inputs"
# A failing build fails the hook (dpkg then reports the kernel package as not configured),
# with the reason, and leaves the previous image.
echo old >"$R/boot/initrd.img-$KVER"
echo 'MODULES+=(no_such_module)' >>"$T_TMP/mk.conf"
run-parts --report --arg="$KVER" --arg="$R/boot/vmlinuz-$KVER" "$E/kernel/postinst.d" \
	>"$T_TMP/fail.log" 2>&1
t_check "postinst.d: a failing build fails run-parts" test $? -ne 0
t_grep "postinst.d: with the reason" "module 'no_such_module' not found" "$T_TMP/fail.log"
t_check "postinst.d: the previous image stays" test "$(cat "$R/boot/initrd.img-$KVER")" = old
rm -f "$R/boot/initrd.img-$KVER"
sed -i '$d' "$T_TMP/mk.conf" # a build would succeed again: only INITRD=No stops it
INITRD=No run-parts --arg="$KVER" --arg="$R/boot/vmlinuz-$KVER" "$E/kernel/postinst.d" \
	>/dev/null 2>&1
t_check "INITRD=No from the kernel package: no image" test ! -e "$R/boot/initrd.img-$KVER"
