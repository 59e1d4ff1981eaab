# SPDX-License-Identifier: GPL-2.0-or-later
# Boot test helpers: disk images without loop devices, initramfs images (from the
# generator, or hand-made for development and for the busybox baseline), QEMU runs.
# Source after tests/lib.sh and t_fixture.

BOOT_TIMEOUT=${BOOT_TIMEOUT:-90}
# mkinitramfs: the real generator (the default, and what `make test` checks).
# hand: a plan written here in shell and packed with cpio, to develop the init alone.
BOOT_IMAGER=${BOOT_IMAGER:-mkinitramfs}
VMLINUZ=${VMLINUZ:-}

boot_setup() {
	BW=$T_TMP
	VMLINUZ=${VMLINUZ:-$KROOT/boot/vmlinuz-$KVER}
	KMOD=$KROOT/lib/modules/$KVER
	musl-gcc -static -Os -o "$BW/rootinit" "$TOP/tests/boot/rootinit.c" || return 1
	mkdir -p "$BW/rootfs"/{sbin,bin,proc,sys,dev,run,tmp,etc}
	cp "$BW/rootinit" "$BW/rootfs/sbin/init"
	cp "$BW/rootinit" "$BW/rootfs/bin/alt-init"
	echo "boot test root" >"$BW/rootfs/etc/motd"
}

# The generator is usable: it exists and answers --help or -h.
boot_have_generator() {
	[ -x "$MKINITRAMFS" ]
}

# ---- disk images --------------------------------------------------------------------

# mk_ext4 FILE SIZE [mkfs options...]
mk_ext4() {
	local f=$1 size=$2
	shift 2
	rm -f "$f"
	truncate -s "$size" "$f"
	mkfs.ext4 -q -F -d "$BW/rootfs" "$@" "$f" >/dev/null
}

# mk_xfs FILE [mkfs options...]: mkfs.xfs fills it from a protofile (300 MiB minimum).
mk_xfs() {
	local f=$1 proto=$BW/xfs.proto
	shift
	{
		echo "/dummy"
		echo "0 0"
		echo "d--755 0 0"
		proto_dir "$BW/rootfs" "  "
		echo "\$"
	} >"$proto"
	rm -f "$f"
	truncate -s 300M "$f"
	mkfs.xfs -q -f -p "$proto" "$@" "$f" >/dev/null
}

proto_dir() {
	local dir=$1 ind=$2 e name
	for e in "$dir"/*; do
		[ -e "$e" ] || continue
		name=${e##*/}
		if [ -d "$e" ]; then
			echo "${ind}$name d--755 0 0"
			proto_dir "$e" "$ind  "
			echo "${ind}\$"
		else
			echo "${ind}$name ---$(stat -c %a "$e") 0 0 $e"
		fi
	done
}

# mk_btrfs FILE [mkfs options...]
mk_btrfs() {
	local f=$1
	shift
	rm -f "$f"
	truncate -s 128M "$f"
	mkfs.btrfs -q -f --rootdir "$BW/rootfs" "$@" "$f" >/dev/null
}

# mk_gpt DISK PARTIMG UUID NAME: a GPT disk whose partition 1 holds PARTIMG.
mk_gpt() {
	local disk=$1 part=$2 uuid=$3 name=$4 sectors
	sectors=$(($(stat -c %s "$part") / 512))
	rm -f "$disk"
	truncate -s $(((sectors + 2048 + 2048) * 512)) "$disk"
	printf 'label: gpt\nstart=2048, size=%s, type=linux, uuid=%s, name="%s"\n' \
		"$sectors" "$uuid" "$name" | sfdisk -q "$disk" >/dev/null
	dd if="$part" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
}

# mk_mbr DISK PARTIMG SIGNATURE: an MBR disk whose partition 1 holds PARTIMG.
mk_mbr() {
	local disk=$1 part=$2 sig=$3 sectors
	sectors=$(($(stat -c %s "$part") / 512))
	rm -f "$disk"
	truncate -s $(((sectors + 2048) * 512)) "$disk"
	printf 'label: dos\nlabel-id: 0x%s\nstart=2048, size=%s, type=83\n' "$sig" \
		"$sectors" | sfdisk -q "$disk" >/dev/null
	dd if="$part" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
}

# ---- initramfs images ----------------------------------------------------------------

compress_cmd() {
	case $1 in
	zstd) echo "zstd -q -19 -T1" ;;
	gzip) echo "gzip -9n" ;;
	xz) echo "xz --check=crc32 -T1" ;;
	lz4) echo "lz4 -q -l -9" ;;
	none) echo "cat" ;;
	*) return 1 ;;
	esac
}

# pack_dir DIR OUT COMP: a newc archive of DIR, compressed.
pack_dir() {
	local dir=$1 out=$2 comp
	comp=$(compress_cmd "$3") || return 1
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | $comp >"$out"
}

# hand_plan STAGE SPEC...: copy modules into STAGE and write the plan for them.
# SPEC is FLAGS:MODULE[:PARAMS] with FLAGS 'a' or 'm'. Soft dependencies that modprobe
# lists (crc32c-intel) are flagged 's' as the generator would.
hand_plan() {
	local stage=$1
	shift
	local -A index=()
	local -a names=() paths=() flags=() deps=() params=() aliases=()
	local spec kind mod par line p n closure f i
	for spec in "$@"; do
		IFS=: read -r kind mod par <<<"$spec"
		[ "$kind" = h ] && continue # a hook: the generator's business
		closure=
		while read -r line; do
			case $line in insmod\ *) ;; *) continue ;; esac
			p=${line#insmod }
			p=${p%% *}
			n=${p##*/}
			n=${n%.ko*}
			n=${n//-/_}
			if [ -z "${index[$p]:-}" ]; then
				i=${#names[@]}
				index[$p]=$i
				names+=("$n")
				paths+=("${p#"$KROOT"}")
				f=-
				case $n in crc32c_intel | crct10dif_pclmul) f=s ;; esac
				flags+=("$f")
				deps+=("${closure:--}")
				params+=("")
				mkdir -p "$stage/$(dirname "${p#"$KROOT"}")"
				cp "$p" "$stage/${p#"$KROOT"}"
			fi
			i=${index[$p]}
			# The module asked for gets the kind; an always module's deps are
			# always loaded too, an on-match module's only along with it.
			if [ "$n" = "${mod//-/_}" ] || [ "$kind" = a ]; then
				case ${flags[i]} in *"$kind"*) ;; *) flags[i]=${flags[i]#-}$kind ;; esac
			fi
			if [ "$n" = "${mod//-/_}" ]; then
				[ -n "$par" ] && params[i]=$par
				if [ "$kind" = m ]; then
					while read -r _ pat _; do
						aliases+=("$pat	$i")
					done < <(grep -E "^alias [^ ]+ ${n//_/[-_]}\$" "$KMOD/modules.alias")
				fi
			fi
			closure=${closure:+$closure,}$i
		done < <(modprobe -d "$KROOT" -S "$KVER" --show-depends "$mod")
	done
	mkdir -p "$stage/etc/mkinitramfs"
	{
		printf 'mkinitramfs-plan\t1\n'
		printf 'K\t%s\n' "$KVER"
		printf 'F\tgenerator\tboot test hand_plan\n'
		for i in "${!names[@]}"; do
			printf 'M\t%s\t%s\t%s\t%s\t%s\n' "${names[i]}" "${paths[i]}" "${flags[i]}" \
				"${deps[i]}" "${params[i]}"
		done
		for i in "${aliases[@]}"; do
			printf 'A\t%s\n' "$i"
		done
	} >"$stage/etc/mkinitramfs/plan"
}

# hand_image OUT COMP BUSYBOX(yes|no) SPEC...: /init is build/init.
hand_image() {
	local out=$1 comp=$2 bb=$3 stage
	shift 3
	stage=$(mktemp -d "$BW/stage.XXXXXX")
	mkdir -p "$stage"/{dev,proc,sys,run,bin,new_root}
	cp "$B/init" "$stage/init"
	mknod "$stage/dev/console" c 5 1 2>/dev/null || true
	if [ "$bb" = yes ]; then
		cp /bin/busybox "$stage/bin/busybox"
		ln -s busybox "$stage/bin/sh"
	fi
	hand_plan "$stage" "$@" || return 1
	pack_dir "$stage" "$out" "$comp"
	rm -rf "$stage"
}

# gen_image OUT COMP BUSYBOX(yes|no) SPEC...: the same request through the generator.
# a:MOD[:PARAMS] -> MODULES; m:MOD -> MODULES_MATCH; h:HOOK -> -A HOOK; BUSYBOX=yes adds
# the shell hook.
gen_image() {
	local out=$1 comp=$2 bb=$3 conf spec kind mod par
	local -a extra=()
	shift 3
	conf=$(mktemp "$BW/conf.XXXXXX")
	{
		printf 'MODULES=('
		for spec in "$@"; do
			IFS=: read -r kind mod par <<<"$spec"
			[ "$kind" = a ] && printf ' "%s"' "$mod${par:+ $par}"
		done
		printf ' )\n'
		printf 'MODULES_MATCH=('
		for spec in "$@"; do
			IFS=: read -r kind mod par <<<"$spec"
			[ "$kind" = m ] && printf ' "%s"' "$mod"
		done
		printf ' )\n'
		printf 'COMPRESSION=%s\n' "$comp"
	} >"$conf"
	local root=$KROOT
	if [ "$bb" = yes ]; then
		# The shell hook: busybox with its applet links, from a root that holds it.
		t_busybox_root
		root=$BBROOT
		extra=(-A shell)
	fi
	for spec in "$@"; do
		[ "${spec%%:*}" = h ] && extra+=(-A "${spec#h:}")
	done
	"$MKINITRAMFS" -k "$KVER" -r "$root" -c "$conf" -g "$out" -z "$comp" "${extra[@]}" \
		>"$out.gen.log" 2>&1 || {
		echo "    | mkinitramfs failed:"
		sed 's/^/    | /' "$out.gen.log" | tail -n 10
		return 1
	}
}

# make_image OUT COMP BUSYBOX SPEC...: through the selected imager.
make_image() {
	case $BOOT_IMAGER in
	hand) hand_image "$@" ;;
	mkinitramfs)
		if ! boot_have_generator; then
			echo "    | generator '$MKINITRAMFS' is missing: build it (make) or run" \
				"with BOOT_IMAGER=hand to test the init alone"
			return 1
		fi
		gen_image "$@"
		;;
	*)
		echo "    | unknown BOOT_IMAGER '$BOOT_IMAGER'"
		return 1
		;;
	esac
}

# ---- QEMU ------------------------------------------------------------------------------

# A guest clock that counts the guest's own instructions (2^3 ns each) while it runs,
# and real time only while it idles. Without it TCG's guest clock is the host's: on a
# host short of CPU the same boot reached the AHCI probe at 14, 37 and 50 s of guest
# uptime, with it at 20.57 s each time, so a busy guest's timeouts do not expire for
# want of host CPU (an idle guest still sees the time of a host that froze QEMU). It
# costs host time (an AHCI boot: 34 s plain, 51 s with it): only the AHCI boots pass
# "${QEMU_STEADY_CLOCK[@]}", with QEMU_STEADY_TIMEOUT as their bound.
QEMU_STEADY_CLOCK=(-icount shift=3,sleep=on)
QEMU_STEADY_TIMEOUT=$((BOOT_TIMEOUT * 2))

# qemu_boot LOG INITRD APPEND [QEMU ARGS...]: boot, serial console into LOG. Every boot
# passes no_timer_check: on a starved TCG host the kernel's IO-APIC timer check can fail
# and panic ("IO-APIC + timer doesn't work") before the image runs.
qemu_boot() {
	local log=$1 initrd=$2 append=$3
	shift 3
	timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 512 -smp 1 \
		-nographic -no-reboot -kernel "$VMLINUZ" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 no_timer_check $append" "$@" </dev/null >"$log" 2>&1
	echo "qemu exit $?" >>"$log"
	keep_log "$log"
}

# Logs outlive the scratch directory, for whoever reads a failure afterwards.
keep_log() {
	# The serial console ends lines with CR LF; patterns want plain lines.
	sed -i 's/\r$//' "$1"
	mkdir -p "$B/boot-logs"
	cp "$1" "$B/boot-logs/"
}

# wait_log LOG PATTERN SECONDS: wait until the log has a line matching the ERE.
wait_log() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# qemu_interactive LOG INITRD APPEND QEMU_ARGS... -- then steps on stdin of this
# function: lines "wait ERE" and "send TEXT", run in order against the serial console.
qemu_interactive_start() {
	local log=$1 initrd=$2 append=$3
	shift 3
	QFIFO=$(mktemp -u "$BW/fifo.XXXXXX")
	mkfifo "$QFIFO"
	timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 512 -smp 1 \
		-nographic -no-reboot -kernel "$VMLINUZ" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 no_timer_check $append" "$@" <"$QFIFO" >"$log" 2>&1 &
	QPID=$!
	exec 9>"$QFIFO"
}

qemu_send() {
	printf '%s\r' "$1" >&9
}

qemu_interactive_end() {
	local log=$1 rc
	wait "$QPID"
	rc=$?
	exec 9>&-
	rm -f "$QFIFO"
	echo "qemu exit $rc" >>"$log"
	keep_log "$log"
}

# qemu_keyboard_start LOG INITRD APPEND [QEMU ARGS...]: boot with the serial console in
# LOG and QEMU's monitor on FIFOs, so qemu_sendkeys types on the emulated PS/2 keyboard
# (what a person types into the virtual console, not the serial line).
qemu_keyboard_start() {
	local log=$1 initrd=$2 append=$3
	shift 3
	QMON=$(mktemp -u "$BW/monitor.XXXXXX")
	mkfifo "$QMON.in" "$QMON.out"
	# Read-write opens of the FIFOs never block, whoever opens first.
	exec 8<>"$QMON.in"
	timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 512 -smp 1 \
		-nographic -no-reboot -kernel "$VMLINUZ" -initrd "$initrd" \
		-monitor "pipe:$QMON" \
		-append "console=ttyS0 panic=-1 no_timer_check $append" "$@" </dev/null >"$log" 2>&1 &
	QPID=$!
	cat <>"$QMON.out" >"$QMON.log" &
	QMONPID=$!
}

# qemu_sendkeys KEY...: QEMU key names (US positions: 'y' is the key labelled Y on a US
# keyboard, whatever the guest's keymap makes of it), then Enter.
qemu_sendkeys() {
	local k
	for k in "$@" ret; do
		printf 'sendkey %s\n' "$k" >&8
		sleep 0.2
	done
}

qemu_keyboard_end() {
	local log=$1 rc
	wait "$QPID"
	rc=$?
	kill "$QMONPID" 2>/dev/null
	wait "$QMONPID" 2>/dev/null
	exec 8>&-
	rm -f "$QMON.in" "$QMON.out"
	echo "qemu exit $rc" >>"$log"
	keep_log "$log"
}

# capture_unpack DISK DIR: turn what tests/boot/capture.c wrote on a raw disk into the
# sysfs tree autodetect reads (DIR/sysfs), with the block devices' stack as the root-stack
# proof walks it, and the machine's mount table (DIR/mountinfo).
capture_unpack() {
	local disk=$1 dir=$2 line rel mod refcnt holders h
	mkdir -p "$dir/sysfs"
	: >"$dir/mountinfo"
	tr -d '\0' <"$disk" | while IFS= read -r line; do
		case $line in
		"A "*)
			rel=${line#A }
			mkdir -p "$dir/sysfs/$(dirname "${rel%%$'\t'*}")"
			printf '%s\n' "${rel#*$'\t'}" >"$dir/sysfs/${rel%%$'\t'*}"
			;;
		"L "*)
			read -r _ mod refcnt holders <<<"$line"
			mkdir -p "$dir/sysfs/module/$mod/holders"
			echo live >"$dir/sysfs/module/$mod/initstate"
			echo "$refcnt" >"$dir/sysfs/module/$mod/refcnt"
			for h in ${holders//,/ }; do mkdir -p "$dir/sysfs/module/$mod/holders/$h"; done
			;;
		"R "*) printf '%s\n' "${line#R }" >>"$dir/mountinfo" ;;
		"F "*)
			rel=${line#F }
			mkdir -p "$dir/sysfs/$(dirname "${rel%%$'\t'*}")"
			printf '%s\n' "${rel#*$'\t'}" >"$dir/sysfs/${rel%%$'\t'*}"
			;;
		"S "*)
			rel=${line#S }
			mkdir -p "$dir/sysfs/$(dirname "${rel%%$'\t'*}")"
			ln -sfn "${rel#*$'\t'}" "$dir/sysfs/${rel%%$'\t'*}"
			;;
		END) break ;;
		esac
	done
}

# The hibernating test root's init (tests/boot/hibinit.c: swaps on, hibernates, checks its
# memory after resume) into $BW/rootfs/sbin/hibinit, for the resume suites.
build_hibinit() {
	musl-gcc -static -Os -o "$BW/rootfs/sbin/hibinit" "$TOP/tests/boot/hibinit.c" ||
		{ t_fail "cannot build the hibernating init"; exit 1; }
}
