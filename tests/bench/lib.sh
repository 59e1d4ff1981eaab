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
# VMLINUZ). The reader stamps the wall time since QEMU's start when the root's first
# line arrives.
bench_qemu_run() {
	local log=$1 initrd=$2 append=$3 t0 line now seen=
	shift 3
	t0=${EPOCHREALTIME/./}
	timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 1024 -smp 1 \
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
}
