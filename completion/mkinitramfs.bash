# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for mkinitramfs(8).

_mkinitramfs_hooks() {
	mkinitramfs -L 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_mkinitramfs() {
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	}
	local opts='-k --kernel -g --generate -c --config -r --moduleroot -z --compress
		--cache --no-cache
		-l --list -x --extract --devices --keep-setid -p --preset -P --allpresets
		--presetdir -f --force
		-A --addhooks -S --skiphooks -L --listhooks -H --hookhelp -M --automods
		--sysfs --rootfs --rootdev -v --verbose -q --quiet -h --help -V --version
		-U --uki --cmdline --no-cmdline --splash --kernelimage --osrelease --uefistub
		--no-ukify -a --analyze --show-config --diff --early --cpio
		-n --nocolor -D --hookdir -t --builddir -s --save --nopost -R --remove
		-d --generatedir --cpuinfo -I --include'

	case $prev in
	-k | --kernel)
		COMPREPLY=($(compgen -W "$(ls /lib/modules 2>/dev/null)" -- "$cur")
			$(compgen -f -- "$cur"))
		return
		;;
	-g | --generate | -c | --config | -l | --list | -x | --extract | -U | --uki | \
		--cmdline | --splash | --kernelimage | --osrelease | --uefistub | -a | \
		--analyze | --show-config | --diff | --cpuinfo | -I | --include)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-r | --moduleroot | --presetdir | --sysfs | -D | --hookdir | -t | --builddir | --cache | \
		-d | --generatedir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	-z | --compress)
		COMPREPLY=($(compgen -W 'zstd gzip xz lz4 none' -- "$cur"))
		return
		;;
	-p | --preset)
		local names=() p
		for p in /etc/mkinitramfs.d/*.preset; do
			[ -e "$p" ] && names+=("$(basename "$p" .preset)")
		done
		COMPREPLY=($(compgen -W "${names[*]}" -- "$cur") $(compgen -f -- "$cur"))
		return
		;;
	-A | --addhooks | -S | --skiphooks | -H | --hookhelp)
		# A comma-separated list: complete the word after the last comma.
		local done_part=
		[[ $cur == *,* ]] && done_part=${cur%,*},
		COMPREPLY=($(compgen -P "$done_part" -W "$(_mkinitramfs_hooks)" -- "${cur##*,}"))
		return
		;;
	--rootfs)
		COMPREPLY=($(compgen -W 'ext4 xfs btrfs f2fs vfat' -- "$cur"))
		return
		;;
	esac
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _mkinitramfs mkinitramfs
