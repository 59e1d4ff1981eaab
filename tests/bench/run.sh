#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make bench`: mkinitramfs against initramfs-tools, dracut and a hand-made busybox
# baseline, side by side on the Debian kernel fixture: generation wall and CPU time,
# image sizes and contents, and boot time in QEMU (TCG) on one virtio-blk + ext4 VM; then
# mkinitramfs's host and fallback images against the baseline on the three machines of
# the boot tests (virtio-blk, LSI SCSI, AHCI), at -smp 1 and -smp 4, with the modules
# each loaded before root; -P for two kernels (6.1 and 6.12) times two presets.
# Writes build/bench/results.md and prints it. A benchmark, not a test: nothing here
# asserts a time; a peer that fails is recorded as failed with its reason.
# Knobs: BENCH_RUNS (5), BENCH_BOOTS (3), BENCH_BOOT_TIMEOUT (120 s),
# BENCH_GEN_TIMEOUT (600 s), BENCH_ONLY (a subset of the contenders' ids),
# BENCH_MACHINES ("virtio lsi ahci"), BENCH_SMP ("1 4"), BENCH_STEADY=0 (no steady-clock
# boots by machine), BENCH_LUKS=0, BENCH_LVM=0, BENCH_NET=0, BENCH_K612=0 (leave out the
# LUKS root of tests/bench/luks.sh, the LVM root of lvm.sh, the NFS and NBD roots of
# netroot.sh, the 6.12 kernel of modcompress.sh).

# One compound command, read whole before it runs: editing this file while a long run
# goes on cannot change what that run does.
{
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/../lib.sh"
source "$here/../boot/lib.sh"
bench_private_mounts "$@"

RUNS=${BENCH_RUNS:-5}
BOOTS=${BENCH_BOOTS:-3}
BOOT_TIMEOUT=${BENCH_BOOT_TIMEOUT:-120}
GEN_TIMEOUT=${BENCH_GEN_TIMEOUT:-600}
W=$B/bench
IMG=$W/img
LOGS=$W/logs
RESULTS=$W/results.md
CHROOTS=$W/chroots
APPEND="console=ttyS0 panic=-1 no_timer_check root=/dev/vda rw quiet"
EXPLICIT="virtio_pci virtio_blk ext4"
started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$(date +%s)

"$TOP/tests/deps.sh" || exit 1
for t in debootstrap qemu-system-x86_64 zstd musl-gcc cc; do
	command -v "$t" >/dev/null || { echo "bench: error: '$t' is missing" >&2; exit 1; }
done
[ -x "$MKINITRAMFS" ] || { echo "bench: error: '$MKINITRAMFS' is missing: make" >&2; exit 1; }

t_fixture
bench_log "kernel fixture $KVER in '$KROOT'"
"$here/chroots.sh" "$KROOT" "$KVER" || { echo "bench: error: peer set-up failed" >&2; exit 1; }
CH_IT=$CHROOTS/initramfs-tools
CH_DR=$CHROOTS/dracut

rm -rf "$IMG" "$LOGS" "$W/work"
mkdir -p "$IMG" "$LOGS" "$W/work"
cleanup() {
	bench_umount_api "$CH_IT"
	bench_umount_api "$CH_DR"
	rm -rf "$W/work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# -f exists once images record their inputs and skip unchanged rebuilds: the timed
# builds must then force, and the no-op regeneration is a build without it.
FORCE=
if "$MKINITRAMFS" --help 2>&1 | grep -q -- '--force'; then
	FORCE=-f
fi
# The peers keep no cache: ours is timed without its frame cache too, every frame
# compressed (hostbuild.sh shows the cold and warm cache beside it).
NOCACHE=
if "$MKINITRAMFS" --help 2>&1 | grep -q -- '--no-cache'; then
	NOCACHE=--no-cache
fi

# ---- the VM's root disk and the captured machine -----------------------------------

T_TMP=$W/work
boot_setup || { echo "bench: error: cannot build the root's init" >&2; exit 1; }
musl-gcc -static -Os -o "$BW/rootfs/bin/capture" "$TOP/tests/boot/capture.c" || exit 1
# systemd (dracut's default initrd) switches only into a root that looks like an OS.
printf 'ID=bench\nNAME="mkinitramfs benchmark root"\n' >"$BW/rootfs/etc/os-release"
mk_ext4 "$W/work/root.img" 64M -L benchroot
VMLINUZ=$KROOT/boot/vmlinuz-$KVER

qemu_run() { bench_qemu_run "$@"; }

# The machines of the boot tests, each booted with the same ext4 root disk: the
# virtio-blk VM (pc), LSI SCSI (pc, lsi53c895a, sym53c8xx's) and AHCI (q35's ICH9).
# BENCH_MACHINES chooses among them (all three unless set).
read -ra machines <<<"${BENCH_MACHINES:-virtio lsi ahci}"
declare -A mach_root=([virtio]=/dev/vda [lsi]=/dev/sda [ahci]=/dev/sda)
# The capture disk, the second of the machine's kind: lsi's SCSI id 1, AHCI's port 1.
declare -A mach_capdev=([virtio]=/dev/vdb [lsi]=/dev/sdb [ahci]=/dev/sdb)
declare -A mach_desc=(
	[virtio]="virtio-blk (pc, virtio-blk-pci)"
	[lsi]="LSI SCSI (pc, lsi53c895a + scsi-hd)"
	[ahci]="AHCI (q35, ICH9 AHCI + ide-hd)"
)
# mach_qemu MACH [CAPTURE-DISK]: the machine's QEMU arguments (its root disk, as a
# snapshot, and the capture disk when given) in QARGS.
mach_qemu() {
	local root=file=$W/work/root.img,format=raw,if=none,id=r,snapshot=on cap=${2:-}
	case $1 in
	virtio)
		QARGS=(-drive "file=$W/work/root.img,format=raw,if=virtio,snapshot=on")
		[ -z "$cap" ] || QARGS+=(-drive "file=$cap,format=raw,if=virtio")
		;;
	lsi)
		QARGS=(-device lsi53c895a,id=lsi -drive "$root" -device scsi-hd,drive=r,bus=lsi.0,scsi-id=0)
		[ -z "$cap" ] || QARGS+=(-drive "file=$cap,format=raw,if=none,id=c"
			-device scsi-hd,drive=c,bus=lsi.0,scsi-id=1)
		;;
	ahci)
		QARGS=(-machine q35 -drive "$root" -device ide-hd,drive=r,bus=ide.0)
		[ -z "$cap" ] || QARGS+=(-drive "file=$cap,format=raw,if=none,id=c"
			-device ide-hd,drive=c,bus=ide.1)
		;;
	esac
}

# The sysfs of each machine as autodetect reads it, captured by booting mkinitramfs's
# fallback image with the capture program as init, which writes it onto a second disk.
# Cached per kernel and machine, and per build of mkinitramfs and its init (what the
# fallback image loaded shows in the capture's module list).
build_id=$(cat "$MKINITRAMFS_BIN" "$B/init" | sha256sum | cut -c1-12)
capture_machine() { # MACH: sets MSYSFS[MACH]
	local mach=$1 dir=$W/capture-$KVER-$1-$build_id disk=$W/work/capture-$1.disk
	MSYSFS[$mach]=$dir/sysfs
	[ -f "$dir/done" ] && return 0
	bench_log "capturing the $mach machine's sysfs for autodetect (once per kernel and build)"
	rm -rf "$W"/capture-"$KVER"-"$mach"-* "$W/capture-$KVER"
	if [ ! -f "$W/work/capture.img" ]; then
		"$MKINITRAMFS" $FORCE -k "$KVER" -r "$KROOT" -c "$TOP/mkinitramfs.conf" -S autodetect \
			-g "$W/work/capture.img" >"$LOGS/capture.gen.log" 2>&1 || return 1
	fi
	rm -f "$disk"
	truncate -s 4M "$disk"
	mach_qemu "$mach" "$disk"
	qemu_run "$LOGS/capture-$mach.boot.log" "$W/work/capture.img" \
		"console=ttyS0 panic=-1 no_timer_check root=${mach_root[$mach]} rw init=/bin/capture capture_disk=${mach_capdev[$mach]}" \
		"${QARGS[@]}"
	grep -aq 'CAPTURE done' "$LOGS/capture-$mach.boot.log" || return 1
	mkdir -p "$dir"
	capture_unpack "$disk" "$dir"
	# The capture went to the second disk, not the root's: the root is mounted from
	# the first one.
	grep -q " ${mach_root[$mach]} " "$dir/mountinfo" || {
		bench_log "the $mach capture does not show ${mach_root[$mach]} mounted"
		return 1
	}
	touch "$dir/done"
}
declare -A MSYSFS=()
for mach in virtio "${machines[@]}"; do
	[ -n "${MSYSFS[$mach]:-}" ] && continue
	capture_machine "$mach" ||
		{ echo "bench: error: capturing the $mach machine failed, see '$LOGS'" >&2; exit 1; }
done
SYSFS=${MSYSFS[virtio]}
# The captured root's device, as a host build finds it in its own mount table: with it
# autodetect walks the root's stack, and defers the drivers off it.
ROOTDEV=${mach_root[virtio]}

# ---- the contenders ------------------------------------------------------------------

CONF=$TOP/mkinitramfs.conf
printf 'MODULES=(%s)\nHOOKS=(base)\n' "$EXPLICIT" >"$W/work/explicit.conf"

# -P: two kernels (the fixture's 6.1 and Debian 13's 6.12, tests/kernel-fixture.sh
# --kernel trixie) with the template's two presets each, default (autodetected, from
# the virtio VM's capture) and fallback: four images in one run, against the same four
# built one by one. -P takes one module root: both trees are linked into one.
K2ROOT= K2VER=
read -r K2ROOT K2VER < <("$TOP/tests/kernel-fixture.sh" --kernel trixie 2>"$LOGS/k612.log")
if [ -z "$K2VER" ]; then
	bench_log "no Debian 13 kernel: -P builds the 6.1 kernel's two presets only ($(bench_reason_of "$LOGS/k612.log" 1))"
fi
PROOT=$W/work/kroot-both
cp -al "$KROOT" "$PROOT"
mkdir -p "$W/work/presets" "$IMG/P"
# preset NAME VMLINUZ: the template's two images of that kernel, into $IMG/P.
preset() {
	sed -e "s|%PKGBASE%|$1|g" -e "s|^ALL_kver=.*|ALL_kver=\"$2\"|" \
		-e "s|/boot/initramfs-|$IMG/P/initramfs-|" "$TOP/presets/linux.preset.template" \
		>"$W/work/presets/$1.preset"
	echo "ALL_config=\"$CONF\"" >>"$W/work/presets/$1.preset"
}
preset bench "$VMLINUZ"
if [ -n "$K2VER" ]; then
	cp -al "$K2ROOT/usr/lib/modules/$K2VER" "$PROOT/lib/modules/"
	cp -al "$K2ROOT/boot/." "$PROOT/boot/"
	preset bench612 "$PROOT/boot/vmlinuz-$K2VER"
fi

# initramfs-tools with MODULES=dep: a second configuration directory.
rm -rf "$CH_IT/etc/initramfs-tools-dep"
cp -a "$CH_IT/etc/initramfs-tools" "$CH_IT/etc/initramfs-tools-dep"
sed -i 's/^MODULES=.*/MODULES=dep/' "$CH_IT/etc/initramfs-tools-dep/initramfs.conf"
mkdir -p "$CH_IT/bench-out" "$CH_DR/bench-out"
bench_mount_api "$CH_IT"
bench_mount_api "$CH_DR"

# The timed runs call the binary itself, not tests/lib.sh's stderr-check.sh wrapper (a
# shell started per run: milliseconds a user never pays).
gen_ours-host() {
	"$MKINITRAMFS_BIN" $FORCE $NOCACHE -k "$KVER" -r "$KROOT" -c "$CONF" --sysfs "$SYSFS" \
		--rootfs ext4 --rootdev "$ROOTDEV" -g "$IMG/ours-host.img"
}
gen_ours-explicit() {
	"$MKINITRAMFS_BIN" $FORCE $NOCACHE -k "$KVER" -r "$KROOT" -c "$W/work/explicit.conf" \
		-g "$IMG/ours-explicit.img"
}
gen_ours-fallback() {
	"$MKINITRAMFS_BIN" $FORCE $NOCACHE -k "$KVER" -r "$KROOT" -c "$CONF" -S autodetect \
		-g "$IMG/ours-fallback.img"
}
gen_ours-P() {
	"$MKINITRAMFS_BIN" $FORCE $NOCACHE -P --presetdir "$W/work/presets" -r "$PROOT" --sysfs "$SYSFS" \
		--rootfs ext4 --rootdev "$ROOTDEV"
}
gen_ours-host-612() {
	"$MKINITRAMFS_BIN" $FORCE $NOCACHE -k "$K2VER" -r "$K2ROOT" -c "$CONF" --sysfs "$SYSFS" \
		--rootfs ext4 --rootdev "$ROOTDEV" -g "$IMG/ours-host-612.img"
}
gen_ours-fallback-612() {
	"$MKINITRAMFS_BIN" $FORCE $NOCACHE -k "$K2VER" -r "$K2ROOT" -c "$CONF" -S autodetect \
		-g "$IMG/ours-fallback-612.img"
}
gen_itools-most() {
	bench_in_chroot "$CH_IT" mkinitramfs -o /bench-out/most.img "$KVER"
}
gen_itools-dep() {
	bench_in_chroot "$CH_IT" mkinitramfs -d /etc/initramfs-tools-dep -o /bench-out/dep.img "$KVER"
}
gen_dracut-default() {
	bench_in_chroot "$CH_DR" dracut --force /bench-out/default.img "$KVER"
}
gen_dracut-explicit() {
	bench_in_chroot "$CH_DR" dracut --force --no-hostonly --drivers "$EXPLICIT" \
		/bench-out/explicit.img "$KVER"
}
gen_baseline() {
	"$here/baseline.sh" "$KROOT" "$KVER" "$IMG/baseline.img"
}

ids=(ours-host ours-explicit ours-fallback)
[ -n "$K2VER" ] && ids+=(ours-host-612 ours-fallback-612)
ids+=(ours-P itools-most itools-dep dracut-default dracut-explicit baseline)
# BENCH_ONLY="ID..." measures only those (for a quick look; the table is then partial).
if [ -n "${BENCH_ONLY:-}" ]; then
	read -ra ids <<<"$BENCH_ONLY"
fi
declare -A label=(
	[ours-host]="mkinitramfs host (autodetect)"
	[ours-explicit]="mkinitramfs MODULES=($EXPLICIT) HOOKS=(base)"
	[ours-fallback]="mkinitramfs fallback (-S autodetect)"
	[ours-host-612]="mkinitramfs host (autodetect), Debian 13's $K2VER"
	[ours-fallback-612]="mkinitramfs fallback (-S autodetect), Debian 13's $K2VER"
	[ours-P]="mkinitramfs -P: host + fallback presets of $KVER${K2VER:+ and $K2VER}, in parallel"
	[itools-most]="initramfs-tools MODULES=most"
	[itools-dep]="initramfs-tools MODULES=dep"
	[dracut-default]="dracut (defaults)"
	[dracut-explicit]="dracut --no-hostonly --drivers \"$EXPLICIT\""
	[baseline]="baseline: busybox /init + insmod"
)
# The image each one leaves, for sizes and boots (-P's are those of the rows it is
# measured against).
declare -A image=(
	[ours-host]=$IMG/ours-host.img [ours-explicit]=$IMG/ours-explicit.img
	[ours-fallback]=$IMG/ours-fallback.img [ours-host-612]=$IMG/ours-host-612.img
	[ours-fallback-612]=$IMG/ours-fallback-612.img
	[itools-most]=$CH_IT/bench-out/most.img [itools-dep]=$CH_IT/bench-out/dep.img
	[dracut-default]=$CH_DR/bench-out/default.img
	[dracut-explicit]=$CH_DR/bench-out/explicit.img [baseline]=$IMG/baseline.img
)
# Whose figures each row is divided by.
declare -A ref=(
	[itools-most]=ours-fallback [itools-dep]=ours-host [dracut-default]=ours-fallback
	[dracut-explicit]=ours-explicit [baseline]=ours-explicit [ours-P]=ours-host+ours-fallback
)
[ -n "$K2VER" ] && ref[ours-P]+=+ours-host-612+ours-fallback-612

declare -A failed=() walls=() cpus=() ups=() bwalls=() bootfail=()

# gen_once ID: one timed generation; appends to walls/cpus or marks the ID failed.
gen_once() {
	local id=$1 tf=$W/work/time.$1 rc w u s why
	TIMEFORMAT='%R %U %S'
	echo "---- run $(date -u +%T)" >>"$LOGS/$id.gen.log"
	{ time timeout -k 10 "$GEN_TIMEOUT" bash -c "$(declare -f "gen_$id" bench_in_chroot); gen_$id" \
		>>"$LOGS/$id.gen.log" 2>&1; } 2>"$tf"
	rc=$?
	if [ $rc -ne 0 ]; then
		why="exit status $rc"
		[ $rc -eq 124 ] && why="timed out after $GEN_TIMEOUT s"
		failed[$id]="$why: $(bench_reason_of "$LOGS/$id.gen.log")"
		return 1
	fi
	read -r w u s <"$tf"
	walls[$id]+=" $w"
	cpus[$id]+=" $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')"
}
export MKINITRAMFS_BIN KVER KROOT K2VER K2ROOT PROOT MKINITRAMFS FORCE NOCACHE CONF SYSFS ROOTDEV IMG W EXPLICIT CH_IT CH_DR here

bench_log "generation: a warm-up and $RUNS runs of each, round robin"
for id in "${ids[@]}"; do
	gen_once "$id" || bench_log "'$id' failed: ${failed[$id]}"
	walls[$id]=""
	cpus[$id]=""
done
for ((run = 1; run <= RUNS; run++)); do
	bench_log "generation round $run/$RUNS"
	for id in "${ids[@]}"; do
		[ -n "${failed[$id]:-}" ] && continue
		gen_once "$id" || bench_log "'$id' failed: ${failed[$id]}"
	done
done

# ---- image contents --------------------------------------------------------------------

cc -O2 -Wall -Wextra -Werror -o "$W/work/cpiosplit" "$here/cpiosplit.c" || exit 1
declare -A csize=() usize=() nfiles=() nmods=() format=()
decompressor() { # FILE OFFSET: the command that decompresses what starts there
	local magic
	magic=$(tail -c +"$(($2 + 1))" "$1" | head -c 6 | od -An -tx1 | tr -d ' \n')
	case $magic in
	28b52ffd*) echo "zstd zstd -dcq" ;;
	1f8b*) echo "gzip gzip -dc" ;;
	fd377a585a00) echo "xz xz -dc" ;;
	02214c18*) echo "lz4 lz4 -dcq" ;;
	5d0000*) echo "lzma xz -dc --format=lzma" ;;
	425a68*) echo "bzip2 bzip2 -dc" ;;
	*) echo "unknown cat" ;;
	esac
}
analyze() { # ID
	local id=$1 f=${image[$1]} cpio off name cmd rest list
	[ -f "$f" ] || return 1
	csize[$id]=$(stat -c %s "$f")
	cpio=$("$W/work/cpiosplit" "$f" | awk '$1 == "cpio" { print $2 }')
	off=$("$W/work/cpiosplit" "$f" | awk '$1 == "compressed" { print $2 }')
	rest=0
	format[$id]=cpio
	if [ -n "$off" ]; then
		read -r name cmd <<<"$(decompressor "$f" "$off")"
		rest=$(tail -c +"$((off + 1))" "$f" | $cmd 2>/dev/null | wc -c)
		format[$id]=$name
		[ "$cpio" -gt 0 ] && format[$id]="cpio + $name"
	fi
	usize[$id]=$((cpio + rest))
	list=$W/work/$id.list
	"$MKINITRAMFS" -l "$f" >"$list" 2>"$list.err" || true
	nfiles[$id]=$(awk '$1 ~ /^-/' "$list" | wc -l)
	nmods[$id]=$(awk '$1 ~ /^-/ && $NF ~ /\.ko(\.(xz|zst|gz))?$/' "$list" | wc -l)
	if [ ! -s "$list" ]; then
		nfiles[$id]="? ($(head -c 100 "$list.err"))"
		nmods[$id]="?"
	fi
}
for id in "${ids[@]}"; do
	[ -n "${image[$id]:-}" ] && [ -z "${failed[$id]:-}" ] && analyze "$id"
	# The peers' images leave the chroots, for whoever wants to look at them.
	case ${image[$id]:-} in "$CHROOTS"/*) cp "${image[$id]}" "$IMG/$id.img" 2>/dev/null ;; esac
done

# ---- boots -------------------------------------------------------------------------------

boot_ids=()
for id in "${ids[@]}"; do
	# The 6.12 images need their own kernel: modcompress.sh boots that one.
	[ -n "${image[$id]:-}" ] && [[ $id != *-612 ]] && boot_ids+=("$id")
done
bench_log "boots: $BOOTS of each image, round robin (timeout $BOOT_TIMEOUT s)"
for ((n = 1; n <= BOOTS; n++)); do
	for id in "${boot_ids[@]}"; do
		if [ -n "${failed[$id]:-}" ]; then
			bootfail[$id]="not built"
			continue
		fi
		[ -n "${bootfail[$id]:-}" ] && continue
		log=$LOGS/$id.boot$n.log
		qemu_run "$log" "$IMG/$id.img" "$APPEND" \
			-drive "file=$W/work/root.img,format=raw,if=virtio,snapshot=on"
		# SeaBIOS's last words may share the line: the marker need not start it.
		if ! grep -aq 'ROOTINIT uptime=' "$log"; then
			bootfail[$id]="no root init after boot $n: $(bench_boot_reason "$log")"
			bench_log "'$id' did not boot: ${bootfail[$id]}"
			continue
		fi
		ups[$id]+=" $(bench_uptime "$log")"
		bwalls[$id]+=" $(bench_wall "$log")"
	done
done

# ---- boot by machine, -smp 1 and -smp 4 -------------------------------------------------

# modules_of LOG: how many modules the initramfs loaded (the root's init lists them).
modules_of() {
	sed -n 's/.*ROOTINIT modules= *//p' "$1" | head -n1 | wc -w
}
# On each machine: the baseline insmods its controller's driver, sd_mod (the disk of
# the LSI and AHCI machines is a SCSI disk) and ext4, with their dependencies; "host"
# is autodetected from that machine's capture with the shipped config, as on virtio;
# "fallback" is the one generic image. The peers boot on the virtio VM only. BENCH_SMP
# ("1 4" unless set): the virtual CPUs of the VMs of this section.
read -ra smps <<<"${BENCH_SMP:-1 4}"
declare -A mach_mods=([virtio]=$EXPLICIT [lsi]="sym53c8xx sd_mod ext4" [ahci]="ahci sd_mod ext4")
declare -A mups=() mmods=() mfail=() mimg=() reused=()
for mach in "${machines[@]}"; do
	mimg[$mach-fallback]=$IMG/ours-fallback.img
	if [ "$mach" = virtio ]; then
		mimg[virtio-baseline]=$IMG/baseline.img
		mimg[virtio-host]=$IMG/ours-host.img
		continue
	fi
	mimg[$mach-baseline]=$IMG/baseline-$mach.img
	mimg[$mach-host]=$IMG/host-$mach.img
	"$MKINITRAMFS" $FORCE -k "$KVER" -r "$KROOT" -c "$CONF" --sysfs "${MSYSFS[$mach]}" \
		--rootfs ext4 --rootdev "${mach_root[$mach]}" -g "$IMG/host-$mach.img" \
		>"$LOGS/host-$mach.gen.log" 2>&1 ||
		mfail[$mach-host]="generation failed: $(bench_reason_of "$LOGS/host-$mach.gen.log" 1)"
	# shellcheck disable=SC2086
	"$here/baseline.sh" "$KROOT" "$KVER" "$IMG/baseline-$mach.img" ${mach_mods[$mach]} \
		>"$LOGS/baseline-$mach.gen.log" 2>&1 ||
		mfail[$mach-baseline]="generation failed: $(bench_reason_of "$LOGS/baseline-$mach.gen.log" 1)"
done
# The virtio VM at -smp 1 is the one of the boots above: their figures, when there.
for kind in baseline host fallback; do
	id=$kind
	[ "$kind" = baseline ] || id=ours-$kind
	[ -n "${ups[$id]:-}" ] || continue
	mups[virtio-$kind-1]=${ups[$id]}
	reused[virtio-$kind-1]=1
	mmods[virtio-$kind-1]=$(modules_of "$LOGS/$id.boot1.log")
done
bench_log "boot by machine: $BOOTS boots each of baseline, host and fallback on ${machines[*]}, -smp ${smps[*]}"
for ((n = 1; n <= BOOTS; n++)); do
	for smp in "${smps[@]}"; do
		for mach in "${machines[@]}"; do
			for kind in baseline host fallback; do
				key=$mach-$kind-$smp
				# Measured above, or failed before.
				[ -n "${reused[$key]:-}${mfail[$key]:-}${mfail[$mach-$kind]:-}" ] && continue
				if [ ! -f "${mimg[$mach-$kind]}" ]; then
					mfail[$key]="not built (BENCH_ONLY)"
					continue
				fi
				log=$LOGS/$key.boot$n.log
				mach_qemu "$mach"
				BENCH_VM_SMP=$smp qemu_run "$log" "${mimg[$mach-$kind]}" \
					"console=ttyS0 panic=-1 no_timer_check root=${mach_root[$mach]} rw quiet" \
					"${QARGS[@]}"
				if ! grep -aq 'ROOTINIT uptime=' "$log"; then
					mfail[$key]="no root init after boot $n: $(bench_boot_reason "$log")"
					bench_log "$key did not boot: ${mfail[$key]}"
					continue
				fi
				mups[$key]+=" $(bench_uptime "$log")"
				[ "$n" = 1 ] && mmods[$key]=$(modules_of "$log")
			done
		done
	done
done
# The same images once more at -smp 1 with a guest clock that counts instructions
# (tests/boot/lib.sh's QEMU_STEADY_CLOCK: 8 ns per guest instruction, real time only
# while the guest idles): host load does not reach these figures, so one boot each is
# a measure (the same image gave the same uptime to 0.01 s at load averages 2 to 3),
# where the boots above are medians of a noisy clock. Not at -smp 4: with -icount the
# virtual CPUs take turns, and the clock counts their instructions one after the other.
# BENCH_STEADY=0 leaves them out.
if [ "${BENCH_STEADY:-1}" != 0 ]; then
	bench_log "boot by machine, steady clock: one boot each of baseline, host and fallback on ${machines[*]}"
	for mach in "${machines[@]}"; do
		for kind in baseline host fallback; do
			key=$mach-$kind-steady
			if [ -n "${mfail[$mach-$kind]:-}" ] || [ ! -f "${mimg[$mach-$kind]}" ]; then
				continue
			fi
			log=$LOGS/$key.log
			mach_qemu "$mach"
			BOOT_TIMEOUT=$((BOOT_TIMEOUT * 3)) BENCH_VM_SMP=1 qemu_run "$log" \
				"${mimg[$mach-$kind]}" \
				"console=ttyS0 panic=-1 no_timer_check root=${mach_root[$mach]} rw quiet" \
				"${QARGS[@]}" "${QEMU_STEADY_CLOCK[@]}"
			if ! grep -aq 'ROOTINIT uptime=' "$log"; then
				mfail[$key]="no root init: $(bench_boot_reason "$log")"
				bench_log "$key did not boot: ${mfail[$key]}"
				continue
			fi
			mups[$key]=$(bench_uptime "$log")
			mmods[$key]=$(modules_of "$log")
		done
	done
fi
# mcell KEY: "median" of a machine's boots, or its failure.
mcell() {
	if [ -n "${mfail[$1]:-}${mfail[${1%-*}]:-}" ]; then
		echo "failed²"
	elif [ -n "${mups[$1]:-}" ]; then
		fmt_s "$(bench_median ${mups[$1]})"
	else
		echo "—"
	fi
}
mratio() { # KEY-A KEY-B: A's median over B's
	[ -n "${mups[$1]:-}" ] && [ -n "${mups[$2]:-}" ] &&
		[ -z "${mfail[$1]:-}${mfail[$2]:-}${mfail[${1%-*}]:-}${mfail[${2%-*}]:-}" ] ||
		{ echo "—"; return; }
	awk -v a="$(bench_median ${mups[$1]})" -v b="$(bench_median ${mups[$2]})" \
		'BEGIN { if (b > 0) printf "×%.2f", a / b; else printf "—" }'
}
# mrow LABEL MACH SUFFIX LAST: one row of a machine's table, from the boots keyed
# MACH-KIND-SUFFIX (SUFFIX: the -smp, or "steady"), LAST its last cell.
mrow() {
	local label=$1 m=$2 s=$3 last=$4
	printf '| %s | %s | %s | %s | %s | %s | %s, %s, %s | %s |\n' "$label" \
		"$(mcell "$m-baseline-$s")" "$(mcell "$m-host-$s")" "$(mcell "$m-fallback-$s")" \
		"$(mratio "$m-host-$s" "$m-baseline-$s")" "$(mratio "$m-fallback-$s" "$m-host-$s")" \
		"${mmods[$m-baseline-$s]:-?}" "${mmods[$m-host-$s]:-?}" \
		"${mmods[$m-fallback-$s]:-?}" "$last"
}
machines_table() { # MACH
	local m=$1 smp last
	echo "### ${mach_desc[$m]}"
	echo
	echo "root=${mach_root[$m]}; the baseline insmods ${mach_mods[$m]// /, } with their" \
		"dependencies."
	echo
	echo "| VM | baseline | host | fallback | host / baseline | fallback / host | modules before root (baseline, host, fallback) | host, fallback vs -smp 1 |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	for smp in "${smps[@]}"; do
		last="—"
		[ "$smp" = 1 ] ||
			last="$(mratio "$m-host-$smp" "$m-host-1"), $(mratio "$m-fallback-$smp" "$m-fallback-1")"
		mrow "-smp $smp" "$m" "$smp" "$last"
	done
	[ -n "${mups[$m-host-steady]:-}${mfail[$m-host-steady]:-}" ] || return 0
	mrow "-smp 1, steady clock" "$m" steady "—"
}

# ---- mkinitramfs alone -------------------------------------------------------------------

bench_log "mkinitramfs alone: module resolution, no-op regeneration, fallback vs zstd"
moddep_out=$("$here/moddep.sh" 2>&1 | sed 's/^/    /')
# Whole-process medians of the host, no-op and fallback builds on the captured VM's
# sysfs, wall and CPU (tests/bench/hostbuild.sh; the wall time counts the neighbours).
hostbuild_out=$(BENCH_SYSFS=$SYSFS "$here/hostbuild.sh" 2>&1 | sed 's/^/    /')

noop="n/a (this build has no input digests: every run rebuilds)"
if [ -n "$FORCE" ] && [ -f "$IMG/ours-host.img" ]; then
	nw=()
	for ((run = 0; run <= RUNS; run++)); do
		TIMEFORMAT='%R'
		t=$({ time "$MKINITRAMFS_BIN" -k "$KVER" -r "$KROOT" -c "$CONF" --sysfs "$SYSFS" \
			--rootfs ext4 --rootdev "$ROOTDEV" -g "$IMG/ours-host.img" \
			>>"$LOGS/noop.log" 2>&1; } 2>&1)
		# A rebuild renames a new file into place: a new inode. The warm-up may
		# rebuild (the timed build ran with --no-cache and from another directory,
		# both part of the request); the timed runs must not.
		[ $run = 0 ] && before=$(stat -c %i.%Y "$IMG/ours-host.img")
		[ $run -gt 0 ] && nw+=("$t")
	done
	after=$(stat -c %i.%Y "$IMG/ours-host.img")
	skipped=no
	[ "$before" = "$after" ] && skipped=yes
	noop="$(bench_median "${nw[@]}" | awk '{ printf "%.3f", $1 }') s ±$(bench_spread "${nw[@]}")% (image left untouched: $skipped)"
fi

zstd_line="n/a (no fallback image)"
if [ -f "$IMG/ours-fallback.img" ]; then
	bench_plain_cpio "$CONF" "$W/work/fallback.cpio" "$MKINITRAMFS_BIN" -k "$KVER" -r "$KROOT"
	zw=()
	for ((run = 0; run <= RUNS; run++)); do
		TIMEFORMAT='%R'
		t=$({ time zstd -q -3 -T0 -f "$W/work/fallback.cpio" -o "$W/work/fallback.zst"; } 2>&1)
		[ $run -gt 0 ] && zw+=("$t")
	done
	zmed=$(bench_median "${zw[@]}" | awk '{ printf "%.3f", $1 }')
	fmed=$(bench_median ${walls[ours-fallback]:-0} | awk '{ printf "%.3f", $1 }')
	zstd_line="\`zstd -3 -T0\` on the same $(awk -v b="$(stat -c %s "$W/work/fallback.cpio")" \
		'BEGIN { printf "%.1f MiB", b / 1048576 }') of cpio: $zmed s ±$(bench_spread "${zw[@]}")%; the fallback build: $fmed s = $(awk -v a="$fmed" -v b="$zmed" 'BEGIN { printf "%.1f", a / b }') × zstd alone"
fi

# ---- the table -------------------------------------------------------------------------

fmt_s() { awk -v v="$1" 'BEGIN { printf (v < 10 ? "%.2f s" : "%.1f s"), v }'; }
fmt_b() {
	awk -v v="$1" 'BEGIN { if (v >= 1048576) printf "%.1f MiB", v / 1048576;
		else printf "%.0f KiB", v / 1024 }'
}
ratio() { # VALUE REFVALUE
	awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0 || a == "") exit; r = a / b;
		printf (r >= 10 ? " (×%.0f)" : " (×%.1f)"), r }'
}
cell_time() { # ID LISTVAR
	local id=$1 v r
	local -n list=$2
	[ -n "${list[$id]:-}" ] || { echo "—"; return; }
	v=$(bench_median ${list[$id]})
	printf '%s ±%s%%' "$(fmt_s "$v")" "$(bench_spread ${list[$id]})"
	r=${ref[$id]:-}
	case $r in
	"") ;;
	*+*) # the sum of the parts, as when they are built one after the other
		local part sum=0
		for part in ${r//+/ }; do
			[ -n "${list[$part]:-}" ] || return 0
			sum=$(awk -v a="$sum" -v b="$(bench_median ${list[$part]})" 'BEGIN { print a + b }')
		done
		ratio "$v" "$sum"
		;;
	*) [ -n "${list[$r]:-}" ] && ratio "$v" "$(bench_median ${list[$r]})" ;;
	esac
}
cell_num() { # ID ARRAYVAR bytes|count
	local id=$1
	local -n arr=$2
	local v=${arr[$id]:-} r=${ref[$id]:-}
	[ -n "$v" ] || { echo "—"; return; }
	if [ "$3" = bytes ]; then fmt_b "$v"; else printf '%s' "$v"; fi
	[ -n "$r" ] && [[ ${arr[$r]:-} =~ ^[0-9]+$ ]] && [[ $v =~ ^[0-9]+$ ]] && ratio "$v" "${arr[$r]}"
}

version_of() { cat "$CHROOTS/$1/.bench-ready" 2>/dev/null || echo "?"; }
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
git_rev=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo "?")

{
	echo "# Benchmarks"
	echo
	echo "\`make bench\` (tests/bench/run.sh), $started."
	echo
	echo "- Machine: $cpu, $(nproc) CPUs, $mem, host Linux $(uname -r); load average" \
		"$load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (a shared" \
		"machine: expect noise)."
	echo "- Kernel (the same vmlinuz and module tree for everyone): Debian" \
		"$(cat "$B/kernel/stamp" 2>/dev/null), $KVER."
	echo "- Versions: mkinitramfs $("$MKINITRAMFS" -V 2>&1 | head -n1 | awk '{ print $NF }') ($git_rev)," \
		"initramfs-tools $(version_of initramfs-tools), dracut $(version_of dracut)," \
		"$(qemu-system-x86_64 --version | head -n1 | sed 's/ emulator version / /; s/ (.*//'), zstd" \
		"$(zstd -V | sed 's/.* v\([0-9.]*\).*/\1/'), $(busybox 2>&1 | head -n1 | cut -d' ' -f1-2)."
	echo "- Generation: median of $RUNS runs after a warm-up, run round robin; CPU = user +" \
		"system of the process tree. ±: (max − min) / median. (×N): this figure over" \
		"mkinitramfs's corresponding one (named in the last column)."
	echo "- Boot: qemu-system-x86_64 -accel tcg -m 1024 -smp 1, virtio-blk ext4 root" \
		"(\`$APPEND\`), whose /sbin/init prints /proc/uptime first; median of $BOOTS boots" \
		"per image. Uptime: the kernel's, when the root's init starts; wall: from QEMU's" \
		"start to that line."
	echo "- Contenders: each peer runs in its own Debian chroot (debootstrap minbase +" \
		"systemd-sysv, then \`apt-get install\` of the peer with its recommends) holding" \
		"the fixture's modules. mkinitramfs's host image is autodetected from a capture" \
		"of the benchmark VM's sysfs and root device (--rootdev) with the shipped config;" \
		"\"explicit\" is the set" \
		"also given to dracut --drivers and to the baseline. initramfs-tools' MODULES=dep" \
		"detects the machine that runs the build (this VM: virtio-blk + ext4 too), not" \
		"the benchmark VM. Compression is each tool's default."
	echo
	echo "## Generation and images"
	echo
	echo "| image | wall | CPU | compressed | uncompressed | files | modules | format | vs |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for id in "${ids[@]}"; do
		if [ -n "${failed[$id]:-}" ]; then
			echo "| ${label[$id]} | failed¹ | — | — | — | — | — | — | ${ref[$id]:-} |"
			continue
		fi
		if [ -z "${image[$id]:-}" ]; then
			echo "| ${label[$id]} | $(cell_time "$id" walls) | $(cell_time "$id" cpus) |" \
				"the images of the rows it is measured against | | | | |" \
				"${ref[$id]//+/ + } (built one by one) |"
			continue
		fi
		echo "| ${label[$id]} | $(cell_time "$id" walls) | $(cell_time "$id" cpus) |" \
			"$(cell_num "$id" csize bytes) | $(cell_num "$id" usize bytes) |" \
			"$(cell_num "$id" nfiles count) | $(cell_num "$id" nmods count) |" \
			"${format[$id]:-?} | ${ref[$id]:-reference} |"
	done
	echo
	echo "## Boot"
	echo
	echo "| image | uptime at the root's init | wall from QEMU start | vs |"
	echo "| --- | --- | --- | --- |"
	for id in "${boot_ids[@]}"; do
		if [ -n "${bootfail[$id]:-}" ]; then
			echo "| ${label[$id]} | failed¹ | failed¹ | ${ref[$id]:-} |"
		else
			echo "| ${label[$id]} | $(cell_time "$id" ups) | $(cell_time "$id" bwalls) |" \
				"${ref[$id]:-reference} |"
		fi
	done
	if [ ${#failed[@]} -gt 0 ] || [ ${#bootfail[@]} -gt 0 ]; then
		echo
		echo "¹ Failures (last lines of the log, in build/bench/logs/):"
		echo
		for id in "${ids[@]}"; do
			[ -n "${failed[$id]:-}" ] && echo "- ${label[$id]}, generation: ${failed[$id]}"
			[ -n "${bootfail[$id]:-}" ] && [ -z "${failed[$id]:-}" ] &&
				echo "- ${label[$id]}, boot: ${bootfail[$id]}"
		done
	fi
	echo
	echo "## Boot by machine"
	echo
	echo "The machines of the boot tests, each with the ext4 root disk above: uptime" \
		"when the root's init starts, median of $BOOTS boots per image and VM size" \
		"(qemu -accel tcg -m 1024 -smp N, \`console=ttyS0 panic=-1 no_timer_check" \
		"root=DISK rw quiet\`), one VM at a time, round robin. host: mkinitramfs" \
		"autodetected from a capture of that machine's sysfs and root device (the" \
		"shipped config: drivers off the root's stack are deferred);" \
		"fallback: the one generic image (-S autodetect); baseline: busybox /init" \
		"insmodding exactly the machine's root modules. Modules before root: what" \
		"/proc/modules lists when the root's init starts (first boot). The virtio VM's" \
		"-smp 1 row is the boots of the table above. The steady clock row: one boot per" \
		"image at -smp 1 with \`-icount shift=3,sleep=on\` (the guest's clock counts its" \
		"instructions, 8 ns each, and real time only while it idles), whose uptimes" \
		"do not depend on the load of the host: the same image boots to the same" \
		"uptime within 0.01 s. The goals of issue 19, on every" \
		"machine: fallback / host ≤ 1.1 and host / baseline ≤ 1.0."
	for mach in "${machines[@]}"; do
		echo
		machines_table "$mach"
	done
	first=1
	for key in "${!mfail[@]}"; do
		if [ -n "$first" ]; then
			echo
			echo "² Failures (last lines of the log, in build/bench/logs/):"
			echo
			first=
		fi
		echo "- $key: ${mfail[$key]}"
	done
	echo
	echo "## mkinitramfs alone"
	echo
	echo "- No-op regeneration of the host image (inputs unchanged): $noop"
	echo "- Fallback image vs the compressor: $zstd_line"
	echo "- Builds alone, median of 21 runs each (tests/bench/hostbuild.sh):"
	echo
	echo "$hostbuild_out"
	echo
	echo "- Module resolution (tests/bench/moddep.sh, one run):"
	echo
	echo "$moddep_out"
} >"$RESULTS"
# The root stacks and the second kernel, each unless its switch is 0: the LUKS root
# (tests/bench/luks.sh, BENCH_LUKS), the LVM root (lvm.sh, BENCH_LVM), NFS and NBD roots
# (netroot.sh, BENCH_NET), Debian 13's 6.12 with modules kept compressed
# (modcompress.sh, BENCH_K612).
bench_umount_api "$CH_IT"
bench_umount_api "$CH_DR"
for part in LUKS:luks LVM:lvm NET:netroot K612:modcompress; do
	switch=BENCH_${part%%:*}
	[ "${!switch:-1}" = 0 ] && continue
	"$here/${part#*:}.sh" >>"$RESULTS" ||
		echo "${part#*:} benchmark failed, see its messages" >>"$RESULTS"
done
{
	echo
	echo "The whole run: $started to $(date -u '+%H:%M UTC') ($((($(date +%s) - t_start) / 60))" \
		"min); load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
} >>"$RESULTS"
cat "$RESULTS"
exit 0
}
