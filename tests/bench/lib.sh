# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark helpers shared by run.sh and chroots.sh: logging, the API filesystems of a
# peer's chroot, careful removal, and small statistics. Source it.

bench_log() { echo "bench: $*" >&2; }

# Run the calling script again in a private mount namespace: whatever it mounts
# disappears with it, even when it is killed, and never reaches the host. Root only.
bench_private_mounts() {
	if [ "$(id -u)" != 0 ]; then
		echo "bench: error: needs root (debootstrap, chroot, mounts)" >&2
		exit 1
	fi
	if [ -z "${BENCH_NS:-}" ]; then
		exec unshare -m --propagation private env BENCH_NS=1 "$0" "$@"
	fi
}

# The API filesystems a chroot needs, on a tmpfs /dev of its own (never a bind of the
# host's /dev: a stray rm in the chroot cannot reach the host's device nodes). The
# host's block devices are copied as nodes and the chroot is bound onto itself, since
# initramfs-tools' MODULES=dep looks up the device of / in the chroot's /proc/mounts.
bench_mount_api() {
	local root=$1 d n
	bench_umount_api "$root"
	mount --bind "$root" "$root"
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount -t tmpfs -o mode=755,size=16m devtmpfs "$root/dev"
	mknod -m 666 "$root/dev/null" c 1 3
	mknod -m 666 "$root/dev/zero" c 1 5
	mknod -m 666 "$root/dev/full" c 1 7
	mknod -m 666 "$root/dev/random" c 1 8
	mknod -m 666 "$root/dev/urandom" c 1 9
	mknod -m 666 "$root/dev/tty" c 5 0
	mkdir -p "$root/dev/pts" "$root/dev/shm"
	ln -s /proc/self/fd "$root/dev/fd"
	for d in /sys/class/block/*; do
		[ -r "$d/dev" ] || continue
		n=$(cat "$d/dev")
		mknod -m 600 "$root/dev/${d##*/}" b "${n%:*}" "${n#*:}" 2>/dev/null || true
	done
	mount -t tmpfs -o size=256m tmpfs "$root/tmp"
}

bench_umount_api() {
	local root=$1 m
	for m in tmp dev sys proc ""; do
		while mountpoint -q "$root/$m" 2>/dev/null; do
			umount "$root/$m" 2>/dev/null || umount -l "$root/$m" || break
		done
	done
}

# rm -rf only a tree with nothing mounted below it, and never across a file system.
bench_safe_rm() {
	local d=$1
	[ -e "$d" ] || return 0
	if awk -v d="$(realpath "$d")/" 'index($5 "/", d) == 1 { f = 1 } END { exit !f }' \
		/proc/self/mountinfo; then
		bench_log "error: '$d' has mounts below it, not removing it"
		return 1
	fi
	rm -rf --one-file-system "$d"
}

# median NUMBERS...: the median (mean of the middle two for an even count).
bench_median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# spread NUMBERS...: (max - min) / median, in percent, rounded.
bench_spread() {
	local med
	med=$(bench_median "$@") || return 1
	printf '%s\n' "$@" | sort -g | awk -v m="$med" '{ v[NR] = $1 } END {
		if (m > 0) printf "%.0f", (v[NR] - v[1]) / m * 100; else print 0 }'
}

# bench_qemu_run LOG INITRD APPEND [QEMU ARGS...]: the benchmark VM (BOOT_TIMEOUT,
# VMLINUZ; BENCH_VM_SMP virtual CPUs, 1 unless set). The reader stamps the wall time since QEMU's start when the root's first
# line arrives. One benchmark VM at a time on the machine (build/bench/qemu.lock): two
# benchmarks run side by side would time each other.
bench_qemu_run() {
	local log=$1 initrd=$2 append=$3 t0 line now seen= lock
	shift 3
	mkdir -p "$B/bench"
	exec {lock}>"$B/bench/qemu.lock"
	flock "$lock"
	t0=${EPOCHREALTIME/./}
	timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 1024 \
		-smp "${BENCH_VM_SMP:-1}" \
		-nographic -no-reboot -nic none -kernel "$VMLINUZ" -initrd "$initrd" \
		-append "$append" "$@" </dev/null 2>&1 |
		while IFS= read -r line || [ -n "$line" ]; do
			line=${line%$'\r'}
			if [ -z "$seen" ] && [[ $line == *"ROOTINIT uptime="* ]]; then
				now=${EPOCHREALTIME/./}
				seen=1
				printf 'BENCH wall=%d\n' $((now - t0))
			fi
			printf '%s\n' "$line"
		done >"$log"
	exec {lock}>&-
}

# bench_in_chroot DIR CMD...: CMD in a peer's chroot with a clean environment (its API
# filesystems mounted by the caller: bench_mount_api).
bench_in_chroot() {
	local root=$1
	shift
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root chroot "$root" "$@"
}

# bench_reason_of LOG [N]: the last N (3) lines of a log on one line, fit for a table.
bench_reason_of() {
	grep -av '^[[:space:]]*$' "$1" | tail -n "${2:-3}" | cut -c1-160 |
		sed 's/|/\//g; s/\x1b\[[0-9;?]*[a-zA-Z]//g' | tr -d '\r' | paste -sd ' ' | cut -c1-400
}

# bench_boot_reason LOG: why a boot failed: the first lines that say so, else the last
# lines of the console.
bench_boot_reason() {
	local why
	why=$(sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$1" | tr -d '\r' |
		grep -aiE 'FAILED|panic|gave up|cannot|not found|error|timed out' | head -n 3 |
		cut -c1-160 | sed 's/|/\//g' | paste -sd ' ')
	if [ -n "$why" ]; then echo "$why"; else bench_reason_of "$1" 4; fi
}

# ---- one root stack, several tools (luks.sh, lvm.sh, netroot.sh, modcompress.sh) -----
# The caller sets KROOT and KVER, calls bench_part (which declares the associative
# arrays failed, size, gtime, gcpu, ups and walls), defines gen_ID for each tool (writing
# $W/ID.img), append[ID] (its command line), label[ID] and the array BENCH_QEMU (the VM's
# disks and NIC, the same for all).

# bench_part NAME ITOOLS-PEER DRACUT-PEER: the peers' chroots (tests/bench/chroots.sh)
# in CH_IT and CH_DR, unmounted at exit; W=build/bench/NAME made empty, with LOGS and
# the scratch directory T_TMP inside; BOOTS and BOOT_TIMEOUT from the knobs.
bench_part() {
	CHROOT_PEERS="$2 $3" "$TOP/tests/bench/chroots.sh" "$KROOT" "$KVER" || {
		bench_log "error: peer set-up failed"
		exit 1
	}
	CH_IT=$B/bench/chroots/$2
	CH_DR=$B/bench/chroots/$3
	W=$B/bench/$1
	LOGS=$W/logs
	T_TMP=$W/work
	BOOTS=${BENCH_BOOTS:-3}
	BOOT_TIMEOUT=${BENCH_BOOT_TIMEOUT:-180}
	declare -gA failed=() size=() gtime=() gcpu=() ups=() walls=()
	rm -rf "$W"
	mkdir -p "$T_TMP" "$LOGS" "$CH_IT/bench-out" "$CH_DR/bench-out"
	trap bench_part_cleanup EXIT
	trap 'exit 130' INT TERM
}
bench_part_cleanup() {
	bench_umount_api "$CH_IT"
	bench_umount_api "$CH_DR"
}

# bench_part_root: the root's /etc/os-release (systemd, dracut's initrd, switches only
# into a root that looks like an OS) and the kernel; after boot_setup.
bench_part_root() {
	printf 'ID=bench\nNAME="mkinitramfs benchmark root"\n' >"$BW/rootfs/etc/os-release"
	VMLINUZ=$KROOT/boot/vmlinuz-$KVER
}

# bench_itools ID [MKINITRAMFS OPTIONS...]: initramfs-tools' image in its chroot, to
# $W/ID.img. bench_dracut ID [DRACUT OPTIONS...]: dracut's, the same way.
bench_itools() {
	local id=$1
	shift
	bench_in_chroot "$CH_IT" mkinitramfs "$@" -o "/bench-out/$id.img" "$KVER" &&
		cp "$CH_IT/bench-out/$id.img" "$W/$id.img"
}
bench_dracut() {
	local id=$1
	shift
	bench_in_chroot "$CH_DR" dracut --force "$@" "/bench-out/$id.img" "$KVER" &&
		cp "$CH_DR/bench-out/$id.img" "$W/$id.img"
}

# bench_build ID...: each gen_ID once, with the chroots' API filesystems mounted; its wall time is appended to gtime[ID] and its CPU
# time (user + system of the process tree) to gcpu[ID], its image's size goes into
# size[ID]; a failure goes into failed[ID] with the log's last lines.
bench_build() {
	local id tf=$W/work/build.time TIMEFORMAT='%R %U %S' w u s
	bench_mount_api "$CH_IT"
	bench_mount_api "$CH_DR"
	for id in "$@"; do
		[ -n "${failed[$id]:-}" ] && continue
		bench_log "building the '$id' image"
		if ! { time "gen_$id" >>"$LOGS/$id.gen.log" 2>&1; } 2>"$tf" || [ ! -s "$W/$id.img" ]; then
			failed[$id]="generation: $(bench_reason_of "$LOGS/$id.gen.log" 2)"
			continue
		fi
		read -r w u s <"$tf"
		gtime[$id]+=" $w"
		gcpu[$id]+=" $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')"
		size[$id]=$(stat -c %s "$W/$id.img")
	done
	bench_part_cleanup
}

# bench_boots ID...: BOOTS boots of each built image, round robin, one at a time; the
# kernel's uptime and the wall time at the root's init in ups[ID] and walls[ID].
bench_boots() {
	local n id log
	bench_log "$BOOTS boots of each image, round robin (timeout $BOOT_TIMEOUT s)"
	for ((n = 1; n <= BOOTS; n++)); do
		for id in "$@"; do
			[ -n "${failed[$id]:-}" ] && continue
			log=$LOGS/$id.boot$n.log
			bench_qemu_run "$log" "$W/$id.img" \
				"console=ttyS0 panic=-1 quiet no_timer_check ${append[$id]}" "${BENCH_QEMU[@]}"
			if ! grep -aq 'ROOTINIT uptime=' "$log"; then
				failed[$id]="boot $n: no root init: $(bench_boot_reason "$log")"
				continue
			fi
			ups[$id]+=" $(bench_uptime "$log")"
			walls[$id]+=" $(bench_wall "$log")"
		done
	done
}

# bench_uptime LOG, bench_wall LOG: the kernel's uptime when the root's init started, and
# the seconds from QEMU's start to that line, of a boot that got there (SeaBIOS's last
# words may share the line: the marker need not start it).
bench_uptime() { sed -n 's/.*ROOTINIT uptime=\([0-9.]*\).*/\1/p' "$1" | head -n1; }
bench_wall() {
	sed -n 's/^BENCH wall=\([0-9]*\)$/\1/p' "$1" | awk '{ printf "%.2f", $1 / 1e6 }'
}

# bench_median_s LIST: "1.23 s ±4%", or "—" for an empty list.
bench_median_s() {
	[ -n "$1" ] || { echo "—"; return; }
	printf '%.2f s ±%s%%' "$(bench_median $1)" "$(bench_spread $1)"
}

# bench_mib BYTES: "1.2 MiB".
bench_mib() { awk -v v="$1" 'BEGIN { printf "%.1f MiB", v / 1048576 }'; }

# bench_plain_cpio CONF OUT MKINITRAMFS-COMMAND...: the fallback image's content as one
# uncompressed cpio, what `zstd -3 -T0` is timed on beside the fallback build. Not the
# image decompressed: a generic image keeps its modules compressed one by one in an
# uncompressed first segment, work its build does and a decompression would undo.
bench_plain_cpio() {
	local conf=$1 out=$2
	shift 2
	{ cat "$conf" && echo 'MODULES_DECOMPRESS=yes'; } >"$out.conf"
	"$@" -f -q -c "$out.conf" -S autodetect -z none -g "$out"
}

# bench_rows ID...: the table rows "| label | compressed | uptime | wall |" (the header
# is the caller's); a tool that failed says where and why.
bench_rows() {
	local id
	for id in "$@"; do
		if [ -n "${failed[$id]:-}" ]; then
			echo "| ${label[$id]} | failed: ${failed[$id]//|//} | | |"
			continue
		fi
		echo "| ${label[$id]} | $(bench_mib "${size[$id]}") |" \
			"$(bench_median_s "${ups[$id]:-}") | $(bench_median_s "${walls[$id]:-}") |"
	done
}
