# SPDX-License-Identifier: GPL-2.0-or-later
# A throwaway system root to chroot into (pacman runs its hooks chrooted; Debian's kernel
# hooks run on the installed system): merged /usr, busybox for the shell tools, kmod for
# depmod, and mkinitramfs installed with `make install DESTDIR=`, with the shared
# libraries of the programs copied in. Source after tests/lib.sh. (Not a test: .bash.)

# root_copy_elf ROOT PROGRAM: the program and every library ldd names.
root_copy_elf() {
	local root=$1 prog=$2 lib
	mkdir -p "$root$(dirname "$prog")"
	cp -L "$prog" "$root$prog"
	for lib in $(ldd "$prog" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# root_make ROOT: the root, with mkinitramfs installed in it.
root_make() {
	root_base "$1" || return 1
	make -C "$TOP" --no-print-directory -s install DESTDIR="$1" >/dev/null || return 1
	root_copy_elf_from "$1" "$1/usr/bin/mkinitramfs"
}

# root_base ROOT: the root without mkinitramfs (the package suites install their own).
root_base() {
	local root=$1
	mkdir -p "$root"/usr/{bin,lib,lib64} "$root"/{etc,boot,var/lib,tmp,dev,run}
	ln -s usr/bin "$root/bin"
	ln -s usr/bin "$root/sbin"
	ln -s bin "$root/usr/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	cp /bin/busybox "$root/usr/bin/busybox"
	chroot "$root" /usr/bin/busybox --install -s /usr/bin || return 1
	root_copy_elf "$root" /usr/bin/kmod
	# The kmod package's library too (Debian's libkmod2, part of Arch's kmod): the
	# generator opens libkmod.so.2 with dlopen, so no ldd of it names the library.
	root_copy_elf "$root" "$(ldconfig -p | awk '/^\tlibkmod\.so\.2 .*x86-64/ { print $NF; exit }')"
	ln -sf kmod "$root/usr/bin/depmod"
	ln -sf kmod "$root/usr/bin/modprobe"
}

# The installed binary's libraries (its own path is inside the root already).
root_copy_elf_from() {
	local root=$1 prog=$2 lib
	for lib in $(ldd "$prog" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# root_depmod_hook ROOT: a depmod hook as Arch's kmod package has it, after module
# changes and before mkinitramfs's (90).
root_depmod_hook() {
	local root=$1
	mkdir -p "$root/usr/share/libalpm/hooks" "$root/usr/share/libalpm/scripts"
	cat >"$root/usr/share/libalpm/hooks/60-depmod.hook" <<'HOOK'
[Trigger]
Type = Path
Operation = Install
Operation = Upgrade
Operation = Remove
Target = usr/lib/modules/*
[Action]
Description = Updating module dependencies...
When = PostTransaction
Exec = /usr/share/libalpm/scripts/depmod
NeedsTargets
HOOK
	cat >"$root/usr/share/libalpm/scripts/depmod" <<'SCRIPT'
#!/bin/sh
# Run depmod once for every kernel whose module tree changed.
sed -n 's|^usr/lib/modules/\([^/]*\)/.*|\1|p' | sort -u | while read -r kver; do
	[ -d "/usr/lib/modules/$kver/kernel" ] && depmod "$kver" && echo "depmod $kver"
done
exit 0
SCRIPT
	chmod +x "$root/usr/share/libalpm/scripts/depmod"
}

# root_pkg OUTDIR NAME VERSION DIR [PKGINFO-LINES]: a pacman package of DIR's usr/ tree,
# made with bsdtar; prints its path.
root_pkg() {
	local out=$1 name=$2 ver=$3 dir=$4 extra=${5:-}
	{
		printf 'pkgname = %s\npkgbase = %s\npkgver = %s\n' "$name" "$name" "$ver"
		printf 'pkgdesc = mkinitramfs test package\nurl = https://example.invalid/\n'
		printf 'builddate = 0\npackager = mkinitramfs tests\nsize = %s\n' "$(du -sb "$dir/usr" | cut -f1)"
		printf 'arch = x86_64\nlicense = GPL2\n'
		[ -n "$extra" ] && printf '%s\n' "$extra"
	} >"$dir/.PKGINFO"
	(cd "$dir" && bsdtar --zstd -cf "$out/$name-$ver-x86_64.pkg.tar.zst" .PKGINFO usr)
	echo "$out/$name-$ver-x86_64.pkg.tar.zst"
}
